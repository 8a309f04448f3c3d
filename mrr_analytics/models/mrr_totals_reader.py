from odoo import api, models

from .report_table import read_from_totals


class MrrTotalsReader(models.AbstractModel):
    """Report rows whose grouped reads are answered from their kept totals when the
    totals can (see ``report_table.read_from_totals``)."""

    _name = "mrr.totals.reader"
    _description = "MRR Report Read from Its Totals"

    # The model of the totals kept of the rows (an ``mrr.kept.totals``), and the
    # aggregate of the totals each aggregate of the rows is read as.
    _totals_model = None
    _totals_aggregates = {}

    @api.model
    def _read_group(self, domain, groupby=(), aggregates=(), **options):
        # Pivots and graphs group every customer's rows by month and dimension: the
        # totals kept per month and dimension give the same groups from a few rows
        # instead of all of them.
        groups = read_from_totals(self, domain, groupby, aggregates, **options)
        if groups is None:
            groups = super()._read_group(domain, groupby, aggregates, **options)
        return groups
