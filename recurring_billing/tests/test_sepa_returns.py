from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .sepa_common import SepaCommon


@tagged("post_install", "-at_install")
class TestSepaReturns(SepaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time("2026-03-02"):
            cls.subscription = cls._subscription(
                cls.plan_basic, date(2026, 3, 2), payment_method="sepa"
            )
            cls.subscription.action_start()
            cls.invoice = cls._invoice(
                30.0, date(2026, 3, 10), subscription_id=cls.subscription.id
            )

    def _collect(self, due_to=date(2026, 3, 31)):
        """Batch the due invoices, generate the file and confirm it as sent."""
        batch = self._batch(due_to)
        batch.action_select_invoices()
        batch.action_generate()
        batch.action_confirm_sent()
        return batch

    def _mark_collected(self):
        """The daily job, run as its user: the debits due today are collected."""
        self.env["sepa.debit.batch.line"].sudo()._cron_mark_collected()

    def _return(self, line, code, return_type="return", **values):
        wizard = (
            self.env["sepa.return.wizard"]
            .with_context(**line.action_return()["context"])
            .create({"reason_code": code, "return_type": return_type, **values})
        )
        wizard.action_confirm()

    def test_return_date_that_is_not_a_date_is_refused(self):
        with freeze_time("2026-03-02"):
            line = self._collect().line_ids
        with (
            freeze_time("2026-03-18"),
            self.assertRaisesRegex(UserError, "return date last week is not a date"),
        ):
            line.record_return("return", "AM04", "last week")
        self.assertEqual(line.state, "sent")

    def test_return_with_an_unknown_reason_code_is_refused(self):
        with freeze_time("2026-03-02"):
            line = self._collect().line_ids
        with (
            freeze_time("2026-03-18"),
            self.assertRaisesRegex(
                ValidationError,
                r"Reason \(reason_code\) of a Record a SEPA Direct Debit Return "
                "cannot be 'ZZ99': use one of AC01",
            ),
        ):
            self._return(line, "ZZ99")
        self.assertEqual(line.state, "sent")

    def test_collect_return_for_insufficient_funds_and_retry(self):
        with freeze_time("2026-03-02"):
            batch = self._collect()
        line = batch.line_ids
        payment = line.payment_id
        self.assertEqual(batch.state, "sent")
        self.assertEqual(payment.payment_method_line_id.code, "sepa_direct_debit")
        self.assertEqual(payment.amount, 30.0)
        self.assertEqual(payment.date, date(2026, 3, 16))
        with freeze_time("2026-03-16"):
            self._mark_collected()
        self.assertTrue(payment.is_reconciled)
        self.assertEqual(self.invoice.payment_state, "paid")
        self.assertEqual(self.mandate.sequence_state, "recurring")
        self.assertEqual(self.mandate.date_last_collection, date(2026, 3, 16))

        with freeze_time("2026-03-18"):
            self._return(line, "AM04", date_return=date(2026, 3, 18))
        self.assertEqual(self.invoice.payment_state, "not_paid")
        self.assertEqual(self.invoice.amount_residual, 30.0)
        self.assertTrue(payment.exists())
        self.assertEqual(payment.state, "rejected")
        self.assertEqual(line.state, "returned")
        reversal = line.return_move_id
        self.assertEqual(reversal.reversed_entry_id, payment.move_id)
        self.assertEqual(reversal.state, "posted")
        self.assertEqual(self.mandate.state, "valid")
        self.assertEqual(self.invoice.sepa_retry_count, 1)
        self.assertEqual(self.invoice.sepa_date_retry, date(2026, 3, 25))
        self.assertFalse(self.subscription.sepa_payment_failed)
        self.assertTrue(
            self.invoice.message_ids.filtered(lambda m: "AM04" in (m.body or ""))
        )

        with freeze_time("2026-03-18"):
            retry = self._collect()
        retry_line = retry.line_ids
        self.assertEqual(retry_line.invoice_id, self.invoice)
        self.assertEqual(retry_line.sequence_type, "rcur")
        self.assertEqual(retry_line.end_to_end_id, f"{self.invoice.name}-2")
        # Not before the retry date and the 14 days of pre-notification.
        self.assertEqual(retry_line.date_collection, date(2026, 4, 1))
        with freeze_time("2026-04-01"):
            self._mark_collected()
        self.assertEqual(self.invoice.payment_state, "paid")
        self.assertEqual(self.mandate.date_last_collection, date(2026, 4, 1))

    def test_no_more_collections_after_md01(self):
        with freeze_time("2026-03-02"):
            line = self._collect().line_ids
        with freeze_time("2026-03-18"):
            self._return(line, "MD01")
            self.assertEqual(self.invoice.payment_state, "not_paid")
            self.assertEqual(self.mandate.state, "revoked")
            self.assertTrue(self.invoice.sepa_no_retry)
            self.assertTrue(self.subscription.sepa_payment_failed)
            self.assertEqual(len(self.subscription.activity_ids), 1)
            with self.assertRefused(UserError, "No invoice to collect"):
                self._batch(date(2026, 3, 31)).action_select_invoices()

    def test_payment_failed_after_the_last_retry(self):
        self.company.sepa_retry_max = 1
        with freeze_time("2026-03-02"):
            line = self._collect().line_ids
        with freeze_time("2026-03-18"):
            self._return(line, "AM04")
            line = self._collect().line_ids
        with freeze_time("2026-04-03"):
            self._return(line, "AM04")
        self.assertTrue(self.invoice.sepa_no_retry)
        self.assertTrue(self.subscription.sepa_payment_failed)
        self.assertEqual(len(self.subscription.activity_ids), 1)
        self.assertEqual(self.mandate.state, "valid")

    def test_rejected_first_collection_stays_first(self):
        with freeze_time("2026-03-02"):
            line = self._collect().line_ids
        self.assertEqual(line.sequence_type, "frst")
        # Collected on Monday 16 March: the bank rejects it by Friday 13.
        with freeze_time("2026-03-13"):
            self._return(line, "AM04", return_type="reject")
        self.assertEqual(self.mandate.sequence_state, "first")

    def test_bank_fees_are_booked(self):
        fee_account = self.company_data["default_account_expense"]
        with freeze_time("2026-03-02"):
            line = self._collect().line_ids
        with freeze_time("2026-03-18"):
            self._return(line, "AC04", fee_amount=3.5, fee_account_id=fee_account.id)
        fee_line = line.fee_move_id.line_ids.filtered(
            lambda li: li.account_id == fee_account
        )
        self.assertEqual(fee_line.debit, 3.5)
        self.assertEqual(line.fee_move_id.state, "posted")

    def test_only_a_collected_debit_can_be_returned(self):
        with freeze_time("2026-03-02"):
            batch = self._batch(date(2026, 3, 31))
            batch.action_select_invoices()
            wizard = self.env["sepa.return.wizard"].create(
                {"line_id": batch.line_ids.id, "reason_code": "AM04"}
            )
            with self.assertRefused(UserError, "Only a collected direct debit"):
                wizard.action_confirm()

    def test_accountant_collects_and_records_returns(self):
        accountant = new_test_user(
            self.env,
            "sepa_accountant",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        self.env = self.env(user=accountant)
        with freeze_time("2026-03-02"):
            line = self._collect().line_ids
        with freeze_time("2026-03-16"):
            self._mark_collected()
        self.assertEqual(self.invoice.payment_state, "paid")
        with freeze_time("2026-03-18"):
            self._return(line.with_user(accountant), "MD07")
        self.assertEqual(self.invoice.payment_state, "not_paid")
        self.assertEqual(self.mandate.state, "revoked")
        self.assertTrue(self.subscription.sepa_payment_failed)

    def test_return_for_insufficient_funds_waits_for_the_debit_presented_again(self):
        self.company.write(
            {"dunning_retry_days": "3,5,7", "dunning_outcome": "suspend"}
        )
        with freeze_time("2026-03-02"):
            line = self._collect().line_ids
        with freeze_time("2026-03-16"):
            self._mark_collected()
        with freeze_time("2026-03-18"):
            self._return(line, "AM04", date_return=date(2026, 3, 18))
            # Presented again, collected on 04-01 (retry date and 14 days' notice).
            self._collect()
        dunning = self.subscription.dunning_id
        self.assertTrue(dunning.retry_allowed)
        # Its last day (03-25) passes while the debit waits for its new collection
        # date (04-01): the subscription is not suspended for a debit not yet retried.
        for day in ("2026-03-21", "2026-03-23", "2026-03-25", "2026-03-26"):
            with freeze_time(day):
                self.env["recurring.dunning"].sudo()._cron_dunning()
        self.assertEqual(dunning.step, 3)
        self.assertEqual(dunning.state, "running")
        self.assertEqual(self.subscription.state, "active")
        with freeze_time("2026-04-01"):
            self._mark_collected()
        self.assertEqual(self.invoice.payment_state, "paid")
        self.assertEqual(dunning.state, "recovered")

    def test_return_for_no_mandate_is_followed_up_without_retry(self):
        with freeze_time("2026-03-02"):
            line = self._collect().line_ids
        with freeze_time("2026-03-18"):
            self._return(line, "MD01")
        dunning = self.subscription.dunning_id
        self.assertEqual(dunning.state, "running")
        self.assertFalse(dunning.retry_allowed)
        self.assertEqual(dunning.invoice_ids, self.invoice)
        [todo] = self.subscription.activity_ids
        self.assertIn("ask for another payment method", todo.note)
