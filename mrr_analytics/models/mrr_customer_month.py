from odoo import api, fields, models
from odoo.tools import SQL

from .report_table import ensure_report_table

CUSTOMER_MONTH_COLUMNS = (
    "company_id",
    "partner_id",
    "month",
    "currency_id",
    "cohort_month",
    "mrr",
    "mrr_start",
)


class MrrCustomerMonth(models.Model):
    _name = "mrr.customer.month"
    _description = "Monthly MRR per Customer"
    _order = "month desc, partner_id"
    _rec_name = "partner_id"
    _check_company_auto = True
    _auto = False

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, readonly=True, index=True
    )
    month = fields.Date(required=True, readonly=True, help="First day of the month.")
    currency_id = fields.Many2one(
        "res.currency", "Company Currency", required=True, readonly=True
    )
    cohort_month = fields.Date(
        readonly=True, help="Month of the customer's first paid MRR."
    )
    mrr = fields.Monetary(
        "MRR", readonly=True, help="The customer's MRR at the end of the month."
    )
    mrr_start = fields.Monetary(
        "MRR Start",
        readonly=True,
        help="The customer's MRR at the end of the previous month.",
    )

    @api.model
    def _ensure_table(self):
        """Create the table unless it matches the fields; return whether it was created.

        The snapshots create it, and fill it when it is new (see ``mrr.snapshot``).
        """
        # No unique key: a rebuild writes each customer month once, and a unique index
        # would check every row against those the rebuild has just deleted.
        return ensure_report_table(self)

    @api.model
    def _customer_months_query(self, snapshots, companies):
        """SELECT of the customer months of the snapshot rows ``snapshots`` selects.

        A customer has a row for each month it ends with MRR, and for the month after
        it, up to the last month of the snapshots of its company, so that the month it
        stops paying is there with an MRR of 0: the metrics and cohorts read MRR at the
        start and at the end of a month from one row. The cohort month is read from the
        movements, which are written before the snapshots.
        """
        return SQL(
            """
            WITH ends AS (
                SELECT company_id, partner_id, month, currency_id, SUM(mrr) AS mrr
                  FROM (%(snapshots)s) AS snapshot
                 GROUP BY company_id, partner_id, month, currency_id
            ), firsts AS (
                SELECT m.company_id, m.partner_id,
                       date_trunc('month', MIN(m.date))::date AS cohort_month
                  FROM mrr_movement m
                 WHERE m.mrr_after > 0
                   AND (m.company_id, m.partner_id) IN (
                       SELECT company_id, partner_id FROM ends
                   )
                 GROUP BY m.company_id, m.partner_id
            ), bounds AS MATERIALIZED (%(bounds)s), chained AS (
                SELECT e.*, b.last_month, f.cohort_month,
                       LAG(e.month) OVER customer AS month_before,
                       LAG(e.mrr) OVER customer AS mrr_before,
                       LEAD(e.month) OVER customer AS month_after
                  FROM ends e
                  JOIN bounds b ON b.company_id = e.company_id
                  LEFT JOIN firsts f
                    ON f.company_id = e.company_id AND f.partner_id = e.partner_id
                WINDOW customer AS (PARTITION BY e.company_id, e.partner_id ORDER BY e.month)
            )
            SELECT company_id, partner_id, month, currency_id, cohort_month, mrr,
                   CASE
                       WHEN month_before = (month - interval '1 month')::date
                           THEN mrr_before
                       ELSE 0
                   END AS mrr_start
              FROM chained
             UNION ALL
            SELECT company_id, partner_id, (month + interval '1 month')::date,
                   currency_id, cohort_month, 0, mrr
              FROM chained
             WHERE (month + interval '1 month')::date <= last_month
               AND (month_after IS NULL
                    OR month_after > (month + interval '1 month')::date)
            """,
            snapshots=snapshots,
            bounds=self.env["mrr.snapshot"]._last_months_query(companies),
        )

    @api.model
    def _rebuild(self, companies):
        """Replace the customer months of ``companies`` by those of their snapshots."""
        cr = self.env.cr
        cr.execute(
            SQL(
                "DELETE FROM mrr_customer_month WHERE company_id = ANY(%s::int[])",
                companies.ids,
            )
        )
        self._insert(
            SQL(
                "SELECT * FROM mrr_snapshot WHERE company_id = ANY(%s::int[])",
                companies.ids,
            ),
            companies,
        )

    @api.model
    def _refresh_customers(self, pairs, companies):
        """Rebuild the rows of the (company id, partner id) ``pairs`` from their snapshots."""
        condition = self.env["mrr.snapshot"]._customers_condition
        self.env.cr.execute(
            SQL("DELETE FROM mrr_customer_month c WHERE %s", condition("c", pairs))
        )
        self._insert(
            SQL("SELECT s.* FROM mrr_snapshot s WHERE %s", condition("s", pairs)),
            companies,
        )

    def _insert(self, snapshots, companies):
        columns = SQL(", ").join(
            SQL.identifier(name) for name in CUSTOMER_MONTH_COLUMNS
        )
        self.env.cr.execute(
            SQL(
                "INSERT INTO mrr_customer_month (%s) %s",
                columns,
                self._customer_months_query(snapshots, companies),
            )
        )
        self.invalidate_model()
