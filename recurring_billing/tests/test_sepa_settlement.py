from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from ..models.tools import selection_label
from .sepa_common import SepaCommon, parse

SAME_BANK_IBAN = "DE45120300001234567890"
ORIGINAL_IBAN = "p:DrctDbtTx/p:MndtRltdInf/p:AmdmntInfDtls/p:OrgnlDbtrAcct/p:Id/p:IBAN"


@tagged("post_install", "-at_install")
class TestSepaSettlement(SepaCommon):
    """A debit is sent with its file and collected on its settlement date; the bank
    rejects it before that date or returns it after."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Due on 10 March; pre-notified on 2 March, collected on Monday 16 March.
        cls.invoice = cls._invoice(100.0, date(2026, 3, 10))

    def _collect(self):
        batch = self._batch(date(2026, 3, 31))
        batch.action_select_invoices()
        batch.action_generate()
        batch.action_confirm_sent()
        return batch.line_ids

    def _wizard(self, line, **values):
        return (
            self.env["sepa.return.wizard"]
            .with_context(**line.action_return()["context"])
            .create({"reason_code": "AM04", **values})
        )

    def test_debit_is_collected_and_the_invoice_paid_on_the_settlement_date(self):
        with freeze_time("2026-03-02"):
            line = self._collect()
        self.assertEqual(line.date_collection, date(2026, 3, 16))
        self.assertEqual(line.state, "sent")
        self.assertEqual(line.payment_id.state, "in_process")
        self.assertEqual(self.invoice.payment_state, "not_paid")
        cron = self.env["sepa.debit.batch.line"]._cron_mark_collected
        with freeze_time("2026-03-15"):
            cron()
        self.assertEqual(line.state, "sent")
        self.assertEqual(self.invoice.payment_state, "not_paid")
        with freeze_time("2026-03-16"):
            cron()
        self.assertEqual(line.state, "collected")
        self.assertEqual(selection_label(line, "state"), "Collected")
        self.assertEqual(self.invoice.payment_state, "paid")

    def test_reject_long_before_settlement_is_recorded(self):
        with freeze_time("2026-03-02"):
            line = self._collect()
        with freeze_time("2026-03-05"):
            wizard = self._wizard(line, date_return=date(2026, 3, 5))
            self.assertEqual(wizard.return_type, "reject")
            wizard.action_confirm()
        self.assertEqual(line.state, "returned")
        self.assertEqual(line.return_type, "reject")
        self.assertEqual(line.payment_id.state, "rejected")
        self.assertEqual(self.invoice.payment_state, "not_paid")
        self.assertEqual(self.invoice.amount_residual, 100.0)
        self.assertEqual(selection_label(line, "state"), "Payment Returned")
        self.assertTrue(self.mandate.payment_returned)
        self.assertEqual(self.mandate.return_reason_code, "AM04")
        self.assertEqual(self.mandate.date_last_return, date(2026, 3, 5))
        with freeze_time("2026-03-16"):
            self.env["sepa.debit.batch.line"]._cron_mark_collected()
        self.assertEqual(line.state, "returned")

    def test_returned_debit_shows_on_the_subscription(self):
        sub = self._subscription(
            self.plan_basic, payment_method="sepa", mandate_id=self.mandate.id
        )
        self.assertFalse(sub.sepa_payment_returned)
        with freeze_time("2026-03-02"):
            line = self._collect()
        with freeze_time("2026-03-05"):
            self._wizard(line, date_return=date(2026, 3, 5)).action_confirm()
        self.assertTrue(sub.sepa_payment_returned)
        self.assertEqual(sub.sepa_return_reason_code, "AM04")

    def test_return_after_settlement_is_recorded(self):
        with freeze_time("2026-03-02"):
            line = self._collect()
        with freeze_time("2026-03-20"):
            self.env["sepa.debit.batch.line"]._cron_mark_collected()
            wizard = self._wizard(line, date_return=date(2026, 3, 19))
            self.assertEqual(wizard.return_type, "return")
            wizard.action_confirm()
        self.assertEqual(line.state, "returned")
        self.assertEqual(self.invoice.payment_state, "not_paid")
        self.assertTrue(self.mandate.payment_returned)

    def test_return_recorded_over_rpc_with_ids_and_an_iso_date(self):
        fee_account = self.company_data["default_account_expense"]
        with freeze_time("2026-03-02"):
            line = self._collect()
        with freeze_time("2026-03-20"):
            with self.assertRefused(UserError, "Unknown SEPA return reason code"):
                line.record_return("return", "XX99", "2026-03-19")
            self.assertIs(
                line.record_return("return", "AC04", "2026-03-19", 2.5, fee_account.id),
                True,
            )
        self.assertEqual(line.state, "returned")
        self.assertEqual(line.date_return, date(2026, 3, 19))
        self.assertEqual(line.return_fee, 2.5)
        self.assertEqual(self.mandate.state, "revoked")

    def test_reject_dated_after_settlement_is_refused(self):
        with freeze_time("2026-03-02"):
            line = self._collect()
        with freeze_time("2026-03-20"):
            wizard = self._wizard(
                line, return_type="reject", date_return=date(2026, 3, 18)
            )
            with self.assertRefused(UserError, "record it as a return"):
                wizard.action_confirm()
        self.assertEqual(line.state, "sent")
        self.assertFalse(self.mandate.payment_returned)

    def test_return_dated_before_settlement_is_refused(self):
        with freeze_time("2026-03-02"):
            line = self._collect()
        with freeze_time("2026-03-10"):
            wizard = self._wizard(
                line, return_type="return", date_return=date(2026, 3, 10)
            )
            with self.assertRefused(UserError, "record it as a reject"):
                wizard.action_confirm()
        self.assertEqual(line.state, "sent")

    def test_return_dated_in_the_future_is_refused(self):
        with freeze_time("2026-03-02"):
            line = self._collect()
        with freeze_time("2026-03-20"):
            wizard = self._wizard(line, date_return=date(2026, 3, 23))
            with self.assertRefused(UserError, "in the future"):
                wizard.action_confirm()
        self.assertEqual(line.state, "sent")

    def test_confirm_sent_after_the_submission_deadline_is_refused(self):
        with freeze_time("2026-03-02"):
            batch = self._batch(date(2026, 3, 31))
            batch.action_select_invoices()
            batch.action_generate()
        # Collection on Monday 16 March: the bank needs the file by Friday 13.
        with freeze_time("2026-03-14"), self.assertRefused(UserError, "by 03/13/2026"):
            batch.action_confirm_sent()
        self.assertEqual(batch.state, "generated")
        self.assertFalse(batch.line_ids.payment_id)
        with freeze_time("2026-03-13"):
            batch.action_confirm_sent()
        self.assertEqual(batch.state, "sent")

    def test_rejected_first_collection_keeps_its_amendment_for_the_next_try(self):
        with freeze_time("2026-03-02"):
            line = self._collect()
        self.assertEqual(line.sequence_type, "frst")
        # While the first collection waits for settlement, the customer moves to
        # another account of the same bank.
        self.customer_bank.acc_number = SAME_BANK_IBAN
        self.assertEqual(self.mandate.previous_iban, "DE02120300000000202051")
        with freeze_time("2026-03-10"):
            self._wizard(line, date_return=date(2026, 3, 10)).action_confirm()
        self.assertEqual(self.mandate.sequence_state, "first")
        with freeze_time("2026-03-18"):
            retry = self._collect()
        self.assertEqual(retry.sequence_type, "frst")
        root, ns = parse(retry.batch_id.attachment_id.raw)
        self.assertEqual(
            root.findtext(".//" + ORIGINAL_IBAN, namespaces=ns),
            "DE02120300000000202051",
        )
        self.assertIsNone(self.mandate._amendment())
        with freeze_time("2026-03-25"):
            self._wizard(retry, date_return=date(2026, 3, 25)).action_confirm()
        # Rejected again: the next try reports the amendment again.
        self.assertEqual(self.mandate.previous_iban, "DE02120300000000202051")
        self.assertEqual(self.mandate._sequence_type(), "FRST")

    def test_rejected_one_off_debit_may_be_presented_again(self):
        self.mandate.action_revoke()
        one_off = self._mandate(
            self.customer, self.customer_bank, mandate_type="oneoff"
        )
        with freeze_time("2026-03-02"):
            line = self._collect()
        self.assertEqual(line.mandate_id, one_off)
        self.assertEqual(one_off.state, "expired")
        with freeze_time("2026-03-10"):
            self._wizard(line, date_return=date(2026, 3, 10)).action_confirm()
        self.assertEqual(one_off.state, "valid")
        with freeze_time("2026-03-18"):
            retry = self._collect()
        self.assertEqual((retry.mandate_id, retry.sequence_type), (one_off, "ooff"))

    def _collected(self):
        """The debit sent on 2 March and collected on Monday 16 March: the invoice
        of 100.00 is paid."""
        with freeze_time("2026-03-02"):
            line = self._collect()
        with freeze_time("2026-03-16"):
            self.env["sepa.debit.batch.line"]._cron_mark_collected()
        self.assertEqual(self.invoice.payment_state, "paid")
        return line

    def assertStillCollected(self, line):
        self.assertEqual(line.state, "collected")
        self.assertEqual(line.payment_id.state, "paid")
        self.assertFalse(line.return_move_id)
        self.assertEqual(self.invoice.payment_state, "paid")
        self.assertEqual(self.invoice.amount_residual, 0.0)
        self.assertEqual(self.mandate.state, "valid")

    def test_reject_on_the_settlement_day_is_refused(self):
        # Collected on Monday 16 March, the debit is settled that day: what the
        # bank reports on the 16th is a return, never a reject.
        line = self._collected()
        with freeze_time("2026-03-16"):
            wizard = self._wizard(
                line, return_type="reject", date_return=date(2026, 3, 16)
            )
            with self.assertRefused(UserError, "on or after the settlement.*return"):
                wizard.action_confirm()
        self.assertStillCollected(line)

    def test_return_after_five_business_days_is_refused(self):
        # Settled Monday 16 March: the bank may return it until the fifth TARGET2
        # business day after, Monday 23 March. A "return" dated 15 April would
        # reverse the 100.00 payment and reopen the invoice: refused, and since 15
        # April is within 8 weeks (until 11 May) the customer may have asked for a
        # refund.
        line = self._collected()
        with freeze_time("2026-04-15"):
            wizard = self._wizard(
                line, return_type="return", date_return=date(2026, 4, 15)
            )
            with self.assertRefused(
                UserError, r"Return Date 04/15/2026 .* after 03/23/2026.*as a refund"
            ):
                wizard.action_confirm()
        self.assertStillCollected(line)

    def _recorded(self, line, return_type, code, day):
        """``line`` returned on ``day``: the 100.00 payment is reversed, the
        invoice open again."""
        with freeze_time(day):
            line.record_return(return_type, code, day)
        self.assertEqual(line.state, "returned")
        self.assertEqual(self.invoice.amount_residual, 100.0)

    def _refused(self, line, return_type, code, day, regex):
        """``line`` returned on ``day`` is refused with ``regex``; nothing moves."""
        with freeze_time(day), self.assertRefused(UserError, regex):
            line.record_return(return_type, code, day)
        self.assertStillCollected(line)

    def test_return_on_the_fifth_business_day_is_recorded(self):
        self._recorded(self._collected(), "return", "AM04", "2026-03-23")

    def test_refund_booked_after_eight_weeks_is_recorded(self):
        # Settled 16 March; the debtor claims by 11 May (8 weeks), the banks book it
        # days later: the 100.00 taken back on 13 May is recorded, the invoice open.
        line = self._collected()
        self._recorded(line, "refund", "MD06", "2026-05-13")
        self.assertEqual(line.return_type, "refund")

    def test_return_form_proposes_a_refund_after_the_return_window(self):
        # Settled Monday 16 March, returns end on Monday 23 March: dated 15 April,
        # within 8 weeks, the bank's debit can only be a refund.
        line = self._collected()
        with freeze_time("2026-04-15"):
            wizard = self._wizard(line, reason_code="MD06", date_return="2026-04-15")
            self.assertEqual(wizard.return_type, "refund")
            wizard.action_confirm()
        self.assertEqual((line.state, line.return_type), ("returned", "refund"))
        self.assertEqual(self.invoice.amount_residual, 100.0)

    def test_return_form_follows_a_corrected_date(self):
        # Opened on 26 March (after the return window ending 23 March): a refund is
        # proposed; the date corrected to 18 March makes it a return again.
        line = self._collected()
        with freeze_time("2026-03-26"):
            form = Form(
                self.env["sepa.return.wizard"].with_context(
                    **line.action_return()["context"]
                )
            )
            form.reason_code = "AM04"
            self.assertEqual(form.return_type, "refund")
            form.date_return = date(2026, 3, 18)
            self.assertEqual(form.return_type, "return")
