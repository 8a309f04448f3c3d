from datetime import date

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .sepa_reconcile_common import SepaReconcileCommon


@tagged("post_install", "-at_install")
class TestSepaReconcileDebits(SepaReconcileCommon):
    """Sent without batch booking, a batch is credited by the bank one debit per
    statement line: each debit is matched with the line that names it."""

    def setUp(self):
        super().setUp()
        self.company.sepa_batch_booking = False
        self.company.sepa_reconcile_mode = "statement"

    def _wizard(self, batch):
        context = batch.action_match_statement_line()["context"]
        return Form(batch.env["sepa.statement.match.wizard"].with_context(**context))

    def _proposals(self, wizard):
        return {
            row.debit_line_ids.invoice_id: row.statement_line_id
            for row in wizard.line_ids
        }

    def _credit_of(self, batch, invoice, amount=None):
        """The bank's line for the debit of ``invoice``, labelled as banks do."""
        line = self._line_of(batch, invoice)
        return self._statement_line(
            amount or line.amount,
            label=f"SEPA-LASTSCHRIFT {line.end_to_end_id} {invoice.partner_id.name}",
        )

    def test_each_debit_is_matched_with_the_line_naming_it(self):
        batch = self._collect()
        self.assertFalse(batch.batch_booking)
        # Same amount as the first debit, but it names no debit of the batch.
        stranger = self._statement_line(100.0, label="Transfer from a stranger")
        first_credit = self._credit_of(batch, self.first)
        second_credit = self._credit_of(batch, self.second)

        wizard = self._wizard(batch).save()
        self.assertEqual(
            self._proposals(wizard),
            {self.first: first_credit, self.second: second_credit},
        )
        wizard.action_confirm()

        self.assertEqual(batch.state, "reconciled")
        first_debit = self._line_of(batch, self.first)
        self.assertEqual(first_debit.statement_line_id, first_credit)
        self.assertEqual(
            (self.first + self.second).mapped("payment_state"), ["paid", "paid"]
        )
        self.assertTrue(first_credit.is_reconciled and second_credit.is_reconciled)
        self.assertEqual(self._matched_amount(first_credit), 100.0)
        self.assertEqual(self._matched_amount(second_credit), 50.5)
        self.assertFalse(stranger.is_reconciled)
        self.assertIn("2 debit(s) matched", batch.message_ids[0].body)

    def test_a_debit_whose_credit_is_not_on_a_statement_yet_waits(self):
        batch = self._collect()
        first_credit = self._credit_of(batch, self.first)
        wizard = self._wizard(batch).save()
        no_line = self.env["account.bank.statement.line"]
        self.assertEqual(
            self._proposals(wizard), {self.first: first_credit, self.second: no_line}
        )
        wizard.action_confirm()
        self.assertEqual(batch.state, "sent")
        self.assertEqual(self.first.payment_state, "paid")
        self.assertEqual(self.second.payment_state, "not_paid")

        second_credit = self._credit_of(batch, self.second)
        wizard = self._wizard(batch).save()
        self.assertEqual(self._proposals(wizard), {self.second: second_credit})
        wizard.action_confirm()
        self.assertEqual(batch.state, "reconciled")
        self.assertEqual(self.second.payment_state, "paid")

    def test_the_accountant_picks_the_line_the_bank_labelled_otherwise(self):
        batch = self._collect()
        self._credit_of(batch, self.first)
        unnamed = self._statement_line(50.5, label="SEPA DD 4711")
        with self._wizard(batch) as form, form.line_ids.edit(1) as row:
            self.assertEqual(row.invoice_id, self.second)
            self.assertFalse(row.statement_line_id)
            row.statement_line_id = unnamed
        form.record.action_confirm()
        self.assertEqual(batch.state, "reconciled")
        self.assertEqual(self._line_of(batch, self.second).statement_line_id, unnamed)
        self.assertEqual(self.second.payment_state, "paid")

    def test_a_debit_rejected_before_its_credit_is_not_waited_for(self):
        batch = self._collect()
        self._reject(self._line_of(batch, self.first))
        second_credit = self._credit_of(batch, self.second)
        wizard = self._wizard(batch).save()
        self.assertEqual(self._proposals(wizard), {self.second: second_credit})
        wizard.action_confirm()
        self.assertEqual(batch.state, "reconciled")
        self.assertEqual(self.first.payment_state, "not_paid")
        self.assertEqual(self.second.payment_state, "paid")

    def test_a_line_of_another_amount_is_refused(self):
        batch = self._collect()
        wrong = self._credit_of(batch, self.first, amount=99.0)
        debit = self._line_of(batch, self.first)
        with self.assertRefused(UserError, r"is of .*99\.00.* the debit .*100\.00"):
            batch._match_statement_lines([(debit, wrong)])
        self.assertEqual(batch.state, "sent")
        self.assertFalse(wrong.is_reconciled)
        self.assertEqual(self.first.payment_state, "not_paid")

    def test_one_line_chosen_for_two_debits_is_refused(self):
        batch = self._collect()
        credit = self._credit_of(batch, self.first)
        pairs = [
            (self._line_of(batch, self.first), credit),
            (self._line_of(batch, self.second), credit),
        ]
        with self.assertRefused(UserError, "is chosen twice"):
            batch._match_statement_lines(pairs)
        self.assertFalse(credit.is_reconciled)
        self.assertFalse(batch.line_ids.statement_line_id)

    def test_nothing_chosen_is_refused(self):
        batch = self._collect()
        wizard = self._wizard(batch).save()
        with self.assertRefused(UserError, "at least one credit or return"):
            wizard.action_confirm()
        self.assertEqual(batch.state, "sent")

    def test_a_batch_sent_without_batch_booking_is_not_matched_as_one(self):
        batch = self._collect()
        total = self._statement_line(150.5)
        with self.assertRefused(UserError, "without batch booking"):
            batch._match_statement_lines([(batch.line_ids, total)])
        self.assertFalse(total.is_reconciled)

    def test_a_batch_sent_with_batch_booking_is_not_matched_per_debit(self):
        self.company.sepa_batch_booking = True
        # Collected on 20 March with the second invoice: one payment block.
        third = self._invoice(20.0, date(2026, 3, 20))
        batch = self._collect()
        credit = self._credit_of(batch, third)
        with self.assertRefused(UserError, "with batch booking"):
            batch._match_statement_lines([(self._line_of(batch, third), credit)])
        self.assertFalse(credit.is_reconciled)
