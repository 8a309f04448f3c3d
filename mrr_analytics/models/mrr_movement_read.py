"""Reading the movements: grouped reads for the pivots and graphs."""

from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools import SQL

from .mrr_movement import MOVEMENT_TYPES


class MrrMovement(models.Model):
    _inherit = "mrr.movement"

    @api.model
    @api.readonly
    def read_group(
        self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True
    ):
        # Read-only, as the method it overrides: with a read replica
        # (--db_replica_host), the pivots and graphs of the reports are read there.
        # A graph by month asks for the months without movements to be filled: fill
        # the whole range of the search (up to this month when it has no end), not
        # only the months between the first and the last movement.
        fill = self.env.context.get("fill_temporal")
        specs = [groupby] if isinstance(groupby, str) else list(groupby)
        if fill and specs and specs[0].split(":")[0] in ("date", "month"):
            fill = dict(fill) if isinstance(fill, dict) else {}
            date_from, date_to = self._date_bounds(domain)
            fill.setdefault("fill_from", date_from)
            fill.setdefault("fill_to", date_to)
            self = self.with_context(fill_temporal=fill)
        return super().read_group(
            domain,
            fields,
            groupby,
            offset=offset,
            limit=limit,
            orderby=orderby,
            lazy=lazy,
        )

    @api.model
    def _read_group_orderby(self, order, groupby_terms, query):
        return super()._read_group_orderby(
            order, self._movement_type_order(groupby_terms), query
        )

    @api.model
    def _movement_type_order(self, groupby_terms):
        """``groupby_terms`` with the movement types sorted in the order of the
        selection (the month bridge), not of their keys: the pivot's columns and the
        graph's series follow it, read from the movements or their totals."""
        if "movement_type" not in groupby_terms:
            return groupby_terms
        return dict(
            groupby_terms,
            movement_type=SQL(
                "array_position(%s::varchar[], %s::varchar)",
                [key for key, _label in MOVEMENT_TYPES],
                groupby_terms["movement_type"],
            ),
        )

    @api.model
    def _date_bounds(self, domain):
        """The first and last day a search domain allows for the movements' dates.

        No first day is False; no last day is today.
        """
        lowers, uppers = [], []
        for leaf in expression.normalize_domain(domain or []):
            if not expression.is_leaf(leaf) or leaf[0] not in ("date", "month"):
                continue
            name, operator, value = leaf
            if not value:
                continue
            day = fields.Date.to_date(value)
            if operator in (">=", ">"):
                lowers.append(day)
            elif operator in ("<=", "<"):
                uppers.append(day)
        return (
            min(lowers) if lowers else False,
            max(uppers) if uppers else fields.Date.context_today(self),
        )

    @api.model
    def _read_group_fill_temporal(self, data, groupby, annoted_aggregates, **fill):
        filled = super()._read_group_fill_temporal(
            data, groupby, annoted_aggregates, **fill
        )
        if len(groupby) < 2:
            return filled
        # A filled month has no value for the second grouping (the movement type):
        # give it a zero of each value shown, so that no blank series appears.
        second = groupby[1]
        values = list(dict.fromkeys(row[second] for row in data if row[second]))
        existing = {id(row) for row in data}
        result = []
        for row in filled:
            if id(row) in existing or not values:
                result.append(row)
            else:
                result.extend(dict(row, **{second: value}) for value in values)
        return result
