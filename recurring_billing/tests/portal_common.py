from datetime import date

from freezegun import freeze_time

from odoo.http import Request
from odoo.tests import HttpCase, new_test_user

from .sepa_common import SepaCommon


class PortalCommon(SepaCommon, HttpCase):
    """Two customers with a portal login each, on plans that allow self-service.

    Basic 30/month and Pro 50/month with its "Extra seat" add-on at 5 (at most 10) of
    RecurringCommon, sold by a company in euros collecting by SEPA Direct Debit
    (SepaCommon); both plans let the customer change plan, add-ons, pause and cancel.
    Customer A's and B's subscriptions to Basic start on 2026-02-10: their first
    period, 02-10 .. 03-09 (28 days), is invoiced in advance that day by the
    invoicing job.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        (cls.plan_basic | cls.plan_pro).write(
            {
                "portal_allow_change_plan": True,
                "portal_allow_change_quantities": True,
                "portal_allow_pause": True,
                "portal_allow_cancel": True,
            }
        )
        cls.reason = cls.env["recurring.cancel.reason"].create(
            {"name": "Too expensive for us"}
        )
        cls.customer_a = cls._portal_customer("Portal Customer A", "portal_a")
        cls.customer_b = cls._portal_customer("Portal Customer B", "portal_b")
        with freeze_time("2026-02-10"):
            cls.sub_a = cls._started(cls.plan_basic, cls.customer_a)
            cls.sub_b = cls._started(cls.plan_basic, cls.customer_b)

    @classmethod
    def _portal_customer(cls, name, login, company=None):
        company = company or cls.env.company
        partner = cls.env["res.partner"].create(
            {
                "name": name,
                "street": "3 quai Branly",
                "city": "Paris",
                "email": f"{login}@example.com",
            }
        )
        new_test_user(
            cls.env,
            login=login,
            password=login,
            groups="base.group_portal",
            partner_id=partner.id,
            company_id=company.id,
            company_ids=company.ids,
        )
        return partner

    @classmethod
    def _started(cls, plan, partner, start=date(2026, 2, 10)):
        """A subscription to ``plan`` started on ``start`` and invoiced."""
        sub = cls._subscription(plan, start, partner)
        sub.action_start()
        sub._cron_generate_invoices()
        return sub

    def _login(self, login):
        self.authenticate(login, login)

    def _post(self, url, data=None, csrf=True):
        """POST ``data`` to ``url`` as the customer's browser would, with the CSRF
        token of the session unless ``csrf`` is False."""
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = Request.csrf_token(self)
        return self.url_open(url, data=data, allow_redirects=False)
