from odoo import api, fields, models
from odoo.tools import SQL

from ..engine.stocks import CLOSING
from .mrr_snapshot_total import TOTAL_DIMENSIONS, TOTAL_MEASURES
from .report_table import (
    column_list,
    ensure_report_table,
    rebuild_settings,
    rows_differing,
)

SNAPSHOT_COLUMNS = (
    "month",
    "company_id",
    "partner_id",
    "subscription_id",
    "product_id",
    "plan_id",
    "user_id",
    "country_id",
    "currency_id",
    "subscription_currency_id",
    "mrr",
    "arr",
    "customer_count",
)
# How the aggregates of a grouped read of snapshots are read from their totals.
TOTAL_AGGREGATES = {
    "__count": "line_count:sum",
    "mrr:sum": "mrr:sum",
    "arr:sum": "arr:sum",
    "customer_count:sum": "customer_count:sum",
}


class MrrSnapshot(models.Model):
    _name = "mrr.snapshot"
    _inherit = ["mrr.totals.reader", "mrr.stock.report"]
    _description = "Monthly MRR Snapshot"
    _order = "month desc, id"
    _rec_name = "subscription_id"
    _check_company_auto = True
    _auto = False
    _mrr_stocks = {"mrr": CLOSING, "arr": CLOSING, "customer_count": CLOSING}
    _totals_model = "mrr.snapshot.total"
    _totals_aggregates = TOTAL_AGGREGATES

    month = fields.Date(
        required=True,
        readonly=True,
        index=True,
        help="First day of the month; the MRR is the one at the end of that month.",
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner",
        "Customer",
        required=True,
        readonly=True,
        index=True,
    )
    subscription_id = fields.Many2one(
        "recurring.subscription",
        required=True,
        readonly=True,
        index=True,
        check_company=True,
    )
    product_id = fields.Many2one("product.product", readonly=True)
    plan_id = fields.Many2one("recurring.plan", readonly=True, check_company=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    currency_id = fields.Many2one(
        "res.currency", "Company Currency", required=True, readonly=True
    )
    subscription_currency_id = fields.Many2one(
        "res.currency",
        readonly=True,
        help="Currency the subscription is billed in; amounts are in the company "
        "currency at the rate of the day of the change that set them.",
    )
    mrr = fields.Monetary("MRR", readonly=True, currency_field="currency_id")
    arr = fields.Monetary("ARR", readonly=True, currency_field="currency_id")
    customer_count = fields.Integer(
        "Customers",
        readonly=True,
        help="1 on one row of each paying customer and month (its largest MRR line), "
        "so that its sum counts customers.",
    )

    def init(self):
        # The totals are derived from the snapshots: either table new means both are
        # written again.
        created = [
            ensure_report_table(self),
            self.env["mrr.snapshot.total"]._ensure_table(),
        ]
        if any(created):
            self._rebuild(self.env["res.company"].search([]))

    def _insert_sql(self, query):
        columns = column_list("%(name)s", SNAPSHOT_COLUMNS)
        return SQL(
            """
            INSERT INTO mrr_snapshot (%(columns)s)
            SELECT %(columns)s FROM (%(query)s) AS rebuilt
            """,
            columns=columns,
            query=query,
        )

    @api.model
    def _rebuild(self, companies):
        """Replace the snapshots of ``companies`` and their totals.

        Each table is written by one INSERT … SELECT.
        """
        self.env.flush_all()
        cr = self.env.cr
        with rebuild_settings(cr):
            cr.execute(
                SQL(
                    "DELETE FROM mrr_snapshot WHERE company_id = ANY(%s::int[])",
                    companies.ids,
                )
            )
            cr.execute(self._insert_sql(self._snapshot_query(companies)))
            self.invalidate_model()
            self.env["mrr.snapshot.total"]._rebuild(companies)
            # Fresh statistics of the columns customer refreshes look rows up by, so
            # that they use the indexes (see ``mrr.movement._rebuild_movements``).
            cr.execute(SQL("ANALYZE mrr_snapshot (company_id, partner_id)"))
            cr.execute(SQL("ANALYZE mrr_snapshot_total"))

    @api.model
    def _compare_with_rebuild(self, companies):
        """Return the tables whose rows of ``companies`` differ from a rebuild's.

        The snapshots, their totals, the movement totals and the cohort changes kept
        up to date change by change are compared with those a full rebuild would
        write: an empty list when they are the same.
        """
        self.env.flush_all()
        rebuilt = self._snapshot_query(companies)
        expected = {
            "mrr_snapshot": (SNAPSHOT_COLUMNS, rebuilt),
            "mrr_snapshot_total": (
                TOTAL_DIMENSIONS + TOTAL_MEASURES,
                self.env["mrr.snapshot.total"]._totals_query(rebuilt),
            ),
        }
        for kept in ("mrr.movement.total", "mrr.cohort.change"):
            Kept = self.env[kept]
            expected[Kept._table] = (
                Kept._totals_key + Kept._totals_labels + Kept._totals_measures,
                Kept._rows_query(companies),
            )
        return [
            table
            for table, (columns, query) in expected.items()
            if any(
                rows_differing(
                    self.env.cr, table, columns, companies.ids, query, limit=1
                )
            )
        ]

    @api.model
    def _refresh_customers(self, starts):
        """Rebuild the snapshots of the customers of ``starts`` (company id, partner id).

        Their whole history is rebuilt, not only the months from the change on: the
        split of past months across lines depends on the subscriptions' current plan
        and lines. A company whose months now reach further than its snapshots is
        rebuilt whole, so that every customer gets the new months.
        """
        if not starts:
            return
        self.env.flush_all()
        companies = self.env["res.company"].browse({company for company, _p in starts})
        today_month = fields.Date.context_today(self).replace(day=1)
        self.env.cr.execute(
            SQL(
                """
                SELECT company.id
                  FROM res_company company
                 WHERE company.id = ANY(%(company_ids)s::int[])
                   AND GREATEST(
                           date_trunc('month', (
                               SELECT MAX(e.date) FROM recurring_subscription_event e
                                WHERE e.company_id = company.id
                           )),
                           %(today_month)s
                       ) > COALESCE((
                           SELECT MAX(s.month) FROM mrr_snapshot s
                            WHERE s.company_id = company.id
                       ), '-infinity')
                """,
                company_ids=companies.ids,
                today_month=today_month,
            )
        )
        stale = companies.browse([row[0] for row in self.env.cr.fetchall()])
        if stale:
            self._rebuild(stale)
        pairs = [key for key in starts if key[0] not in stale.ids]
        if not pairs:
            return
        kept = companies - stale
        dimensions = column_list("%(name)s", TOTAL_DIMENSIONS)
        # The rows removed and written, in one statement, are what the totals move by.
        self.env["mrr.snapshot.total"]._apply_changes(
            SQL(
                """
                removed AS (
                    DELETE FROM mrr_snapshot s WHERE %(customers)s RETURNING s.*
                ), written AS (%(insert)s RETURNING *)
                """,
                customers=self._customers_condition("s", pairs),
                insert=self._insert_sql(self._snapshot_query(kept, customers=pairs)),
            ),
            SQL(
                """
                SELECT %(dimensions)s, -1 AS sign, mrr, arr, customer_count
                  FROM removed
                 UNION ALL
                SELECT %(dimensions)s, 1, mrr, arr, customer_count FROM written
                """,
                dimensions=dimensions,
            ),
            kept,
        )
        self.invalidate_model()
