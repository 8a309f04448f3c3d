from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .sepa_common import OTHER_IBAN, parse
from .sepa_reconcile_common import SepaReconcileCommon


@tagged("post_install", "-at_install")
class TestSepaReconcileBlocks(SepaReconcileCommon):
    """With batch booking the bank credits each payment block of the file (collection
    date, sequence type, scheme) on one line, or the whole file on one line; it
    debits each return after the settlement on a line of its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.regular = cls.env["res.partner"].create({"name": "Regular customer"})
        regular_mandate = cls._mandate(
            cls.regular, cls._bank_account(cls.regular, OTHER_IBAN)
        )
        regular_mandate._register_collection(date(2026, 2, 2))
        # Collected on 16 March as RCUR, beside the FRST of the first invoice.
        cls.recurring = cls._invoice(30.0, date(2026, 3, 10), partner=cls.regular)

    def setUp(self):
        super().setUp()
        self.company.sepa_reconcile_mode = "statement"

    def _wizard(self, batch):
        context = batch.action_match_statement_line()["context"]
        return Form(batch.env["sepa.statement.match.wizard"].with_context(**context))

    def _rows(self, wizard):
        return [
            (row.kind, row.debit_line_ids.invoice_id, row.amount, row.statement_line_id)
            for row in wizard.line_ids
        ]

    def _invoices(self):
        return self.first + self.recurring + self.second

    def test_each_payment_block_is_matched_with_its_own_credit(self):
        batch = self._collect()
        root, ns = parse(batch.attachment_id.raw)
        # FRST and RCUR on 16 March, FRST on 20 March: three blocks in the file.
        self.assertEqual(
            [
                block.findtext("p:CtrlSum", namespaces=ns)
                for block in root.iterfind(".//p:PmtInf", ns)
            ],
            ["100.00", "30.00", "50.50"],
        )
        first_block = self._statement_line(100.0, label="SEPA SAMMLER 1")
        rcur_block = self._statement_line(30.0, label="SEPA SAMMLER 2")
        late_block = self._statement_line(50.5, label="SEPA SAMMLER 3")
        wizard = self._wizard(batch).save()
        self.assertEqual(
            self._rows(wizard),
            [
                ("credit", self.first, 100.0, first_block),
                ("credit", self.recurring, 30.0, rcur_block),
                ("credit", self.second, 50.5, late_block),
            ],
        )
        self.assertFalse(wizard.statement_line_id)
        wizard.action_confirm()
        self.assertEqual(batch.state, "reconciled")
        self.assertEqual(self._invoices().mapped("payment_state"), ["paid"] * 3)
        self.assertEqual(
            self._line_of(batch, self.recurring).statement_line_id, rcur_block
        )
        for st_line, amount in ((first_block, 100.0), (rcur_block, 30.0)):
            self.assertTrue(st_line.is_reconciled)
            self.assertEqual(self._matched_amount(st_line), amount)

    def test_a_block_credited_later_keeps_the_batch_waiting(self):
        batch = self._collect()
        self._statement_line(100.0, label="SEPA SAMMLER 1")
        self._statement_line(30.0, label="SEPA SAMMLER 2")
        self._wizard(batch).save().action_confirm()
        self.assertEqual(batch.state, "sent")
        self.assertEqual(
            self._invoices().mapped("payment_state"), ["paid", "paid", "not_paid"]
        )
        late_block = self._statement_line(50.5, label="SEPA SAMMLER 3")
        wizard = self._wizard(batch).save()
        self.assertEqual(
            self._rows(wizard), [("credit", self.second, 50.5, late_block)]
        )
        wizard.action_confirm()
        self.assertEqual(batch.state, "reconciled")
        self.assertEqual(self.second.payment_state, "paid")

    def test_the_whole_file_credited_on_one_line(self):
        batch = self._collect()
        # 100.00 + 30.00 + 50.50 = 180.50 booked at once.
        whole = self._statement_line(180.5, label="SEPA SAMMLER")
        wizard = self._wizard(batch).save()
        self.assertEqual(wizard.amount, 180.5)
        self.assertEqual(wizard.statement_line_id, whole)
        wizard.action_confirm()
        self.assertEqual(batch.state, "reconciled")
        self.assertEqual(batch.statement_line_id, whole)
        self.assertEqual(self._matched_amount(whole), 180.5)
        self.assertEqual(self._invoices().mapped("payment_state"), ["paid"] * 3)

    def test_a_block_matched_with_a_line_of_another_amount_is_refused(self):
        batch = self._collect()
        wrong = self._statement_line(130.0)
        block = self._line_of(batch, self.first)
        with self.assertRefused(UserError, r"130\.00.* the block .*FRST.* 100\.00"):
            batch._match_statement_lines([(block, wrong)])
        self.assertFalse(wrong.is_reconciled)
        self.assertEqual(batch.state, "sent")

    def test_return_after_settlement_keeps_the_credit_and_has_a_line_of_its_own(self):
        batch = self._collect()
        line = self._line_of(batch, self.first)
        fee_account = self.company_data["default_account_expense"]
        # Returned after its collection on 16 March, before the credit is matched:
        # the bank credited the whole block, then debits 100.00 + 3.50 of fee.
        self._return(line, fee_amount=3.5, fee_account_id=fee_account.id)
        first_block = self._statement_line(100.0, label="SEPA SAMMLER 1")
        self._statement_line(30.0, label="SEPA SAMMLER 2")
        self._statement_line(50.5, label="SEPA SAMMLER 3")
        returned = self._statement_line(
            -103.5, label=f"RUECKLASTSCHRIFT {line.end_to_end_id} AM04"
        )
        wizard = self._wizard(batch).save()
        rows = self._rows(wizard)
        self.assertEqual(rows[0], ("credit", self.first, 100.0, first_block))
        self.assertEqual(rows[-1], ("return", self.first, -103.5, returned))
        wizard.action_confirm()
        self.assertEqual(batch.state, "reconciled")
        self.assertTrue(first_block.is_reconciled and returned.is_reconciled)
        self.assertEqual(line.return_statement_line_id, returned)
        self.assertEqual(self.first.payment_state, "not_paid")
        self.assertEqual(self.first.amount_residual, 100.0)
        self.assertEqual(
            (self.recurring + self.second).mapped("payment_state"), ["paid"] * 2
        )
        self.assertEqual(
            line.fee_move_id.line_ids.filtered(
                lambda aml: aml.account_id == fee_account
            ).debit,
            3.5,
        )

    def test_return_booked_after_the_credit_is_matched_on_its_own_line(self):
        self.company.sepa_reconcile_mode = "sent"
        batch = self._collect()
        with freeze_time("2026-03-20"):
            self.env["sepa.debit.batch.line"]._cron_mark_collected()
        self._match(batch, self._statement_line(180.5))
        self.assertEqual(batch.state, "reconciled")
        self.assertEqual(self.first.payment_state, "paid")
        line = self._line_of(batch, self.first)
        self._return(line, "MD06")
        self.assertEqual(self.first.payment_state, "not_paid")
        self.assertEqual(self.first.amount_residual, 100.0)
        returned = self._statement_line(-100.0, label=f"RETOURE {self.first.name}")
        wizard = self._wizard(batch).save()
        self.assertEqual(self._rows(wizard), [("return", self.first, -100.0, returned)])
        wizard.action_confirm()
        self.assertTrue(returned.is_reconciled)
        # The reversal's outstanding line no longer waits for the bank's debit.
        outstanding = line.return_move_id.line_ids.filtered(
            lambda aml: aml.account_id == line.payment_id.outstanding_account_id
        )
        self.assertEqual(outstanding.amount_residual, 0.0)
        self.assertTrue(outstanding.reconciled)
        self.assertEqual(line.return_statement_line_id, returned)
        self.assertEqual(self.first.payment_state, "not_paid")
        self.assertEqual(batch.state, "reconciled")
        with self.assertRefused(UserError, "is reconciled: it cannot be matched"):
            batch.action_match_statement_line()

    def test_reject_of_a_credited_debit_is_refused(self):
        batch = self._collect()
        self._match(batch, self._statement_line(180.5))
        line = self._line_of(batch, self.first)
        with self.assertRefused(UserError, "record a return"):
            self._return(line, day=date(2026, 3, 12), return_type="reject")
        self.assertEqual(line.state, "collected")
