from odoo import api, models

from ..engine.stocks import stock_values

MONTHLY_GRANULARITIES = ("day", "week", "month")


def _spans_months(groupby):
    """Whether a group of ``groupby`` may hold several months of the ``month`` field."""
    for spec in groupby:
        name, _sep, granularity = spec.partition(":")
        if name == "month" and (granularity or "month") in MONTHLY_GRANULARITIES:
            return False
    return True


class MrrStockReport(models.AbstractModel):
    _name = "mrr.stock.report"
    _description = "Monthly Report with Stock Measures"

    # The stock fields of the report and their kind, closing or opening (see
    # engine/stocks.py); the other measures add up over months.
    _mrr_stocks = {}

    @api.model
    def _read_group(
        self,
        domain,
        groupby=(),
        aggregates=(),
        having=(),
        offset=0,
        limit=None,
        order=None,
    ):
        """Read each group's stock measures at one month, never as a sum of months.

        Groups of one month are read as they are. Otherwise the stock aggregates of
        each group are read month by month and the group shows those of the last (or
        first) month of its period, so that the total of a 12-month range is the stock
        of its last month, not the sum of twelve; a group with no row in that month
        shows 0 for a sum (nothing left) and nothing for an average. The measures
        read so are those ``_stock_specs`` names, valued by ``_stock_group_values``.
        """
        read_group = super()._read_group
        stock_specs = [] if having else self._stock_specs(groupby, aggregates)
        if not stock_specs:
            return read_group(
                domain,
                groupby,
                aggregates,
                having=having,
                offset=offset,
                limit=limit,
                order=order,
            )
        groupby = list(groupby)
        width = len(groupby)
        values = self._stock_group_values(domain, groupby, stock_specs, read_group)
        terms = [term.strip() for term in (order or "").split(",") if term.strip()]
        stock_terms = [term for term in terms if term.split(" ")[0] in stock_specs]
        other_specs = [spec for spec in aggregates if spec not in stock_specs]
        rows = read_group(
            domain,
            groupby,
            other_specs,
            offset=0 if stock_terms else offset,
            limit=None if stock_terms else limit,
            order=",".join(term for term in terms if term not in stock_terms) or None,
        )
        result = []
        for row in rows:
            key = row[:width]
            others = iter(row[width:])
            stock = dict(zip(stock_specs, values.get(key, ()), strict=False))
            result.append(
                key
                + tuple(
                    _empty(spec, stock.get(spec))
                    if spec in stock_specs
                    else next(others)
                    for spec in aggregates
                )
            )
        if stock_terms:
            for term in reversed(stock_terms):
                spec, _sep, direction = term.partition(" ")
                position = width + aggregates.index(spec)
                result.sort(
                    key=lambda row, p=position: (row[p] is None, row[p] or 0),
                    reverse=direction.strip().lower() == "desc",
                )
            result = result[offset : offset + limit if limit else None]
        return result

    @api.model
    def _stock_specs(self, groupby, aggregates):
        """The aggregates of ``aggregates`` that ``_stock_group_values`` reads: the
        stock measures, when a group of ``groupby`` may span several months."""
        if not _spans_months(groupby):
            return []
        return [spec for spec in aggregates if spec.split(":")[0] in self._mrr_stocks]

    @api.model
    def _stock_group_values(self, domain, groupby, stock_specs, read_group):
        """{group key: values of ``stock_specs``}: each group's stocks at the last
        (or first) month of its period (engine/stocks.py). ``read_group`` reads
        groups as plain sums."""
        width = len(groupby)
        periods = [
            index for index, spec in enumerate(groupby) if spec.startswith("month")
        ]
        monthly = read_group(domain, groupby + ["month:month"], stock_specs)
        return stock_values(
            (
                (
                    row[:width],
                    tuple(row[index] for index in periods) or None,
                    row[width],
                    row[width + 1 :],
                )
                for row in monthly
            ),
            [self._mrr_stocks[spec.split(":")[0]] for spec in stock_specs],
        )


def _empty(spec, value):
    if value is None and spec.endswith(":sum"):
        return 0
    return value
