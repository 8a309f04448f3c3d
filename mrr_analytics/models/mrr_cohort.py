from odoo import api, fields, models
from odoo.tools import SQL

from ..engine.stocks import cohort_group_values
from .mrr_cohort_change import COHORT_CHANGE_MEASURES
from .mrr_metric import company_months
from .report_table import column_list, replace_view

# The measures of a group of cells, in the order engine/stocks.py values them.
COHORT_MEASURES = (
    "customers",
    "cohort_size",
    "mrr",
    "mrr_first_month",
    "customer_retention",
    "mrr_retention",
    "customers_lost_voluntary",
    "customers_lost_involuntary",
    "mrr_lost_voluntary",
    "mrr_lost_involuntary",
)


class MrrCohort(models.Model):
    _name = "mrr.cohort"
    _inherit = "mrr.stock.report"
    _description = "MRR Cohort Retention"
    _auto = False
    _order = "cohort_month desc, months_since_start"
    _rec_name = "cohort_month"

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", "Company Currency", readonly=True)
    cohort_month = fields.Date(
        readonly=True, help="Month of the customers' first paid MRR."
    )
    month = fields.Date(readonly=True)
    months_since_start = fields.Integer(readonly=True)
    cohort_size = fields.Integer(readonly=True, aggregator="max")
    customers = fields.Integer(
        "Retained Customers",
        readonly=True,
        help="Members of the cohort with MRR > 0 at the end of the month.",
    )
    customer_retention = fields.Float(
        "Retention",
        readonly=True,
        aggregator="avg",
        help="Retained customers / cohort size.",
    )
    mrr = fields.Monetary("MRR", readonly=True)
    mrr_first_month = fields.Monetary(
        "MRR of the First Month", readonly=True, aggregator="max"
    )
    mrr_retention = fields.Float(
        "MRR Retention",
        readonly=True,
        aggregator="avg",
        help="MRR of the cohort / its MRR at the end of its first month.",
    )
    customers_lost_voluntary = fields.Integer(
        "Customers Lost Voluntarily",
        readonly=True,
        help="Members of the cohort with no MRR at the end of the month whose last "
        "churn was their choice (a cancellation).",
    )
    customers_lost_involuntary = fields.Integer(
        "Customers Lost Involuntarily",
        readonly=True,
        help="Members of the cohort with no MRR at the end of the month whose last "
        "churn they did not choose: a suspension for non-payment or a cancellation "
        "for a reason marked involuntary.",
    )
    mrr_lost_voluntary = fields.Monetary(
        "MRR Lost Voluntarily",
        readonly=True,
        help="MRR taken away by the last churn of the customers lost voluntarily.",
    )
    mrr_lost_involuntary = fields.Monetary(
        "MRR Lost Involuntarily",
        readonly=True,
        help="MRR taken away by the last churn of the customers lost involuntarily.",
    )

    @api.model
    def _stock_specs(self, groupby, aggregates):
        """Every measure of a cohort is read per cohort at one month, whatever the
        grouping: a cell is one cohort in one month, and every other group (a
        cohort's row, a column of several cohorts, the total) is valued by
        ``cohort_group_values``."""
        return [spec for spec in aggregates if spec.split(":")[0] in COHORT_MEASURES]

    @api.model
    def _stock_group_values(self, domain, groupby, stock_specs, read_group):
        width = len(groupby)
        cells = read_group(
            domain,
            groupby + ["company_id", "cohort_month:day", "month:day"],
            ["customers:sum", "cohort_size:max", "mrr:sum", "mrr_first_month:max"]
            + [f"{name}:sum" for name in COHORT_MEASURES[6:]],
        )
        values = cohort_group_values(
            (row[:width], row[width : width + 2], row[width + 2], row[width + 3 :])
            for row in cells
        )
        positions = [COHORT_MEASURES.index(spec.split(":")[0]) for spec in stock_specs]
        return {
            key: tuple(group[position] for position in positions)
            for key, group in values.items()
        }

    def init(self):
        # A cell is the sum of its cohort's changes up to its month (see
        # ``mrr.cohort.change``), every month of the company from the cohort's own.
        running = column_list(
            "COALESCE(SUM(ch.%(name)s) OVER cohort, 0) AS %(name)s",
            COHORT_CHANGE_MEASURES,
            ",\n",
        )
        replace_view(
            self,
            SQL(
                """
                    WITH cohorts AS (
                        SELECT DISTINCT company_id, cohort_month
                          FROM mrr_cohort_change
                    ), %(months)s, cells AS (
                        SELECT c.company_id, c.cohort_month, m.month
                          FROM cohorts c
                          JOIN months m
                            ON m.company_id = c.company_id
                           AND m.month >= c.cohort_month
                    ), running AS (
                        SELECT cells.company_id, cells.cohort_month, cells.month,
                               %(running)s
                          FROM cells
                          LEFT JOIN mrr_cohort_change ch
                            ON ch.company_id = cells.company_id
                           AND ch.cohort_month = cells.cohort_month
                           AND ch.month = cells.month
                        WINDOW cohort AS (
                            PARTITION BY cells.company_id, cells.cohort_month
                            ORDER BY cells.month
                        )
                    ), sized AS (
                        SELECT running.*,
                               customers + customers_lost_voluntary
                                   + customers_lost_involuntary AS cohort_size,
                               FIRST_VALUE(mrr) OVER (
                                   PARTITION BY company_id, cohort_month ORDER BY month
                               ) AS mrr_first_month
                          FROM running
                    )
                    SELECT ROW_NUMBER() OVER (
                               ORDER BY s.company_id, s.cohort_month, s.month
                           ) AS id,
                           s.company_id, company.currency_id,
                           s.cohort_month, s.month,
                           ((EXTRACT(YEAR FROM s.month) - EXTRACT(YEAR FROM s.cohort_month))
                               * 12 + EXTRACT(MONTH FROM s.month)
                               - EXTRACT(MONTH FROM s.cohort_month))::int
                               AS months_since_start,
                           s.cohort_size, s.customers,
                           s.customers::numeric / NULLIF(s.cohort_size, 0)
                               AS customer_retention,
                           s.mrr, s.mrr_first_month,
                           s.mrr / NULLIF(s.mrr_first_month, 0) AS mrr_retention,
                           s.customers_lost_voluntary, s.customers_lost_involuntary,
                           s.mrr_lost_voluntary, s.mrr_lost_involuntary
                      FROM sized s
                      JOIN res_company company ON company.id = s.company_id
                """,
                running=running,
                months=company_months(),
            ),
        )
