"""Every posted invoice of a subscription paid by a saved payment method is charged
to it once, whatever door posted it, and only what the customer still owes once its
credit notes are set against it."""

from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.recurring_billing.models.account_move_payment import (
    AccountMove as PaymentMove,
)

from .payment_common import START, PaymentTokenCommon
from .sepa_common import SepaCommon

# Basic 30 and Pro 50 a month, with the 15 % sales tax of the test company.
BASIC_TOTAL = 34.5
PRO_TOTAL = 57.5


@tagged("post_install", "-at_install")
class TestPaymentTokenDoors(PaymentTokenCommon):
    def _paid(self, invoices):
        return all(
            invoice.payment_state in ("paid", "in_payment") for invoice in invoices
        )

    def test_upgrade_invoice_is_charged_to_the_token(self):
        sub = self._token_subscription("done")
        self._run_cron("2026-01-10")
        with freeze_time("2026-01-20"):
            sub.action_change_plan(self.plan_pro)
        adjustment = self._invoices(sub)[-1]
        # Period 10 Jan .. 9 Feb is 31 days, 20 Jan .. 9 Feb 21 of them:
        # Pro 50 x 21/31 = 33.87, Basic unused -30 x 21/31 = -20.32; net 13.55,
        # tax 5.08 - 3.05 = 2.03: 15.58 due.
        self.assertEqual(adjustment.amount_total, 15.58)
        self.assertTrue(adjustment.recurring_charge_due)
        self._collect("2026-01-20")
        tx = self._charges(adjustment)
        self.assertEqual(
            (tx.state, tx.amount, tx.recurring_attempt), ("done", 15.58, 1)
        )
        self.assertTrue(self._paid(adjustment))
        self.assertFalse(adjustment.recurring_charge_due)

    def test_cancel_before_the_job_ran_charges_only_the_used_days(self):
        sub = self._token_subscription("done")
        self._run_cron("2026-01-10")
        with freeze_time("2026-02-15"):
            sub.action_cancel(credit_unused=True)
        period = self._invoices(sub)[1:]
        # The period of 10 Feb was due but not billed: only its 6 days used of 28
        # are, 30 x 6/28 = 6.43 + tax 0.96 = 7.39, all that is charged; nothing was
        # paid ahead, so there is no credit note.
        self.assertEqual((period.move_type, period.amount_total), ("out_invoice", 7.39))
        self._collect("2026-02-15")
        tx = self._charges(period)
        self.assertEqual((tx.state, tx.amount), ("done", 7.39))
        self.assertTrue(self._paid(period))

    def test_pause_before_the_job_ran_charges_only_the_days_before_it(self):
        sub = self._token_subscription("done")
        self._run_cron("2026-01-10")
        with freeze_time("2026-02-15"):
            sub.action_pause()
        period = self._invoices(sub)[1:]
        # Of the period of 10 Feb, due but not billed, the 5 days before the pause:
        # 30 x 5/28 = 5.36 + tax 0.80 = 6.16, charged; nothing to credit.
        self.assertEqual((period.move_type, period.amount_total), ("out_invoice", 6.16))
        self._collect("2026-02-15")
        self.assertEqual(self._charges(period).amount, 6.16)
        self.assertTrue(self._paid(period))

    def test_credit_of_a_downgrade_now_lowers_the_next_charge(self):
        sub = self._token_subscription("done", plan=self.plan_pro)
        self._run_cron("2026-01-10")
        with freeze_time("2026-01-20"):
            sub.action_change_plan(self.plan_basic, when="now")
        credit = self._invoices(sub)[-1]
        # Basic 30 x 21/31 = 20.32 less Pro unused -50 x 21/31 = -33.87: a credit
        # note of 13.55 + tax 2.03 = 15.58.
        self.assertEqual((credit.move_type, credit.amount_total), ("out_refund", 15.58))
        self._collect("2026-01-20")
        self.assertFalse(self._charges(credit))
        self._run_cron("2026-02-10")
        invoice = self._invoices(sub)[-1]
        # Basic for 10 Feb .. 9 Mar: 34.50, less the 15.58 credited: 18.92 charged.
        self.assertEqual(invoice.amount_total, BASIC_TOTAL)
        self.assertEqual(self._charges(invoice).amount, 18.92)
        self.assertTrue(self._paid(invoice | credit))

    def test_invoice_posted_by_hand_is_charged(self):
        self.plan_pro.invoice_policy = "draft"
        sub = self._token_subscription("done", plan=self.plan_pro)
        self._run_cron("2026-01-10")
        invoice = self._invoices(sub)
        self.assertEqual(invoice.state, "draft")
        invoice.action_post()
        self._collect("2026-01-11")
        self.assertEqual(self._charges(invoice).amount, PRO_TOTAL)
        self.assertTrue(self._paid(invoice))

    def test_invoice_reset_to_draft_and_posted_again_is_not_charged_twice(self):
        sub = self._token_subscription("done")
        self._run_cron("2026-01-10")
        invoice = self._invoices(sub)
        self.assertTrue(self._paid(invoice))
        # Reset to draft to be corrected, its charge's payment of 34.50 comes apart
        # from it; posted again, it is paid by that payment, not charged again.
        invoice.button_draft()
        invoice.action_post()
        self._collect("2026-01-11")
        self.assertEqual(self._charges(invoice).mapped("recurring_attempt"), [1])
        self.assertTrue(self._paid(invoice))

    def test_credit_note_of_another_customer_is_not_used(self):
        sub = self._token_subscription("done", plan=self.plan_pro)
        self._run_cron("2026-01-10")
        with freeze_time("2026-01-20"):
            sub.action_change_plan(self.plan_basic, when="now")
        credit = self._invoices(sub)[-1]
        # The subscription passes to another customer: the 15.58 credited to the
        # first one is theirs, not a discount on the new customer's invoice.
        other = self.env["res.partner"].create(
            {"name": "Customer B", "street": "2 Main Street", "city": "Springfield"}
        )
        sub.write({"payment_method": "manual", "payment_token_id": False})
        sub.partner_id = other
        sub.write(
            {
                "payment_method": "token",
                "payment_token_id": self._token("done", other).id,
            }
        )
        self._run_cron("2026-02-10")
        invoice = self._invoices(sub)[-1]
        self.assertEqual(self._charges(invoice).amount, BASIC_TOTAL)
        self.assertEqual(credit.payment_state, "not_paid")

    def test_invoice_now_declined_is_charged_once_and_followed_up(self):
        sub = self._token_subscription("error")
        with freeze_time("2026-01-10"):
            sub.action_invoice_now()
        invoice = self._invoices(sub)
        self._collect("2026-01-10")
        self._collect("2026-01-10")
        self.assertEqual(self._charges(invoice).mapped("state"), ["error"])
        self.assertEqual(sub.dunning_id.amount_due, BASIC_TOTAL)

    def test_invoices_of_a_job_stopped_before_charging_are_charged_once(self):
        subs = self._token_subscription("done") | self._token_subscription("done")
        # The job stops after committing its invoices, before charging them.
        with patch.object(PaymentMove, "_recurring_charge_token", autospec=True):
            self._run_cron("2026-01-10")
        invoices = self._invoices(subs)
        self.assertEqual(invoices.mapped("recurring_charge_due"), [True, True])
        self.assertFalse(self._charges(invoices))
        self._collect("2026-01-11")
        self._collect("2026-01-12")
        self.assertEqual(self._charges(invoices).mapped("amount"), [34.5, 34.5])
        self.assertTrue(self._paid(invoices))

    def test_job_charges_its_invoices_itself_without_waking_the_charging_job(self):
        sub = self._token_subscription("done")
        cron = self.env.ref("recurring_billing.ir_cron_charge_invoices")
        triggers = self.env["ir.cron.trigger"].sudo()
        before = triggers.search_count([("cron_id", "=", cron.id)])
        self._run_cron(START)
        invoice = self._invoices(sub)
        self.assertTrue(self._paid(invoice))
        self.assertFalse(invoice.recurring_charge_due)
        self.assertEqual(triggers.search_count([("cron_id", "=", cron.id)]), before)


@tagged("post_install", "-at_install")
class TestPaymentTokenBesideSepa(SepaCommon, PaymentTokenCommon):
    def test_invoice_with_a_debit_in_a_batch_is_not_charged_beside_it(self):
        with freeze_time("2026-03-02"):
            sub = self._active(self.plan_basic, date(2026, 3, 2), payment_method="sepa")
            sub.action_invoice_now()
            invoice = self._invoices(sub)
            batch = self._batch(date(2026, 3, 31))
            batch.action_select_invoices()
            self.assertEqual(batch.line_ids.invoice_id, invoice)
            # Moved to a card while its debit waits in the batch: the debit collects
            # it; charging the card too would take the 34.50 twice.
            sub.write(
                {"payment_method": "token", "payment_token_id": self._token("done").id}
            )
            self.assertFalse(invoice._recurring_charge_token())
        self.assertFalse(self._charges(invoice))
        self.assertEqual(invoice.amount_residual, BASIC_TOTAL)
