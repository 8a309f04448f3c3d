"""The switch to a saved payment method through the back office and RPC, and through
the portal in a headless browser, then the next invoice charged to it."""

import re

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .payment_common import PaymentTokenCommon
from .portal_common import PortalCommon

# Basic is 30 a month, with the 15 % sales tax of the test company: 30 + 4.50.
BASIC_TOTAL = 34.5


@tagged("post_install", "-at_install")
class TestPaymentTokenSwitch(PortalCommon, PaymentTokenCommon):
    """The back office and RPC doors of the same switch."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.token_a = cls._token("done", cls.customer_a)
        cls.token_b = cls._token("done", cls.customer_b)

    def test_token_field_offers_only_those_that_may_pay(self):
        other = self.provider.copy({"state": "disabled"})
        disabled = self._token("done", self.customer_a, provider=other)
        self.assertEqual(self.sub_a.payment_token_allowed_ids, self.token_a)
        self.assertNotIn(disabled, self.sub_a.payment_token_allowed_ids)

    def test_form_edit_goes_through_the_same_checks_and_message(self):
        owner = re.escape(f"belongs to {self.customer_b.display_name}")
        with self.assertRaisesRegex(ValidationError, owner):
            self.sub_a.write(
                {"payment_method": "token", "payment_token_id": self.token_b.id}
            )
        self.assertEqual(self.sub_a.payment_method, "manual")
        self.sub_a.write(
            {"payment_method": "token", "payment_token_id": self.token_a.id}
        )
        self.assertEqual(self.sub_a.payment_token_id, self.token_a)
        self.assertIn(
            f"From now on, the invoices of {self.sub_a.name} are charged to the "
            f"saved payment method {self.token_a.display_name}.",
            self.sub_a.message_ids.mapped("preview"),
        )
        self.sub_a.write({"payment_method": "manual", "payment_token_id": False})
        self.assertIn(
            f"The invoices of {self.sub_a.name} are no longer charged to "
            f"{self.token_a.display_name}: they are sent to be paid by transfer or "
            "online.",
            self.sub_a.message_ids.mapped("preview"),
        )

    def test_sepa_subscription_switched_keeps_its_mandate_unused(self):
        self.sub_a.action_sign_mandate(
            "Portal Customer A", "FR14 2004 1010 0505 0001 3M02 606"
        )
        mandate = self.sub_a.mandate_id
        self.assertTrue(self.sub_a.action_set_payment_token(self.token_a.id))
        self.assertEqual(mandate.state, "valid")
        self.assertFalse(self.sub_a.mandate_id)
        self.assertIn(
            f"SEPA mandate {mandate.name} no longer collects it but stays valid",
            " ".join(self.sub_a.message_ids.mapped("preview")),
        )
        # Its open invoice is no longer one a debit batch takes.
        eligible = self.env["account.move"].search(
            self.env["account.move"]._sepa_eligible_domain(self.company)
        )
        self.assertFalse(eligible & self.sub_a.invoice_ids)
        # Revoking the mandate later leaves the card paying the subscription.
        mandate.action_revoke()
        self.assertRecordValues(
            self.sub_a,
            [{"payment_method": "token", "payment_token_id": self.token_a.id}],
        )

    def test_removing_from_a_subscription_not_paid_by_token_is_refused(self):
        with self.assertRaisesRegex(UserError, "is not paid by a saved payment method"):
            self.sub_a.action_remove_payment_token()


@tagged("post_install", "-at_install")
class TestPortalPaymentTokenTour(PortalCommon, PaymentTokenCommon):
    """The customer saves a card on the portal, in a headless browser, today."""

    def test_card_saved_on_the_portal_pays_the_next_invoice(self):
        customer = self._portal_customer("Portal Card Customer", "portal_c")
        sub = self._subscription(self.plan_basic, fields.Date.today(), customer)
        sub.action_start()
        sub.action_invoice_now()
        self.start_tour(
            "/my/subscriptions", "recurring_portal_payment_token_tour", login="portal_c"
        )
        token = sub.payment_token_id
        self.assertEqual(sub.payment_method, "token")
        self.assertEqual(token.partner_id, customer)
        self.assertEqual(token.payment_details, "4242 4242 4242 4242")
        # The next period of Basic, invoiced on its billing date: 30 + 15 % tax =
        # 34.50, charged to the card by the invoicing job.
        next_date = sub.date_next_invoice
        self._run_cron(next_date)
        invoice = sub.invoice_ids.sorted("id")[-1]
        self.assertEqual(invoice.invoice_date, next_date)
        self.assertEqual(invoice.amount_total, BASIC_TOTAL)
        self.assertRecordValues(
            self._charges(invoice),
            [{"token_id": token.id, "state": "done", "amount": BASIC_TOTAL}],
        )
        self.assertEqual(invoice.amount_residual, 0.0)
