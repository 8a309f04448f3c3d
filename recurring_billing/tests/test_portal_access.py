from freezegun import freeze_time

from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .portal_common import PortalCommon


@tagged("post_install", "-at_install")
class TestPortalAccess(PortalCommon):
    """Who sees and changes a subscription on the portal: its customer only."""

    def assertHidden(self, response):
        """Refused like a subscription that does not exist, revealing nothing of B's."""
        self.assertEqual(response.status_code, 404)
        self.assertNotIn(self.sub_b.name, response.text)
        self.assertNotIn("Portal Customer B", response.text)

    def test_customer_sees_own_subscriptions_in_list_and_page(self):
        self._login("portal_a")
        listing = self.url_open("/my/subscriptions")
        self.assertEqual(listing.status_code, 200)
        self.assertIn(self.sub_a.name, listing.text)
        self.assertNotIn(self.sub_b.name, listing.text)
        page = self.url_open(f"/my/subscriptions/{self.sub_a.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Basic", page.text)
        self.assertIn("o_recurring_portal_lines", page.text)

    def test_home_counts_own_subscriptions(self):
        self._login("portal_a")
        response = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["subscription_count"]}
        )
        self.assertEqual(response, {"subscription_count": 1})

    def test_list_filters_paused_subscriptions(self):
        self._login("portal_a")
        listing = self.url_open("/my/subscriptions?filterby=paused")
        self.assertNotIn(self.sub_a.name, listing.text)
        listing = self.url_open("/my/subscriptions?filterby=active&sortby=next")
        self.assertIn(self.sub_a.name, listing.text)

    def test_other_customers_subscription_by_url_is_not_found(self):
        self._login("portal_a")
        self.assertHidden(self.url_open(f"/my/subscriptions/{self.sub_b.id}"))

    def test_other_customers_subscription_with_a_wrong_token_is_not_found(self):
        self._login("portal_a")
        token_a = self.sub_a._portal_ensure_token()
        url = f"/my/subscriptions/{self.sub_b.id}?access_token={token_a}"
        self.assertHidden(self.url_open(url))

    def test_link_with_the_token_opens_the_page_to_a_visitor(self):
        token = self.sub_b._portal_ensure_token()
        url = f"/my/subscriptions/{self.sub_b.id}?access_token={token}"
        self.assertEqual(self.url_open(url).status_code, 200)

    def test_public_visitor_is_refused(self):
        self.assertHidden(self.url_open(f"/my/subscriptions/{self.sub_b.id}"))
        listing = self.url_open("/my/subscriptions", allow_redirects=False)
        self.assertEqual(listing.status_code, 303)
        self.assertIn("/web/login", listing.headers["Location"])

    def test_portal_user_of_another_company_is_refused(self):
        # A contact of customer B, but with a login of another company: the
        # subscription, of the first company, stays out of reach.
        other_company = self.env["res.company"].create({"name": "Other Company"})
        contact = self.env["res.partner"].create(
            {"name": "B's accountant", "parent_id": self.customer_b.id}
        )
        new_test_user(
            self.env,
            login="portal_c",
            password="portal_c",
            groups="base.group_portal",
            partner_id=contact.id,
            company_id=other_company.id,
            company_ids=other_company.ids,
        )
        self._login("portal_c")
        self.assertHidden(self.url_open(f"/my/subscriptions/{self.sub_b.id}"))
        listing = self.url_open("/my/subscriptions")
        self.assertNotIn(self.sub_b.name, listing.text)

    def test_step_on_another_customers_subscription_writes_nothing(self):
        self._login("portal_a")
        with freeze_time("2026-02-15"):
            response = self._post(f"/my/subscriptions/{self.sub_b.id}/pause")
        self.assertHidden(response)
        self.assertEqual(self.sub_b.state, "active")
        self.assertFalse(
            self.sub_b.event_ids.filtered(lambda e: e.event_type == "pause")
        )

    def test_post_without_csrf_token_is_refused(self):
        self._login("portal_a")
        with mute_logger("odoo.http"), freeze_time("2026-02-15"):
            response = self._post(
                f"/my/subscriptions/{self.sub_a.id}/pause",
                {"date_resume": "2026-03-01"},
                csrf=False,
            )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.sub_a.state, "active")

    def test_step_the_plan_does_not_allow_is_forbidden(self):
        self.plan_basic.portal_allow_pause = False
        self._login("portal_a")
        with freeze_time("2026-02-15"):
            response = self._post(f"/my/subscriptions/{self.sub_a.id}/pause")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.sub_a.state, "active")

    def test_plan_not_offered_is_refused_with_a_message(self):
        self._login("portal_a")
        closed = self._create_plan("Closed", "CLOSED", self.product_pro, 90.0)
        with freeze_time("2026-02-15"):
            response = self._post(
                f"/my/subscriptions/{self.sub_a.id}/plan", {"plan_id": closed.id}
            )
        self.assertIn("Choose one of the plans offered", response.text)
        self.assertEqual(self.sub_a.plan_id, self.plan_basic)
        self.assertEqual(len(self.sub_a.invoice_ids), 1)

    def test_quantity_above_the_maximum_is_refused_and_writes_nothing(self):
        with freeze_time("2026-02-10"):
            sub = self._started(self.plan_pro, self.customer_a)
        self._login("portal_a")
        with freeze_time("2026-02-15"):
            response = self._post(
                f"/my/subscriptions/{sub.id}/addons",
                {f"addon_{self.seat_addon.id}": "11"},
            )
        self.assertIn("Extra seat: enter a whole number from 0 to 10.", response.text)
        self.assertFalse(sub.line_ids.filtered("addon_id"))
        self.assertEqual(len(sub.invoice_ids), 1)

    def test_cancel_without_a_reason_is_refused_with_a_message(self):
        self._login("portal_a")
        with freeze_time("2026-02-15"):
            response = self._post(f"/my/subscriptions/{self.sub_a.id}/cancel")
        self.assertIn("Choose the reason why you cancel in the list.", response.text)
        self.assertFalse(self.sub_a.cancel_at_period_end)

    def test_resume_date_in_the_past_is_refused_and_writes_nothing(self):
        self._login("portal_a")
        with freeze_time("2026-02-15"):
            response = self._post(
                f"/my/subscriptions/{self.sub_a.id}/pause",
                {"date_resume": "2026-02-01"},
            )
        self.assertIn("The resume date must be after today", response.text)
        self.assertEqual(self.sub_a.state, "active")
        self.assertFalse(
            self.sub_a.message_ids.filtered(lambda m: "customer" in (m.body or ""))
        )

    def test_visitor_with_the_token_reads_but_every_step_is_forbidden(self):
        # A link with the token opens the page to whoever has it; changing the
        # subscription needs its customer's login.
        self.authenticate(None, None)  # a visitor's session, with its CSRF token
        token = self.sub_b._portal_ensure_token()
        page = self.url_open(f"/my/subscriptions/{self.sub_b.id}?access_token={token}")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("o_recurring_portal_self_service", page.text)
        steps = {
            "pause": {},
            "cancel": {"reason_id": self.reason.id},
            "keep": {},
            "plan": {"plan_id": self.plan_pro.id},
            "addons": {f"addon_{self.seat_addon.id}": "2"},
            "mandate": {"holder": "Visitor", "iban": "FR1420041010050500013M02606"},
            "account": {"holder": "Visitor", "iban": "FR1420041010050500013M02606"},
            "revoke": {},
        }
        with freeze_time("2026-02-15"):
            for step, data in steps.items():
                response = self._post(
                    f"/my/subscriptions/{self.sub_b.id}/{step}",
                    {**data, "access_token": token},
                )
                self.assertEqual(response.status_code, 403, step)
                preview = self.url_open(
                    f"/my/subscriptions/{self.sub_b.id}/{step}?access_token={token}",
                    allow_redirects=False,
                )
                self.assertIn(preview.status_code, (403, 405), step)
        self.assertRecordValues(
            self.sub_b,
            [
                {
                    "state": "active",
                    "plan_id": self.plan_basic.id,
                    "payment_method": "manual",
                }
            ],
        )
        self.assertFalse(self.sub_b.cancel_at_period_end)
        self.assertFalse(self.customer_b.bank_ids)

    def test_failed_payment_shows_the_amount_due_and_a_link_to_pay(self):
        invoice = self.sub_a.invoice_ids
        with freeze_time("2026-02-12"):
            self.env["recurring.dunning"]._start(invoice, "Insufficient funds")
        self._login("portal_a")
        page = self.url_open(f"/my/subscriptions/{self.sub_a.id}")
        self.assertIn("o_recurring_portal_dunning", page.text)
        self.assertIn(f'href="/my/invoices/{invoice.id}"', page.text)
        self.assertNotIn(">True<", page.text)
        other = self.url_open(f"/my/subscriptions/{self.sub_b.id}")
        self.assertNotIn("o_recurring_portal_dunning", other.text)
