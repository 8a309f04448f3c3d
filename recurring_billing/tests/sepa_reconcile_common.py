from datetime import date

from freezegun import freeze_time

from odoo.tests import Form

from .sepa_common import SepaCommon


class SepaReconcileCommon(SepaCommon):
    """Two invoices collected by a batch, and the bank statement lines crediting it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.first = cls._invoice(100.0, date(2026, 3, 10))
        cls.second = cls._invoice(50.5, date(2026, 3, 20))

    def _collect(self):
        with freeze_time("2026-03-02"):
            batch = self._batch(date(2026, 3, 31))
            batch.action_select_invoices()
            batch.action_generate()
            batch.action_confirm_sent()
        return batch

    def _statement_line(self, amount, journal=None, label="SEPA DD collection"):
        return self.env["account.bank.statement.line"].create(
            {
                "journal_id": (journal or self.bank_journal).id,
                "date": date(2026, 3, 20),
                "payment_ref": label,
                "amount": amount,
            }
        )

    def _match(self, batch, st_line=None):
        """Match ``batch`` through the wizard, with ``st_line`` or its proposal."""
        context = batch.action_match_statement_line()["context"]
        with Form(
            batch.env["sepa.statement.match.wizard"].with_context(**context)
        ) as f:
            if st_line:
                f.statement_line_id = st_line
        f.record.action_confirm()

    def _return(self, line, code="AM04", day=date(2026, 3, 23), **values):
        """The bank returns ``line`` on ``day``: a reject before its collection date,
        a return after (by default on Monday 23 March, the fifth business day after
        the collection of the first invoice on 16 March, the last day of a return)."""
        with freeze_time(day):
            self.env["sepa.return.wizard"].create(
                {"line_id": line.id, "reason_code": code, "date_return": day, **values}
            ).action_confirm()

    def _reject(self, line, code="AM04"):
        """The bank rejects ``line`` before its collection date (16 March)."""
        self._return(line, code, day=date(2026, 3, 12))

    def _line_of(self, batch, invoice):
        return batch.line_ids.filtered(lambda li: li.invoice_id == invoice)

    def _matched_amount(self, st_line):
        counterpart = st_line.move_id.line_ids - st_line._seek_for_lines()[0]
        return sum(counterpart.matched_debit_ids.mapped("amount"))
