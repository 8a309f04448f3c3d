from odoo import api, models
from odoo.tools import SQL

from .report_table import add_signed_rows, ensure_report_table


class MrrKeptTotals(models.AbstractModel):
    """Totals kept of report rows: rebuilt with them, moved by the customers a change
    replays (taken away before their rows are replaced, added again after)."""

    _name = "mrr.kept.totals"
    _description = "MRR Totals Kept with Their Rows"

    # The columns a total is kept per (its unique key, an empty value equal to
    # another), the columns that only label it, and the measures that add up.
    _totals_key = ()
    _totals_labels = ()
    _totals_measures = ()

    @api.model
    def _ensure_table(self):
        """Create the table unless it matches the fields; return whether it was created.

        The model whose rows the totals are kept of creates it, and fills it when it
        is new.
        """
        key = ", ".join(self._totals_key)
        return ensure_report_table(
            self, [f"CONSTRAINT {self._table}_key UNIQUE NULLS NOT DISTINCT ({key})"]
        )

    @api.model
    def _rows_query(self, companies, customers=None):
        """SELECT of the totals of the stored rows of ``companies``, of ``customers``
        only ((company id, partner id) pairs) when given: the columns of the key, the
        labels and the measures."""
        raise NotImplementedError

    @api.model
    def _rows_scope(self, alias, companies, customers=None):
        """WHERE condition: the row of table ``alias`` is of ``customers`` when given,
        else of ``companies``."""
        if customers:
            return self.env["mrr.snapshot"]._customers_condition(alias, customers)
        return SQL(
            "%s = ANY(%s::int[])", SQL.identifier(alias, "company_id"), companies.ids
        )

    @api.model
    def _rebuild(self, companies):
        """Replace the totals of ``companies`` by those of their stored rows."""
        self.env.cr.execute(
            SQL(
                "DELETE FROM %s WHERE company_id = ANY(%s::int[])",
                SQL.identifier(self._table),
                companies.ids,
            )
        )
        self._add_rows(self._rows_query(companies), 1, companies)

    @api.model
    def _apply_customers(self, customers, sign):
        """Add (``sign`` 1) or take away (-1) the totals of the stored rows of
        ``customers``, (company id, partner id) pairs."""
        companies = self.env["res.company"].browse(
            sorted({company for company, _p in customers})
        )
        self._add_rows(self._rows_query(companies, customers), sign, companies)

    def _add_rows(self, changes, sign, companies):
        """Add ``sign`` × the rows ``changes`` selects; remove the rows left at 0."""
        add_signed_rows(
            self,
            f"{self._table}_key",
            self._totals_key + self._totals_labels,
            self._totals_measures,
            changes,
            sign,
            companies,
        )
