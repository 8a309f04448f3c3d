from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .sepa_reconcile_common import SepaReconcileCommon


@tagged("post_install", "-at_install")
class TestSepaReconcile(SepaReconcileCommon):
    """Invoices collected by a batch are paid when it is sent, or when the bank's
    credit on the statement is matched with it, as the company chooses."""

    def assertUnchanged(self, batch, st_line, payment_state):
        self.assertEqual(batch.state, "sent")
        self.assertFalse(batch.statement_line_id)
        self.assertFalse(st_line.is_reconciled)
        self.assertEqual(
            (self.first + self.second).mapped("payment_state"), [payment_state] * 2
        )

    def test_statement_mode_pays_the_invoices_when_the_bank_line_is_matched(self):
        self.company.sepa_reconcile_mode = "statement"
        batch = self._collect()
        payments = batch.line_ids.payment_id
        self.assertEqual(batch.state, "sent")
        self.assertEqual(len(payments), 2)
        self.assertEqual(set(payments.mapped("state")), {"in_process"})
        self.assertEqual(self.first.payment_state, "not_paid")
        self.assertEqual(self.first.amount_residual, 100.0)
        self.assertEqual(self.second.amount_residual, 50.5)
        self.assertEqual(self.mandate.sequence_state, "recurring")

        self._statement_line(99.0)
        st_line = self._statement_line(150.5)
        self._match(batch)
        self.assertEqual(batch.state, "reconciled")
        self.assertEqual(batch.statement_line_id, st_line)
        self.assertTrue(st_line.is_reconciled)
        self.assertEqual(self._matched_amount(st_line), 150.5)
        self.assertEqual(self.first.payment_state, "paid")
        self.assertEqual(self.second.payment_state, "paid")
        self.assertEqual(self.first.amount_residual, 0.0)
        self.assertEqual(set(payments.mapped("state")), {"paid"})
        self.assertTrue(all(payments.mapped("is_matched")))

    def test_sent_mode_pays_on_the_collection_date_then_matches_the_bank_line(self):
        batch = self._collect()
        self.assertEqual(self.first.payment_state, "not_paid")
        # Collected on 16 and 20 March.
        with freeze_time("2026-03-16"):
            self.env["sepa.debit.batch.line"]._cron_mark_collected()
        self.assertEqual(self.first.payment_state, "paid")
        self.assertEqual(self.second.payment_state, "not_paid")
        with freeze_time("2026-03-20"):
            self.env["sepa.debit.batch.line"]._cron_mark_collected()
        self.assertEqual(self.second.payment_state, "paid")
        self.assertFalse(any(batch.line_ids.payment_id.mapped("is_matched")))
        st_line = self._statement_line(150.5)
        self._match(batch, st_line)
        self.assertEqual(batch.state, "reconciled")
        self.assertTrue(st_line.is_reconciled)
        self.assertEqual(self._matched_amount(st_line), 150.5)
        self.assertEqual(self.first.payment_state, "paid")
        self.assertTrue(all(batch.line_ids.payment_id.mapped("is_matched")))

    def test_debit_rejected_before_settlement_is_left_out_of_the_credit(self):
        self.company.sepa_reconcile_mode = "statement"
        batch = self._collect()
        returned = self._line_of(batch, self.first)
        self._reject(returned)
        self.assertEqual(returned.state, "returned")
        self.assertEqual(returned.payment_id.state, "rejected")
        self.assertEqual(self.first.payment_state, "not_paid")
        self.assertEqual(self.first.amount_residual, 100.0)

        full = self._statement_line(150.5)
        with self.assertRefused(UserError, r"total .*50\.50"):
            self._match(batch, full)
        st_line = self._statement_line(50.5)
        self._match(batch, st_line)
        self.assertEqual(batch.state, "reconciled")
        self.assertTrue(st_line.is_reconciled)
        self.assertEqual(self._matched_amount(st_line), 50.5)
        self.assertEqual(self.second.payment_state, "paid")
        self.assertEqual(self.first.payment_state, "not_paid")
        self.assertEqual(self.first.amount_residual, 100.0)

    def test_debit_returned_after_the_match_keeps_the_bank_line_reconciled(self):
        self.company.sepa_reconcile_mode = "statement"
        batch = self._collect()
        st_line = self._statement_line(150.5)
        self._match(batch, st_line)
        line = self._line_of(batch, self.first)
        self._return(line)
        self.assertEqual(line.state, "returned")
        self.assertEqual(self.first.payment_state, "not_paid")
        self.assertEqual(self.first.amount_residual, 100.0)
        self.assertEqual(self.second.payment_state, "paid")
        self.assertTrue(st_line.is_reconciled)
        self.assertEqual(self._matched_amount(st_line), 150.5)
        # The money leaves the bank again: the reversal waits for the bank's debit.
        outstanding = line.return_move_id.line_ids.filtered(
            lambda li: li.account_id == line.payment_id.outstanding_account_id
        )
        self.assertEqual(outstanding.amount_residual, -100.0)
        self.assertEqual(line.return_move_id.state, "posted")

    def test_amount_other_than_the_collected_total_is_refused(self):
        self.company.sepa_reconcile_mode = "statement"
        batch = self._collect()
        st_line = self._statement_line(150.0)
        with self.assertRefused(UserError, r"total .*150\.50"):
            self._match(batch, st_line)
        self.assertUnchanged(batch, st_line, "not_paid")

    def test_statement_line_of_another_journal_is_refused(self):
        self.company.sepa_reconcile_mode = "statement"
        batch = self._collect()
        other_journal = self.env["account.journal"].create(
            {"name": "Other bank", "code": "OBNK", "type": "bank"}
        )
        st_line = self._statement_line(150.5, journal=other_journal)
        with self.assertRefused(UserError, "not in .*the collection journal"):
            self._match(batch, st_line)
        self.assertUnchanged(batch, st_line, "not_paid")

    def test_statement_line_already_reconciled_is_refused(self):
        batch = self._collect()
        st_line = self._statement_line(150.5)
        self._match(batch, st_line)
        third = self._invoice(150.5, date(2026, 3, 25))
        with freeze_time("2026-03-02"):
            other = self._batch(date(2026, 3, 31))
            other._add_lines(third)
            other.action_generate()
            other.action_confirm_sent()
        with self.assertRefused(UserError, "is already reconciled"):
            self._match(other, st_line)
        self.assertEqual(other.state, "sent")
        self.assertEqual(batch.statement_line_id, st_line)
        self.assertFalse(other.line_ids.payment_id.is_matched)

    def test_batch_matched_twice_is_refused(self):
        batch = self._collect()
        self._match(batch, self._statement_line(150.5))
        with self.assertRefused(UserError, "is reconciled: it cannot be matched"):
            batch.action_match_statement_line()

    def test_batch_with_every_debit_rejected_has_nothing_to_match(self):
        self.company.sepa_reconcile_mode = "statement"
        batch = self._collect()
        for line in batch.line_ids:
            self._reject(line)
        st_line = self._statement_line(150.5)
        with self.assertRefused(UserError, "were rejected"):
            self._match(batch, st_line)
        self.assertFalse(st_line.is_reconciled)
        self.assertEqual(batch.state, "sent")

    def test_accountant_matches_the_bank_line(self):
        self.company.sepa_reconcile_mode = "statement"
        batch = self._collect()
        st_line = self._statement_line(150.5)
        accountant = new_test_user(
            self.env,
            "sepa_reconcile_accountant",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        self._match(batch.with_user(accountant), st_line)
        self.assertEqual(batch.state, "reconciled")
        self.assertEqual(self.first.payment_state, "paid")
        self.assertTrue(st_line.is_reconciled)
