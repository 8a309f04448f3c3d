"""A customer chooses, on the portal, the saved payment method that pays a
subscription automatically, saves a new one, or stops automatic payment."""

from freezegun import freeze_time

from odoo import Command
from odoo.tests import JsonRpcException, tagged
from odoo.tools import mute_logger

from .payment_common import PaymentTokenCommon
from .portal_common import PortalCommon

# Basic is 30 a month, with the 15 % sales tax of the test company: 30 + 4.50.
BASIC_TOTAL = 34.5


@tagged("post_install", "-at_install")
class TestPortalPaymentToken(PortalCommon, PaymentTokenCommon):
    """Customer A's and B's Basic subscriptions (PortalCommon), paid by hand, and the
    demo provider of their company, which saves payment methods (PaymentTokenCommon)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.token_a = cls._token("done", cls.customer_a)
        cls.token_b = cls._token("done", cls.customer_b)

    def _validation_txs(self, sub):
        return (
            self.env["payment.transaction"]
            .sudo()
            .search([("recurring_subscription_id", "=", sub.id)])
        )

    def _customer_messages(self, sub):
        return sub.message_ids.filtered(lambda m: "by the customer" in (m.body or ""))

    def _start_validation(self, sub, provider=None):
        """The payment form's call creating the validation transaction, with what a
        browser sends (another landing route than the page's, here)."""
        return self.make_jsonrpc_request(
            f"/my/subscriptions/{sub.id}/payment_method/transaction",
            {
                "provider_id": (provider or self.provider).id,
                "payment_method_id": self.payment_method.id,
                "token_id": None,
                "flow": "direct",
                "tokenization_requested": True,
                "landing_route": "/somewhere/else",
                "is_validation": True,
            },
        )

    def _save_new_card(self, sub, simulated_state="done"):
        """What the payment form does in validation mode: create the transaction,
        let the demo provider answer, then poll the status page, which
        post-processes it. Returns the transaction."""
        values = self._start_validation(sub)
        self.make_jsonrpc_request(
            "/payment/demo/simulate_payment",
            {
                "reference": values["reference"],
                "payment_details": "4242",
                "simulated_state": simulated_state,
            },
        )
        self.make_jsonrpc_request("/payment/status/poll")
        return self._validation_txs(sub)

    # -- Saving a new payment method ---------------------------------------------------

    def test_validation_saves_a_card_that_then_pays_the_subscription(self):
        self._login("portal_a")
        page = self.url_open(f"/my/subscriptions/{self.sub_a.id}/payment_method")
        self.assertEqual(page.status_code, 200)
        self.assertIn('data-mode="validation"', page.text)
        tx = self._save_new_card(self.sub_a)
        self.assertRecordValues(
            tx, [{"operation": "validation", "state": "done", "amount": 0.0}]
        )
        # The landing route is the subscription's, whatever the browser sent.
        self.assertEqual(
            tx.landing_route,
            f"/my/subscriptions/{self.sub_a.id}/payment_method/saved?tx_id={tx.id}",
        )
        token = tx.token_id
        self.assertEqual(token.partner_id, self.customer_a)
        self.assertEqual(token.payment_details, "4242")
        self.assertRecordValues(
            self.sub_a, [{"payment_method": "token", "payment_token_id": token.id}]
        )
        self.assertIn(
            f"From now on, the invoices of {self.sub_a.name} are charged to the "
            f"saved payment method {token.display_name}.",
            self.sub_a.message_ids.mapped("preview"),
        )
        landing = self.url_open(tx.landing_route, allow_redirects=False)
        self.assertTrue(landing.headers["Location"].endswith("?message=token"))

    def test_refused_validation_leaves_the_subscription_paid_by_hand(self):
        self._login("portal_a")
        tx = self._save_new_card(self.sub_a, simulated_state="error")
        self.assertEqual(tx.state, "error")
        self.assertRecordValues(
            self.sub_a, [{"payment_method": "manual", "payment_token_id": False}]
        )
        landing = self.url_open(tx.landing_route)
        self.assertIn("Your payment method was not saved", landing.text)

    def _validation_authorized(self):
        """A new card saved on the portal for sub_a, its check authorized by a
        provider that captures by hand: the card collects the subscription."""
        self.provider.capture_manually = True
        self._login("portal_a")
        tx = self._save_new_card(self.sub_a)
        self.assertEqual(tx.state, "authorized")
        self.assertEqual(self.sub_a.payment_token_id, tx.token_id)
        return tx

    def test_validation_authorized_then_voided_keeps_collecting_with_its_card(self):
        # Voiding the authorized check is how the provider releases the amount it
        # held: the card was confirmed and is charged the next 34.50 as chosen.
        tx = self._validation_authorized()
        tx._set_canceled("Authorization voided.")
        tx._post_process()
        self.assertRecordValues(
            self.sub_a,
            [{"payment_method": "token", "payment_token_id": tx.token_id.id}],
        )
        self.assertFalse(
            self.sub_a.message_ids.filtered(
                lambda m: "no longer charged to" in (m.body or "")
            )
        )

    def test_validation_authorized_then_failed_stops_collecting_with_its_card(self):
        # The provider authorizes the card check, then fails it: the card was not
        # confirmed in the end, and must not be charged the next 34.50.
        tx = self._validation_authorized()
        tx._set_error("Card reported stolen.")
        tx._post_process()
        self.assertRecordValues(
            self.sub_a, [{"payment_method": "manual", "payment_token_id": False}]
        )
        released = self.sub_a.message_ids.filtered(
            lambda m: "no longer charged to" in (m.body or "")
        )
        self.assertEqual(len(released), 1)
        self.assertIn("Card reported stolen.", released.body)
        self._run_cron("2026-03-10")
        self.assertFalse(self._charges(self.sub_a.invoice_ids))

    def _save_card_refused_meanwhile(self):
        """Customer A saves a card for their subscription; the provider stops
        accepting the subscription's euros before it confirms the card."""
        self._login("portal_a")
        values = self._start_validation(self.sub_a)
        usd = self.env.ref("base.USD")
        usd.active = True
        self.provider.available_currency_ids = [Command.set(usd.ids)]
        self.make_jsonrpc_request(
            "/payment/demo/simulate_payment",
            {
                "reference": values["reference"],
                "payment_details": "4242",
                "simulated_state": "done",
            },
        )
        self.make_jsonrpc_request("/payment/status/poll")
        return self._validation_txs(self.sub_a)

    def test_card_saved_that_cannot_pay_is_said_and_not_set(self):
        tx = self._save_card_refused_meanwhile()
        self.assertTrue(tx.token_id)
        self.assertEqual(self.sub_a.payment_method, "manual")
        self.assertIn(
            f"The payment method {tx.token_id.display_name} saved by the customer "
            f"does not collect {self.sub_a.name}",
            " ".join(self.sub_a.message_ids.mapped("preview")),
        )
        landing = self.url_open(tx.landing_route)
        self.assertIn("does not accept EUR", landing.text)

    def test_card_refused_is_said_once_when_its_check_is_captured_later(self):
        self.provider.capture_manually = True
        tx = self._save_card_refused_meanwhile()
        self.assertEqual(tx.state, "authorized")
        # Captured later: the same card, refused for the same reason, is one
        # message, not one per state the provider reports.
        tx._set_done()
        tx._post_process()
        refusals = self.sub_a.message_ids.filtered(
            lambda m: "does not collect" in (m.body or "")
        )
        self.assertEqual(len(refusals), 1)
        self.assertEqual(self.sub_a.payment_method, "manual")

    def test_provider_of_another_company_is_refused(self):
        company = self.env["res.company"].create({"name": "Other Company"})
        other = self.provider.copy({"company_id": company.id})
        self._login("portal_a")
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self._start_validation(self.sub_a, provider=other)
        self.assertFalse(self._validation_txs(self.sub_a))

    # -- Picking a saved payment method ------------------------------------------------

    def test_saved_card_picked_pays_the_subscription(self):
        self._login("portal_a")
        page = self.url_open(f"/my/subscriptions/{self.sub_a.id}/payment_method")
        self.assertIn(f'data-payment-option-id="{self.token_a.id}"', page.text)
        self.assertNotIn(f'data-payment-option-id="{self.token_b.id}"', page.text)
        self.assertTrue(
            self.make_jsonrpc_request(
                f"/my/subscriptions/{self.sub_a.id}/payment_method/assign",
                {"token_id": self.token_a.id},
            )
        )
        self.assertRecordValues(
            self.sub_a,
            [{"payment_method": "token", "payment_token_id": self.token_a.id}],
        )
        self.assertEqual(len(self._customer_messages(self.sub_a)), 1)

    def test_token_of_another_customer_is_refused_and_nothing_written(self):
        self._login("portal_a")
        response = self._post(
            f"/my/subscriptions/{self.sub_a.id}/payment_token",
            {"token_id": self.token_b.id},
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("cannot pay", response.text)
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self.make_jsonrpc_request(
                f"/my/subscriptions/{self.sub_a.id}/payment_method/assign",
                {"token_id": self.token_b.id},
            )
        self.assertRecordValues(
            self.sub_a, [{"payment_method": "manual", "payment_token_id": False}]
        )
        self.assertFalse(self._customer_messages(self.sub_a))

    def test_other_customers_subscription_is_not_found_and_nothing_written(self):
        self._login("portal_b")
        for url in ("payment_method", "payment_method/saved"):
            page = self.url_open(f"/my/subscriptions/{self.sub_a.id}/{url}")
            self.assertEqual(page.status_code, 404)
        response = self._post(
            f"/my/subscriptions/{self.sub_a.id}/payment_token",
            {"token_id": self.token_b.id},
        )
        self.assertEqual(response.status_code, 404)
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self._save_new_card(self.sub_a)
        self.assertRecordValues(
            self.sub_a, [{"payment_method": "manual", "payment_token_id": False}]
        )
        self.assertFalse(self._validation_txs(self.sub_a))

    def test_visitor_with_the_link_is_refused(self):
        url = self.sub_a.get_portal_url()
        page = self.url_open(url)
        self.assertNotIn("o_recurring_portal_payment_method", page.text)
        response = self.url_open(
            f"/my/subscriptions/{self.sub_a.id}/payment_method", allow_redirects=False
        )
        self.assertEqual(response.status_code, 403)

    # -- A card saved while paying an invoice ------------------------------------------

    def test_card_saved_paying_an_invoice_is_offered_not_set(self):
        invoice = self.sub_a.invoice_ids
        self.env["payment.transaction"].sudo().create(
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.payment_method.id,
                "reference": f"{invoice.name}-paid",
                "amount": invoice.amount_residual,
                "currency_id": invoice.currency_id.id,
                "partner_id": self.customer_a.id,
                "operation": "online_direct",
                "token_id": self.token_a.id,
                "invoice_ids": [Command.set(invoice.ids)],
                "state": "done",
            }
        )
        self._login("portal_a")
        # Offered where the payment lands, the invoice, and on the subscription.
        for url in (invoice.get_portal_url(), self.sub_a.access_url):
            page = self.url_open(url)
            self.assertIn("o_recurring_portal_token_offer", page.text)
            self.assertIn(f'name="token_id" value="{self.token_a.id}"', page.text)
        self.assertEqual(self.sub_a.payment_method, "manual")
        response = self._post(
            f"/my/subscriptions/{self.sub_a.id}/payment_token",
            {"token_id": self.token_a.id},
        )
        self.assertTrue(response.headers["Location"].endswith("?message=token"))
        self.assertEqual(self.sub_a.payment_token_id, self.token_a)
        page = self.url_open(self.sub_a.access_url)
        self.assertNotIn("o_recurring_portal_token_offer", page.text)

    # -- Stopping automatic payment ----------------------------------------------------

    def test_stop_automatic_payment_when_the_plan_allows_it(self):
        self.sub_a.action_set_payment_token(self.token_a.id)
        self.plan_basic.portal_allow_manual_payment = True
        self._login("portal_a")
        response = self._post(f"/my/subscriptions/{self.sub_a.id}/payment_token/remove")
        self.assertTrue(response.headers["Location"].endswith("?message=token_removed"))
        self.assertRecordValues(
            self.sub_a, [{"payment_method": "manual", "payment_token_id": False}]
        )
        # The card stays the customer's.
        self.assertTrue(self.token_a.active)

    def test_stop_automatic_payment_refused_when_the_plan_does_not_allow_it(self):
        self.sub_a.action_set_payment_token(self.token_a.id)
        self._login("portal_a")
        page = self.url_open(self.sub_a.access_url)
        self.assertNotIn("o_recurring_portal_remove_token", page.text)
        response = self._post(f"/my/subscriptions/{self.sub_a.id}/payment_token/remove")
        self.assertEqual(response.status_code, 403)
        self.assertRecordValues(
            self.sub_a,
            [{"payment_method": "token", "payment_token_id": self.token_a.id}],
        )

    # -- The next invoice ----------------------------------------------------------------

    def test_next_invoice_is_charged_to_the_card_chosen_on_the_portal(self):
        self._login("portal_a")
        with freeze_time("2026-02-20"):
            self._post(
                f"/my/subscriptions/{self.sub_a.id}/payment_token",
                {"token_id": self.token_a.id},
            )
        self._run_cron("2026-03-10")
        invoice = self.sub_a.invoice_ids.sorted("invoice_date")[-1]
        # The period 03-10 .. 04-09 of Basic: 30 + 15 % tax = 34.50, charged once.
        self.assertEqual(str(invoice.invoice_date), "2026-03-10")
        self.assertEqual(invoice.amount_total, BASIC_TOTAL)
        tx = self._charges(invoice)
        self.assertRecordValues(
            tx,
            [
                {
                    "token_id": self.token_a.id,
                    "state": "done",
                    "amount": BASIC_TOTAL,
                    "recurring_attempt": 1,
                }
            ],
        )
        self.assertEqual(invoice.amount_residual, 0.0)
