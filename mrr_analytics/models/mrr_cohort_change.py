from odoo import api, fields, models
from odoo.tools import SQL

from .report_table import ensure_report_table

# The measures of a cohort at a month end, kept as their change in each month.
COHORT_CHANGE_MEASURES = (
    "customers",
    "mrr",
    "customers_lost_voluntary",
    "customers_lost_involuntary",
    "mrr_lost_voluntary",
    "mrr_lost_involuntary",
)
COHORT_CHANGE_KEY = ("company_id", "cohort_month", "month")


class MrrCohortChange(models.Model):
    _name = "mrr.cohort.change"
    _description = "MRR Cohort Changes"
    _order = "cohort_month desc, month"
    _rec_name = "cohort_month"
    _check_company_auto = True
    _auto = False

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(
        "res.currency", "Company Currency", required=True, readonly=True
    )
    cohort_month = fields.Date(
        required=True, readonly=True, help="Month of the customers' first paid MRR."
    )
    month = fields.Date(required=True, readonly=True, help="First day of the month.")
    customers = fields.Integer(
        "Retained Customers", readonly=True, help="Change in the month."
    )
    mrr = fields.Monetary("MRR", readonly=True, help="Change in the month.")
    customers_lost_voluntary = fields.Integer(
        "Customers Lost Voluntarily", readonly=True, help="Change in the month."
    )
    customers_lost_involuntary = fields.Integer(
        "Customers Lost Involuntarily", readonly=True, help="Change in the month."
    )
    mrr_lost_voluntary = fields.Monetary(
        "MRR Lost Voluntarily", readonly=True, help="Change in the month."
    )
    mrr_lost_involuntary = fields.Monetary(
        "MRR Lost Involuntarily", readonly=True, help="Change in the month."
    )

    @api.model
    def _ensure_table(self):
        """Create the table unless it matches the fields; return whether it was created.

        The movements create it, and fill it when it is new (see ``mrr.movement``).
        """
        return ensure_report_table(
            self,
            [
                "CONSTRAINT mrr_cohort_change_key UNIQUE (%s)"
                % ", ".join(COHORT_CHANGE_KEY)
            ],
        )

    @api.model
    def _changes_query(self, companies, customers=None):
        """SELECT of how each month moved each cohort of ``companies``' customers.

        A customer's state at a month end is the MRR after its last movement of that
        month: retained when above 0, else lost by that movement, a churn, voluntary
        or involuntary (``is_involuntary``), for the MRR it took away. A customer's
        state holds until its next movement; each month where it changes adds the
        new state and takes the previous one away, so that the sum of a cohort's
        changes up to a month is the cohort at that month end (``mrr.cohort``).
        The cohort is the month of the customer's first movement, its first paid MRR.
        ``customers`` limits the rows to those (company id, partner id) pairs.
        """
        scope = (
            SQL(
                "AND (%s)",
                self.env["mrr.snapshot"]._customers_condition("m", customers),
            )
            if customers
            else SQL()
        )
        return SQL(
            """
            WITH moves AS (
                SELECT m.company_id, m.partner_id, m.month, m.mrr_after, m.amount,
                       m.is_involuntary,
                       MIN(m.month) OVER customer AS cohort_month,
                       LEAD(m.month) OVER customer AS month_next
                  FROM mrr_movement m
                 WHERE m.company_id = ANY(%(company_ids)s::int[])
                   %(scope)s
                WINDOW customer AS (
                    PARTITION BY m.company_id, m.partner_id ORDER BY m.date
                )
            ), ends AS (
                SELECT company_id, partner_id, cohort_month, month,
                       CASE WHEN mrr_after > 0 THEN 1 ELSE 0 END AS customers,
                       mrr_after AS mrr,
                       CASE WHEN mrr_after = 0 AND NOT is_involuntary
                            THEN 1 ELSE 0 END AS customers_lost_voluntary,
                       CASE WHEN mrr_after = 0 AND is_involuntary
                            THEN 1 ELSE 0 END AS customers_lost_involuntary,
                       CASE WHEN mrr_after = 0 AND NOT is_involuntary
                            THEN -amount ELSE 0 END AS mrr_lost_voluntary,
                       CASE WHEN mrr_after = 0 AND is_involuntary
                            THEN -amount ELSE 0 END AS mrr_lost_involuntary
                  FROM moves
                 WHERE month_next IS NULL OR month_next > month
            ), steps AS (
                SELECT company_id, cohort_month, month,
                       customers - COALESCE(LAG(customers) OVER customer, 0)
                           AS customers,
                       mrr - COALESCE(LAG(mrr) OVER customer, 0) AS mrr,
                       customers_lost_voluntary
                           - COALESCE(LAG(customers_lost_voluntary) OVER customer, 0)
                           AS customers_lost_voluntary,
                       customers_lost_involuntary
                           - COALESCE(LAG(customers_lost_involuntary) OVER customer, 0)
                           AS customers_lost_involuntary,
                       mrr_lost_voluntary
                           - COALESCE(LAG(mrr_lost_voluntary) OVER customer, 0)
                           AS mrr_lost_voluntary,
                       mrr_lost_involuntary
                           - COALESCE(LAG(mrr_lost_involuntary) OVER customer, 0)
                           AS mrr_lost_involuntary
                  FROM ends
                WINDOW customer AS (PARTITION BY company_id, partner_id ORDER BY month)
            )
            SELECT company_id, cohort_month, month,
                   SUM(customers) AS customers, SUM(mrr) AS mrr,
                   SUM(customers_lost_voluntary) AS customers_lost_voluntary,
                   SUM(customers_lost_involuntary) AS customers_lost_involuntary,
                   SUM(mrr_lost_voluntary) AS mrr_lost_voluntary,
                   SUM(mrr_lost_involuntary) AS mrr_lost_involuntary
              FROM steps
             GROUP BY company_id, cohort_month, month
            HAVING %(any_change)s
            """,
            any_change=SQL(" OR ").join(
                SQL("SUM(%s) <> 0", SQL.identifier(name))
                for name in COHORT_CHANGE_MEASURES
            ),
            company_ids=companies.ids,
            scope=scope,
        )

    @api.model
    def _rebuild(self, companies):
        """Replace the changes of ``companies`` by those of their stored movements."""
        self.env.cr.execute(
            SQL(
                "DELETE FROM mrr_cohort_change WHERE company_id = ANY(%s::int[])",
                companies.ids,
            )
        )
        self._apply(self._changes_query(companies), 1, companies)

    @api.model
    def _apply_customers(self, customers, sign):
        """Add (``sign`` 1) or take away (-1) what the stored movements of
        ``customers``, (company id, partner id) pairs, make of their cohorts.

        The movements of customers being replaced are taken away before, and added
        again after they are written.
        """
        companies = self.env["res.company"].browse(
            sorted({company for company, _p in customers})
        )
        self._apply(self._changes_query(companies, customers), sign, companies)

    def _apply(self, changes, sign, companies):
        """Add ``sign`` × the rows ``changes`` selects; remove the rows left at 0.

        Rows are written in the order of their key, so that concurrent updates wait
        for each other instead of deadlocking.
        """
        key = SQL(", ").join(SQL.identifier(name) for name in COHORT_CHANGE_KEY)
        measures = SQL(", ").join(
            SQL.identifier(name) for name in COHORT_CHANGE_MEASURES
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO mrr_cohort_change AS stored
                       (%(key)s, currency_id, %(measures)s)
                SELECT %(key)s, company.currency_id, %(signed)s
                  FROM (%(changes)s) AS change
                  JOIN res_company company ON company.id = change.company_id
                 ORDER BY %(key)s
                    ON CONFLICT ON CONSTRAINT mrr_cohort_change_key DO UPDATE
                   SET %(added)s
                """,
                key=key,
                measures=measures,
                signed=SQL(", ").join(
                    SQL("%s * change.%s", sign, SQL.identifier(name))
                    for name in COHORT_CHANGE_MEASURES
                ),
                changes=changes,
                added=SQL(", ").join(
                    SQL(
                        "%(name)s = stored.%(name)s + EXCLUDED.%(name)s",
                        name=SQL.identifier(name),
                    )
                    for name in COHORT_CHANGE_MEASURES
                ),
            )
        )
        self.env.cr.execute(
            SQL(
                "DELETE FROM mrr_cohort_change WHERE company_id = ANY(%s::int[]) AND %s",
                companies.ids,
                SQL(" AND ").join(
                    SQL("%s = 0", SQL.identifier(name))
                    for name in COHORT_CHANGE_MEASURES
                ),
            )
        )
        self.invalidate_model()
