from odoo import api, fields, models
from odoo.tools import SQL

from .mrr_movement import MOVEMENT_TYPES
from .report_table import add_signed_rows, ensure_report_table

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
    _description = "Monthly MRR Movement Totals"
    _order = "month desc, id"
    _rec_name = "month"
    _check_company_auto = True
    _auto = False
    _dimensions = MOVEMENT_DIMENSIONS

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
    def _ensure_table(self):
        """Create the table unless it matches the fields; return whether it was created.

        The movements create it, and fill it when it is new (see ``mrr.movement``).
        """
        dimensions = ", ".join(MOVEMENT_DIMENSIONS)
        return ensure_report_table(
            self,
            [
                "CONSTRAINT mrr_movement_total_key "
                f"UNIQUE NULLS NOT DISTINCT ({dimensions})"
            ],
        )

    @api.model
    def _read_group_orderby(self, order, groupby_terms, query):
        # Movement types in the order of the month bridge, as the movements.
        return super()._read_group_orderby(
            order, self.env["mrr.movement"]._movement_type_order(groupby_terms), query
        )

    @api.model
    def _totals_query(self, condition):
        """SELECT of the totals of the stored movements ``condition`` (on ``m``) keeps."""
        dimensions = SQL(", ").join(
            SQL.identifier("m", name) for name in MOVEMENT_DIMENSIONS
        )
        return SQL(
            """
            SELECT %(dimensions)s, COUNT(*) AS line_count, SUM(m.amount) AS amount
              FROM mrr_movement m
             WHERE %(condition)s
             GROUP BY %(dimensions)s
            """,
            dimensions=dimensions,
            condition=condition,
        )

    @api.model
    def _companies_condition(self, companies):
        return SQL("m.company_id = ANY(%s::int[])", companies.ids)

    @api.model
    def _rebuild(self, companies):
        """Replace the totals of ``companies`` by those of their stored movements."""
        self.env.cr.execute(
            SQL(
                "DELETE FROM mrr_movement_total WHERE company_id = ANY(%s::int[])",
                companies.ids,
            )
        )
        self._apply(
            self._totals_query(self._companies_condition(companies)), 1, companies
        )

    @api.model
    def _apply_customers(self, customers, sign):
        """Add (``sign`` 1) or take away (-1) the stored movements of ``customers``,
        (company id, partner id) pairs: taken away before they are replaced, added
        again after."""
        companies = self.env["res.company"].browse(
            sorted({company for company, _p in customers})
        )
        condition = self.env["mrr.snapshot"]._customers_condition("m", customers)
        self._apply(self._totals_query(condition), sign, companies)

    def _apply(self, changes, sign, companies):
        add_signed_rows(
            self,
            "mrr_movement_total_key",
            MOVEMENT_DIMENSIONS,
            MOVEMENT_MEASURES,
            changes,
            sign,
            companies,
        )
