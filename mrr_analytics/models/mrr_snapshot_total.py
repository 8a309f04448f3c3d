from odoo import api, fields, models
from odoo.tools import SQL

from ..engine.stocks import CLOSING
from .report_table import column_list

# The snapshot fields a total is kept per, and the only ones a grouping or a filter may
# use for the snapshots to be read from their totals.
TOTAL_DIMENSIONS = (
    "month",
    "company_id",
    "plan_id",
    "product_id",
    "user_id",
    "country_id",
    "currency_id",
    "subscription_currency_id",
)
TOTAL_MEASURES = ("line_count", "mrr", "arr", "customer_count")


class MrrSnapshotTotal(models.Model):
    _name = "mrr.snapshot.total"
    _inherit = ["mrr.kept.totals", "mrr.stock.report"]
    _description = "Monthly MRR Totals"
    _order = "month desc, id"
    _rec_name = "month"
    _check_company_auto = True
    _auto = False
    _mrr_stocks = {"mrr": CLOSING, "arr": CLOSING, "customer_count": CLOSING}
    _totals_key = TOTAL_DIMENSIONS
    _totals_measures = TOTAL_MEASURES

    month = fields.Date(required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    plan_id = fields.Many2one("recurring.plan", readonly=True, check_company=True)
    product_id = fields.Many2one("product.product", readonly=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    currency_id = fields.Many2one(
        "res.currency", "Company Currency", required=True, readonly=True
    )
    subscription_currency_id = fields.Many2one("res.currency", readonly=True)
    line_count = fields.Integer(
        "Snapshot Lines", readonly=True, help="Number of snapshot rows in the total."
    )
    mrr = fields.Monetary("MRR", readonly=True, currency_field="currency_id")
    arr = fields.Monetary("ARR", readonly=True, currency_field="currency_id")
    customer_count = fields.Integer("Customers", readonly=True)

    @api.model
    def _totals_query(self, snapshots):
        """SELECT of the totals of the snapshot rows that ``snapshots`` selects."""
        dimensions = column_list("%(name)s", TOTAL_DIMENSIONS)
        return SQL(
            """
            SELECT %(dimensions)s, COUNT(*) AS line_count, SUM(mrr) AS mrr,
                   SUM(arr) AS arr, SUM(customer_count) AS customer_count
              FROM (%(snapshots)s) AS snapshot
             GROUP BY %(dimensions)s
            """,
            dimensions=dimensions,
            snapshots=snapshots,
        )

    @api.model
    def _rows_query(self, companies, customers=None):
        """SELECT of the totals of the stored snapshots of ``companies``, of
        ``customers`` only when given."""
        condition = self._rows_scope("s", companies, customers)
        return self._totals_query(
            SQL("SELECT s.* FROM mrr_snapshot s WHERE %s", condition)
        )

    @api.model
    def _apply_changes(self, ctes, changes, companies):
        """Move the totals of ``companies`` by the snapshot rows written and removed.

        ``changes`` selects, per snapshot row written or removed, its dimensions, its
        measures and its ``sign`` (1 or -1); it may read the common table expressions
        ``ctes``, which run in the same statement (such as the DELETE and INSERT of
        those rows). Totals of no row left are removed. Totals are updated in the
        order of their key, so that concurrent updates wait for each other instead of
        deadlocking.
        """
        dimensions = column_list("%(name)s", TOTAL_DIMENSIONS)
        measures = column_list("%(name)s", TOTAL_MEASURES)
        self.env.cr.execute(
            SQL(
                """
                WITH %(ctes)s, delta AS (
                    SELECT %(dimensions)s,
                           SUM(sign) AS line_count, SUM(sign * mrr) AS mrr,
                           SUM(sign * arr) AS arr,
                           SUM(sign * customer_count) AS customer_count
                      FROM (%(changes)s) AS change
                     GROUP BY %(dimensions)s
                    HAVING SUM(sign) <> 0 OR SUM(sign * mrr) <> 0
                        OR SUM(sign * arr) <> 0 OR SUM(sign * customer_count) <> 0
                )
                INSERT INTO mrr_snapshot_total AS total (%(dimensions)s, %(measures)s)
                SELECT %(dimensions)s, %(measures)s
                  FROM delta
                 ORDER BY %(dimensions)s
                    ON CONFLICT ON CONSTRAINT mrr_snapshot_total_key DO UPDATE
                   SET line_count = total.line_count + EXCLUDED.line_count,
                       mrr = total.mrr + EXCLUDED.mrr,
                       arr = total.arr + EXCLUDED.arr,
                       customer_count = total.customer_count + EXCLUDED.customer_count
                """,
                dimensions=dimensions,
                measures=measures,
                ctes=ctes,
                changes=changes,
            )
        )
        self.env.cr.execute(
            SQL(
                """
                DELETE FROM mrr_snapshot_total
                 WHERE line_count = 0 AND company_id = ANY(%s::int[])
                """,
                companies.ids,
            )
        )
        self.invalidate_model()
