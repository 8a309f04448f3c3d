"""Where two ways of collecting an invoice meet: a card charge, a SEPA debit, an online
payment begun by the customer, a follow-up's retry. An invoice is collected once, and
never left uncollected in silence."""

from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.recurring_billing.models.account_move_payment import (
    AccountMove as PaymentMove,
)

from .payment_common import START, PaymentTokenCommon
from .sepa_common import SepaCommon

# Basic is 30 a month, with the 15 % sales tax of the test company: 30 + 4.50.
BASIC_TOTAL = 34.5


class OverlapCommon(PaymentTokenCommon):
    def _online_payment(self, invoice, pending=True):
        """The customer pays ``invoice`` online from its portal page; the provider
        has not answered yet (``pending``), or the customer is still on its page
        (draft)."""
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": self.provider.id,
                    "payment_method_id": self.payment_method.id,
                    "reference": f"{invoice.name}-online",
                    "amount": invoice.amount_residual,
                    "currency_id": invoice.currency_id.id,
                    "partner_id": invoice.partner_id.id,
                    "operation": "online_redirect",
                    "invoice_ids": [Command.set(invoice.ids)],
                }
            )
        )
        if pending:
            tx._set_pending()
        return tx

    def _answer(self, tx, state):
        """The provider's late answer ``state`` for ``tx``, then Odoo's
        post-processing of it."""
        if state == "done":
            tx._set_done()
        elif state == "cancel":
            tx._set_canceled()
        else:
            tx._set_error("Declined by the bank.")
        tx._post_process()


@tagged("post_install", "-at_install")
class TestDebitBesideACharge(SepaCommon, OverlapCommon):
    def _sepa_invoice(self):
        sub = self._active(self.plan_basic, START, payment_method="sepa")
        sub.action_invoice_now()
        return self._invoices(sub)

    def test_invoice_charged_to_the_card_is_not_debited_after_a_switch_to_sepa(self):
        with freeze_time("2026-01-10"):
            sub = self._token_subscription("pending")
            sub.action_invoice_now()
            invoice = self._invoices(sub)
        self._collect("2026-01-10")
        self.assertEqual(self._charges(invoice).state, "pending")
        with freeze_time("2026-01-11"):
            # Back to SEPA while the card charge of 34.50 waits for the provider:
            # debited beside it, the customer would pay 69.00 for 34.50.
            sub.write(
                {
                    "payment_method": "sepa",
                    "payment_token_id": False,
                    "mandate_id": self.mandate.id,
                }
            )
            other = self._sepa_invoice()
            batch = self._batch(date(2026, 1, 31))
            batch.action_select_invoices()
            self.assertEqual(batch.line_ids.invoice_id, other)
            invoice.action_sepa_collect()
        self.assertFalse(invoice.sepa_line_ids)

    def test_charge_declined_lets_the_invoice_be_debited(self):
        with freeze_time("2026-01-10"):
            sub = self._token_subscription("pending")
            sub.action_invoice_now()
            invoice = self._invoices(sub)
        self._collect("2026-01-10")
        with freeze_time("2026-01-11"):
            sub.write(
                {
                    "payment_method": "sepa",
                    "payment_token_id": False,
                    "mandate_id": self.mandate.id,
                }
            )
            self._answer(self._charges(invoice), "error")
            batch = self._batch(date(2026, 1, 31))
            batch.action_select_invoices()
        # The card took nothing: the debit collects the whole 34.50.
        self.assertEqual(batch.line_ids.mapped("amount"), [BASIC_TOTAL])

    def test_debit_of_an_invoice_paid_online_since_leaves_the_batch(self):
        with freeze_time("2026-01-10"):
            first, second = self._sepa_invoice() | self._sepa_invoice()
            batch = self._batch(date(2026, 1, 31))
            batch.action_select_invoices()
            self.assertEqual(batch.line_ids.invoice_id, first | second)
            # The customer pays the first one online before the file is made:
            # its 34.50 is not also debited.
            self._online_payment(first)
            batch.action_generate()
        self.assertEqual(batch.line_ids.invoice_id, second)
        self.assertEqual(batch.line_ids.amount, BASIC_TOTAL)
        self.assertTrue(
            batch.message_ids.filtered(lambda m: first.name in (m.body or ""))
        )


@tagged("post_install", "-at_install")
class TestChargeBesideAPayment(OverlapCommon):
    def _invoice_paid_online(self):
        """Basic invoiced now on 2026-01-10 to a card, 34.50, which the customer
        begins to pay online before the charging job runs."""
        sub = self._token_subscription("done")
        with freeze_time("2026-01-10"):
            sub.action_invoice_now()
        invoice = self._invoices(sub)
        online = self._online_payment(invoice)
        self._collect("2026-01-10")
        return invoice, online

    def test_invoice_paid_online_then_cancelled_is_charged_after_all(self):
        invoice, online = self._invoice_paid_online()
        # The online payment of 34.50 is awaited: no charge beside it, but the
        # invoice stays to charge.
        self.assertFalse(self._charges(invoice))
        self.assertTrue(invoice.recurring_charge_due)
        self._answer(online, "cancel")
        self._collect("2026-01-11")
        charge = self._charges(invoice)
        self.assertEqual((charge.state, charge.amount), ("done", BASIC_TOTAL))
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertFalse(invoice.recurring_charge_due)

    def test_invoice_paid_online_is_not_charged(self):
        invoice, online = self._invoice_paid_online()
        self._answer(online, "done")
        self._collect("2026-01-11")
        # Paid 34.50 online: nothing left to charge.
        self.assertFalse(self._charges(invoice))
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertFalse(invoice.recurring_charge_due)

    def test_charge_that_cannot_be_made_is_followed_up_once(self):
        sub = self._token_subscription("done")
        refusal = UserError("The provider refused the request.")
        with patch.object(
            PaymentMove, "_recurring_charge_vals", autospec=True, side_effect=refusal
        ):
            self._run_cron("2026-01-10")
            invoice = self._invoices(sub)
            self._collect("2026-01-11")
            self._collect("2026-01-12")
        # No charge was made: the 34.50 is followed up like a declined charge, told
        # once, not tried again every day in silence.
        self.assertFalse(self._charges(invoice))
        self.assertFalse(invoice.recurring_charge_due)
        failures = invoice.message_ids.filtered(
            lambda m: "Automatic payment of" in (m.body or "")
        )
        self.assertEqual(len(failures), 1)
        self.assertIn("The provider refused the request.", failures.body)
        dunning = sub.dunning_id
        self.assertEqual((dunning.state, dunning.amount_due), ("running", BASIC_TOTAL))
        self.assertTrue(dunning.retry_allowed)


class DunningOverlapCommon(OverlapCommon):
    """Retries on days 3, 5 and 7 after a failure, then the subscription is
    cancelled."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write(
            {"dunning_retry_days": "3,5,7", "dunning_outcome": "cancel"}
        )

    def _run_dunning(self, day):
        with freeze_time(day):
            self.env["recurring.dunning"].sudo()._cron_dunning()

    def _last_retry_pending(self):
        """Basic from 2026-01-10, its 34.50 declined on 01-10, 01-13 and 01-15; the
        retry of 01-17, the last day, waits for the provider."""
        sub = self._token_subscription("error")
        self._run_cron("2026-01-10")
        self._run_dunning("2026-01-13")
        self._run_dunning("2026-01-15")
        sub.payment_token_id.demo_simulated_state = "pending"
        self._run_dunning("2026-01-17")
        invoice = self._invoices(sub)
        retry = self._charges(invoice)[-1]
        self.assertEqual((retry.recurring_attempt, retry.state), (4, "pending"))
        return sub, invoice, retry


@tagged("post_install", "-at_install")
class TestDunningOutcomeBesideARetry(DunningOverlapCommon):
    def test_cancel_waits_for_the_last_retry_that_then_pays(self):
        sub, invoice, retry = self._last_retry_pending()
        dunning = sub.dunning_id
        # Cancelled now, the 23 unused days would be credited while the pending
        # charge takes the whole 34.50: the customer paid for days credited back.
        self.assertEqual(sub.state, "active")
        self.assertEqual(self._invoices(sub), invoice)
        self._answer(retry, "done")
        self._run_dunning("2026-01-18")
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertEqual(dunning.state, "recovered")
        self.assertEqual(sub.state, "active")
        self.assertEqual(self._invoices(sub), invoice)

    def test_cancel_follows_the_last_retry_declined(self):
        sub, invoice, retry = self._last_retry_pending()
        self._answer(retry, "error")
        self._run_dunning("2026-01-18")
        self.assertEqual(sub.state, "cancelled")
        credit = self._invoices(sub) - invoice
        # Cancelled on 01-18: 01-19 .. 02-09 are 22 unused days of the 31 of the
        # period: -30 x 22/31 = -21.29, tax -3.19: 24.48 credited against the
        # invoice, which leaves the 10.02 of the days served due, charged no more.
        self.assertEqual(credit.amount_total, 24.48)
        self.assertEqual(invoice.amount_residual, 10.02)
        self.assertEqual(len(self._charges(invoice)), 4)
