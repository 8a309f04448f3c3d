"""Invoices of subscriptions paid by a saved payment method are charged to it."""

from unittest.mock import patch

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from .payment_common import START, PaymentTokenCommon

# Basic is 30 a month, with the 15 % sales tax of the test company: 30 + 4.50.
BASIC_TOTAL = 34.5


@tagged("post_install", "-at_install")
class TestPaymentTokenCharge(PaymentTokenCommon):
    def test_done_charge_pays_and_reconciles_the_invoice(self):
        sub = self._token_subscription("done")
        self._run_cron("2026-01-10")
        invoice = self._invoices(sub)
        self.assertEqual(invoice.amount_total, BASIC_TOTAL)
        tx = self._charges(invoice)
        self.assertRecordValues(
            tx,
            [
                {
                    "state": "done",
                    "operation": "offline",
                    "amount": BASIC_TOTAL,
                    "reference": f"{invoice.name}-R1",
                    "recurring_attempt": 1,
                    "partner_id": self.customer.id,
                }
            ],
        )
        self.assertEqual(tx.invoice_ids, invoice)
        # The payment of 34.50 is posted and reconciled: nothing is left to pay.
        self.assertEqual(tx.payment_id.amount, BASIC_TOTAL)
        self.assertEqual(tx.payment_id.state, "paid")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(invoice.amount_residual, 0.0)
        # Charged once: running it again finds nothing due.
        self.assertFalse(invoice._recurring_charge_token())
        self.assertEqual(len(self._charges(invoice)), 1)

    def test_pending_charge_waits_and_is_not_sent_again(self):
        sub = self._token_subscription("pending")
        self._run_cron("2026-01-10")
        invoice = self._invoices(sub)
        tx = self._charges(invoice)
        self.assertEqual(tx.state, "pending")
        self.assertFalse(tx.payment_id)
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertEqual(invoice.amount_residual, BASIC_TOTAL)
        # The next run of the job, and a direct call, wait for the provider's answer.
        self._run_cron("2026-01-11")
        with freeze_time("2026-01-11"):
            self.assertFalse(invoice._recurring_charge_token())
        self.assertEqual(self._charges(invoice), tx)

    def test_failed_charge_leaves_the_invoice_open_and_says_why(self):
        sub = self._token_subscription("error")
        self._run_cron("2026-01-10")
        invoice = self._invoices(sub)
        tx = self._charges(invoice)
        self.assertEqual(tx.state, "error")
        self.assertFalse(tx.payment_id)
        self.assertEqual(invoice.amount_residual, BASIC_TOTAL)
        message = f"Automatic payment of {invoice.name} failed: "
        for record in (invoice, sub):
            self.assertIn(
                message + "You selected the following demo payment status: error",
                record.message_ids.mapped("preview"),
            )
        # A failure awaits nothing: charged again, it is the second attempt.
        retry = invoice._recurring_charge_token()
        self.assertEqual(retry.recurring_attempt, 2)
        self.assertEqual(retry.reference, f"{invoice.name}-R2")
        self.assertEqual(len(self._charges(invoice)), 2)

    def test_cancelled_charge_calls_the_failure_hook(self):
        sub = self._token_subscription("cancel")
        Transaction = type(self.env["payment.transaction"])
        with patch.object(
            Transaction, "_recurring_charge_failed", autospec=True
        ) as failed:
            self._run_cron("2026-01-10")
        tx = self._charges(self._invoices(sub))
        self.assertEqual(tx.state, "cancel")
        failed.assert_called_once_with(tx)

    def test_same_attempt_twice_is_refused_by_the_database(self):
        sub = self._token_subscription("pending")
        self._run_cron("2026-01-10")
        invoice = self._invoices(sub)
        tx = self._charges(invoice)
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            self.env["payment.transaction"].sudo().create(
                {
                    "provider_id": self.provider.id,
                    "payment_method_id": self.payment_method.id,
                    "token_id": tx.token_id.id,
                    "operation": "offline",
                    "amount": BASIC_TOTAL,
                    "currency_id": invoice.currency_id.id,
                    "partner_id": self.customer.id,
                    "invoice_ids": [Command.set(invoice.ids)],
                    "recurring_invoice_id": invoice.id,
                    "recurring_attempt": 1,
                }
            )
        self.assertEqual(self._charges(invoice), tx)

    def test_one_failing_charge_does_not_stop_the_others(self):
        partners = self.env["res.partner"].create(
            [
                {"name": f"Payer {n}", "street": "3 Rue Haute", "city": "Namur"}
                for n in range(3)
            ]
        )
        subs = [self._token_subscription("done", partner) for partner in partners]
        Transaction = type(self.env["payment.transaction"])
        send = Transaction._send_payment_request
        failing = subs[1].partner_id

        def refused_for_one(tx):
            if tx.partner_id == failing:
                raise ValueError("The provider cannot be reached")
            return send(tx)

        with patch.object(Transaction, "_send_payment_request", refused_for_one):
            self._run_cron("2026-01-10")
        states = [
            (
                self._charges(self._invoices(sub)).state,
                self._invoices(sub).payment_state,
            )
            for sub in subs
        ]
        self.assertEqual(states[0][0], "done")
        self.assertEqual(states[1], ("error", "not_paid"))
        self.assertEqual(states[2][0], "done")
        self.assertIn(states[2][1], ("paid", "in_payment"))
        failed = self._invoices(subs[1])
        self.assertIn(
            f"Automatic payment of {failed.name} failed: The payment request could "
            "not be sent: The provider cannot be reached",
            failed.message_ids.mapped("preview"),
        )

    def test_invoice_now_charges_the_token(self):
        sub = self._token_subscription("done")
        self._run_cron("2026-01-10")
        with freeze_time("2026-01-20"):
            sub.action_invoice_now()
        self._collect("2026-01-20")
        invoices = self._invoices(sub)
        # The period of 01-10 and the next one of 02-10, invoiced on 01-20: both paid.
        self.assertEqual(len(invoices), 2)
        self.assertEqual(len(self._charges(invoices)), 2)
        self.assertEqual(invoices.mapped("amount_residual"), [0.0, 0.0])

    def test_draft_invoices_and_manual_subscriptions_are_not_charged(self):
        manual = self._active(self.plan_basic, START)
        self.plan_pro.invoice_policy = "draft"
        draft = self._active(
            self.plan_pro,
            START,
            payment_method="token",
            payment_token_id=self._token("done").id,
        )
        self._run_cron("2026-01-10")
        invoices = self._invoices(manual | draft)
        self.assertEqual(invoices.mapped("state"), ["posted", "draft"])
        self.assertFalse(invoices._recurring_charge_token())
        self.assertFalse(self._charges(invoices))


@tagged("post_install", "-at_install")
class TestPaymentTokenChecks(PaymentTokenCommon):
    """A saved payment method that cannot pay is refused with the field and the fix,
    and nothing is charged to it."""

    def test_token_of_another_customer_is_refused(self):
        other = self.env["res.partner"].create({"name": "Someone else"})
        with self.assertRefused(
            "The Saved Payment Method .* belongs to Someone else, not to the "
            "customer Customer A: pick one of the customer's saved payment methods"
        ):
            self._token_subscription("done").payment_token_id = self._token(
                "done", other
            )

    def test_token_is_required_once_started(self):
        sub = self._subscription(self.plan_basic, payment_method="token")
        with self.assertRefused(
            "is paid by a saved payment method but has none: set its Saved Payment "
            "Method or choose another payment method"
        ):
            sub.action_start()

    def test_token_of_a_disabled_provider_is_refused_and_not_charged(self):
        sub = self._token_subscription("done")
        self.provider.state = "disabled"
        with self.assertRefused(
            "is saved with .*, which is disabled: enable the provider or pick another "
            "Saved Payment Method"
        ):
            sub.payment_token_id = self._token("done")
        self._run_cron("2026-01-10")
        invoice = self._invoices(sub)
        self.assertEqual(invoice.state, "posted")
        self.assertFalse(self._charges(invoice))

    def test_currency_the_provider_refuses_is_refused_and_not_charged(self):
        sub = self._token_subscription("done")
        gold = self.setup_other_currency("EUR")
        self.provider.available_currency_ids = gold
        with self.assertRefused(
            f"bills in {sub.currency_id.name} but .*, the provider of its Saved "
            f"Payment Method, does not accept {sub.currency_id.name}: add the "
            "currency to the provider or pick another Saved Payment Method"
        ):
            sub.payment_token_id = self._token("done")
        self._run_cron("2026-01-10")
        invoice = self._invoices(sub)
        self.assertEqual(invoice.amount_residual, BASIC_TOTAL)
        self.assertFalse(self._charges(invoice))
        # Accepted again, the currency is charged by the next run.
        self.provider.available_currency_ids = gold | sub.currency_id
        self.assertEqual(invoice._recurring_charge_token().state, "done")
