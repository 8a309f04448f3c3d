from odoo import api, fields, models
from odoo.tools import SQL

from .report_table import column_list

# The measures of a cohort at a month end, kept as their change in each month.
COHORT_CHANGE_MEASURES = (
    "customers",
    "mrr",
    "customers_lost_voluntary",
    "customers_lost_involuntary",
    "mrr_lost_voluntary",
    "mrr_lost_involuntary",
)
# What moved in the month itself, summed by the metrics of the month, never over
# months: the movements by type, and the customers paying at the start of the month
# who stopped paying (churned), the MRR at the end of those who started paying (won)
# and the MRR lost by those who pay less at the end than at the start (shrunk).
MONTH_FLOWS = (
    "new",
    "expansion",
    "reactivation",
    "contraction",
    "churn",
    "churn_involuntary",
    "customers_churned",
    "mrr_won",
    "mrr_shrunk",
)
COHORT_CHANGE_KEY = ("company_id", "cohort_month", "month")


class MrrCohortChange(models.Model):
    _name = "mrr.cohort.change"
    _inherit = "mrr.kept.totals"
    _description = "MRR Cohort Changes"
    _order = "cohort_month desc, month"
    _rec_name = "cohort_month"
    _check_company_auto = True
    _auto = False
    _totals_key = COHORT_CHANGE_KEY
    _totals_labels = ("currency_id",)
    _totals_measures = COHORT_CHANGE_MEASURES + MONTH_FLOWS

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
    new = fields.Monetary(readonly=True, help="New MRR of the month.")
    expansion = fields.Monetary(readonly=True, help="Expansion of the month.")
    reactivation = fields.Monetary(readonly=True, help="Reactivation of the month.")
    contraction = fields.Monetary(
        readonly=True, help="Contraction of the month, positive."
    )
    churn = fields.Monetary(readonly=True, help="Churn of the month, positive.")
    churn_involuntary = fields.Monetary(
        "Involuntary Churn", readonly=True, help="Involuntary churn of the month."
    )
    customers_churned = fields.Integer(
        readonly=True,
        help="Customers paying at the start of the month and not at its end.",
    )
    mrr_won = fields.Monetary(
        "MRR Won",
        readonly=True,
        help="MRR at the end of the month of the customers not paying at its start.",
    )
    mrr_shrunk = fields.Monetary(
        "MRR Shrunk",
        readonly=True,
        help="What the customers paying at the start of the month pay less at its end.",
    )

    @api.model
    def _rows_query(self, companies, customers=None):
        """The changes of ``_changes_query`` in their company's currency."""
        return SQL(
            """
            SELECT change.*, company.currency_id
              FROM (%s) AS change
              JOIN res_company company ON company.id = change.company_id
            """,
            self._changes_query(companies, customers),
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
        lag = column_list(
            "%(name)s - COALESCE(LAG(%(name)s) OVER customer, 0) AS %(name)s",
            COHORT_CHANGE_MEASURES,
            ",\n",
        )
        measures = self._totals_measures
        return SQL(
            """
            WITH moves AS (
                SELECT m.company_id, m.partner_id, m.month, m.movement_type,
                       m.mrr_after, m.amount, m.is_involuntary,
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
                SELECT company_id, cohort_month, month, %(lag)s,
                       COALESCE(LAG(mrr) OVER customer, 0) AS mrr_start,
                       mrr AS mrr_end
                  FROM ends
                WINDOW customer AS (PARTITION BY company_id, partner_id ORDER BY month)
            ), changes AS (
                SELECT company_id, cohort_month, month, %(stocks)s,
                       0 AS new, 0 AS expansion, 0 AS reactivation,
                       0 AS contraction, 0 AS churn, 0 AS churn_involuntary,
                       CASE WHEN mrr_start > 0 AND mrr_end = 0 THEN 1 ELSE 0 END
                           AS customers_churned,
                       CASE WHEN mrr_start = 0 THEN mrr_end ELSE 0 END AS mrr_won,
                       CASE WHEN mrr_start > mrr_end THEN mrr_start - mrr_end ELSE 0 END
                           AS mrr_shrunk
                  FROM steps
                 UNION ALL
                SELECT company_id, cohort_month, month, %(no_stocks)s,
                       CASE WHEN movement_type = 'new' THEN amount ELSE 0 END,
                       CASE WHEN movement_type = 'expansion' THEN amount ELSE 0 END,
                       CASE WHEN movement_type = 'reactivation' THEN amount ELSE 0 END,
                       CASE WHEN movement_type = 'contraction' THEN -amount ELSE 0 END,
                       CASE WHEN movement_type = 'churn' THEN -amount ELSE 0 END,
                       CASE WHEN movement_type = 'churn' AND is_involuntary
                            THEN -amount ELSE 0 END,
                       0, 0, 0
                  FROM moves
            )
            SELECT company_id, cohort_month, month, %(sums)s
              FROM changes
             GROUP BY company_id, cohort_month, month
            HAVING %(any_change)s
            """,
            company_ids=companies.ids,
            scope=scope,
            lag=lag,
            stocks=column_list("%(name)s", COHORT_CHANGE_MEASURES),
            no_stocks=column_list("0", COHORT_CHANGE_MEASURES),
            sums=column_list("SUM(%(name)s) AS %(name)s", measures),
            any_change=column_list("SUM(%(name)s) <> 0", measures, " OR "),
        )
