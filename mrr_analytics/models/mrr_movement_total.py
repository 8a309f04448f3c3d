from odoo import api, fields, models
from odoo.tools import SQL

from .mrr_movement import MOVEMENT_TYPES
from .report_table import column_list

# The movement fields a total is kept per, and the only ones a grouping or a filter
# may use for the movements to be read from their totals.
MOVEMENT_DIMENSIONS = (
    "company_id",
    "month",
    "movement_type",
    "is_involuntary",
    "plan_id",
    "user_id",
    "country_id",
    "currency_id",
)
MOVEMENT_MEASURES = ("line_count", "amount")


class MrrMovementTotal(models.Model):
    _name = "mrr.movement.total"
    _inherit = "mrr.kept.totals"
    _description = "Monthly MRR Movement Totals"
    _order = "month desc, id"
    _rec_name = "month"
    _check_company_auto = True
    _auto = False
    _totals_key = MOVEMENT_DIMENSIONS
    _totals_measures = MOVEMENT_MEASURES

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    month = fields.Date(required=True, readonly=True)
    movement_type = fields.Selection(
        MOVEMENT_TYPES, "Movement", required=True, readonly=True
    )
    is_involuntary = fields.Boolean("Involuntary", readonly=True)
    plan_id = fields.Many2one("recurring.plan", readonly=True, check_company=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    currency_id = fields.Many2one(
        "res.currency", "Company Currency", required=True, readonly=True
    )
    line_count = fields.Integer(
        "Movements", readonly=True, help="Number of movements in the total."
    )
    amount = fields.Monetary(readonly=True, currency_field="currency_id")

    @api.model
    def _read_group_orderby(self, order, groupby_terms, query):
        # Movement types in the order of the month bridge, as the movements.
        return super()._read_group_orderby(
            order, self.env["mrr.movement"]._movement_type_order(groupby_terms), query
        )

    @api.model
    def _rows_query(self, companies, customers=None):
        """SELECT of the totals of the stored movements of ``companies``, of
        ``customers`` only when given."""
        condition = self._rows_scope("m", companies, customers)
        return SQL(
            """
            SELECT %(dimensions)s, COUNT(*) AS line_count, SUM(m.amount) AS amount
              FROM mrr_movement m
             WHERE %(condition)s
             GROUP BY %(dimensions)s
            """,
            dimensions=column_list("m.%(name)s", MOVEMENT_DIMENSIONS),
            condition=condition,
        )
