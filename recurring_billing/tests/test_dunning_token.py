"""A declined charge of a saved payment method is followed up and charged again."""

from freezegun import freeze_time

from odoo.tests import tagged

from .payment_common import PaymentTokenCommon

# Basic is 30 a month, with the 15 % sales tax of the test company: 30 + 4.50.
BASIC_TOTAL = 34.5


@tagged("post_install", "-at_install")
class TestDunningToken(PaymentTokenCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write(
            {"dunning_retry_days": "3,5,7", "dunning_outcome": "suspend"}
        )

    def _run_dunning(self, day):
        with freeze_time(day):
            self.env["recurring.dunning"].sudo()._cron_dunning()

    def test_declined_charge_is_retried_on_day_3_and_recovered(self):
        sub = self._token_subscription("error")
        self._run_cron("2026-01-10")
        invoice = self._invoices(sub)
        dunning = sub.dunning_id
        self.assertEqual(dunning.state, "running")
        self.assertEqual(dunning.amount_due, BASIC_TOTAL)
        self.assertIn("demo payment status: error", dunning.reason)
        # The customer fixed the card: the charge of 13 January goes through.
        sub.payment_token_id.demo_simulated_state = "done"
        self._run_dunning("2026-01-12")
        self.assertEqual(len(self._charges(invoice)), 1)
        self._run_dunning("2026-01-13")
        retry = self._charges(invoice).filtered(lambda tx: tx.recurring_attempt == 2)
        self.assertEqual((retry.state, retry.amount), ("done", BASIC_TOTAL))
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertEqual(dunning.state, "recovered")
        self.assertFalse(sub.dunning_id)
        self.assertEqual(sub.state, "active")

    def test_charge_declined_on_every_retry_day_suspends(self):
        sub = self._token_subscription("error")
        self._run_cron("2026-01-10")
        invoice = self._invoices(sub)
        dunning = sub.dunning_id
        for day in ("2026-01-13", "2026-01-15", "2026-01-17"):
            self._run_dunning(day)
        # The first charge and one on each of the three retry days: R1 .. R4, each
        # attempt once.
        self.assertEqual(
            sorted(self._charges(invoice).mapped("recurring_attempt")), [1, 2, 3, 4]
        )
        self.assertEqual(dunning.state, "suspended")
        self.assertTrue(sub.is_suspended)
        # One reminder at the failure and on days 3 and 5, not one per declined retry.
        reminders = dunning.message_ids.filtered(
            lambda m: m.message_type == "comment" and "failed" in (m.subject or "")
        )
        self.assertEqual(len(reminders), 3)
        # Suspended: no invoice for the next period.
        self._run_cron("2026-02-10")
        self.assertEqual(self._invoices(sub), invoice)

    def test_pending_charge_is_not_retried(self):
        sub = self._token_subscription("error")
        self._run_cron("2026-01-10")
        invoice = self._invoices(sub)
        sub.payment_token_id.demo_simulated_state = "pending"
        self._run_dunning("2026-01-13")
        pending = self._charges(invoice).filtered(lambda tx: tx.state == "pending")
        self.assertEqual(pending.recurring_attempt, 2)
        # Day 5: the provider has not answered; no third charge while it is pending.
        self._run_dunning("2026-01-15")
        self.assertEqual(len(self._charges(invoice)), 2)

    def test_invoice_a_disabled_provider_cannot_charge_is_followed_up(self):
        sub = self._token_subscription("done")
        self.provider.state = "disabled"
        self._run_cron("2026-01-10")
        invoice = self._invoices(sub)
        # Posted, not charged: the customer is told to pay it another way, once.
        self.assertFalse(self._charges(invoice))
        dunning = sub.dunning_id
        self.assertEqual(dunning.invoice_ids, invoice)
        self.assertFalse(dunning.retry_allowed)
        self.assertIn("which is disabled", dunning.reason)
        self._run_dunning("2026-01-13")
        self.assertFalse(self._charges(invoice))
        self.assertEqual(dunning.step, 1)
