from odoo import fields
from odoo.tests import tagged

from .portal_common import PortalCommon


@tagged("post_install", "-at_install")
class TestPortalTour(PortalCommon):
    """The customer's path through the portal, in a headless browser, today.

    The subscription starts today, so its first period is paid in full and an
    upgrade from Basic 30 to Pro 50 on the same day bills the whole period: Pro 50,
    Basic unused −30, net 20.00 without tax.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_t = cls._portal_customer("Portal Tour Customer", "portal_t")
        cls.sub_t = cls._subscription(
            cls.plan_basic, fields.Date.today(), cls.customer_t
        )
        cls.sub_t.action_start()
        cls.sub_t.action_invoice_now()

    def _customer_messages(self):
        return self.sub_t.message_ids.filtered(
            lambda m: m.author_id == self.customer_t and "by the customer" in m.body
        )

    def test_upgrade_with_its_price_shown_first(self):
        self.start_tour(
            "/my/subscriptions", "recurring_portal_upgrade_tour", login="portal_t"
        )
        self.assertEqual(self.sub_t.plan_id, self.plan_pro)
        invoice = self.sub_t.invoice_ids.sorted("id")[-1]
        self.assertEqual(invoice.amount_untaxed, 20.0)
        self.assertEqual(len(self._customer_messages()), 1)

    def test_cancel_undo_and_pause(self):
        self.start_tour(
            "/my/subscriptions", "recurring_portal_cancel_pause_tour", login="portal_t"
        )
        self.assertRecordValues(
            self.sub_t, [{"state": "paused", "cancel_at_period_end": False}]
        )
        self.assertEqual(len(self._customer_messages()), 3)
