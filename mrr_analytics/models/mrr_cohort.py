from odoo import api, fields, models
from odoo.tools import SQL

from ..engine.stocks import cohort_group_values
from .mrr_metric import company_months
from .report_table import replace_view

# The measures of a group of cells, in the order engine/stocks.py values them.
COHORT_MEASURES = (
    "customers",
    "cohort_size",
    "mrr",
    "mrr_first_month",
    "customer_retention",
    "mrr_retention",
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
            ["customers:sum", "cohort_size:max", "mrr:sum", "mrr_first_month:max"],
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
        replace_view(
            self,
            SQL(
                """
                    WITH firsts AS (
                        SELECT company_id, partner_id,
                               date_trunc('month', MIN(date))::date AS cohort_month
                          FROM mrr_movement
                         WHERE mrr_after > 0
                         GROUP BY company_id, partner_id
                    ), sizes AS (
                        SELECT company_id, cohort_month, COUNT(*) AS cohort_size
                          FROM firsts
                         GROUP BY company_id, cohort_month
                    ), retained AS (
                        SELECT company_id, cohort_month, month,
                               COUNT(*) AS customers, SUM(mrr) AS mrr
                          FROM mrr_customer_month
                         WHERE mrr > 0
                         GROUP BY company_id, cohort_month, month
                    ), %s, cells AS (
                        SELECT s.company_id, s.cohort_month, m.month, s.cohort_size,
                               COALESCE(r.customers, 0) AS customers,
                               COALESCE(r.mrr, 0) AS mrr
                          FROM sizes s
                          JOIN months m
                            ON m.company_id = s.company_id
                           AND m.month >= s.cohort_month
                          LEFT JOIN retained r
                            ON r.company_id = s.company_id
                           AND r.cohort_month = s.cohort_month
                           AND r.month = m.month
                    ), firsts_mrr AS (
                        SELECT cells.*,
                               FIRST_VALUE(mrr) OVER (
                                   PARTITION BY company_id, cohort_month ORDER BY month
                               ) AS mrr_first_month
                          FROM cells
                    )
                    SELECT ROW_NUMBER() OVER (
                               ORDER BY fm.company_id, fm.cohort_month, fm.month
                           ) AS id,
                           fm.company_id, company.currency_id,
                           fm.cohort_month, fm.month,
                           ((EXTRACT(YEAR FROM fm.month) - EXTRACT(YEAR FROM fm.cohort_month))
                               * 12 + EXTRACT(MONTH FROM fm.month)
                               - EXTRACT(MONTH FROM fm.cohort_month))::int
                               AS months_since_start,
                           fm.cohort_size, fm.customers,
                           fm.customers::numeric / fm.cohort_size AS customer_retention,
                           fm.mrr, fm.mrr_first_month,
                           fm.mrr / NULLIF(fm.mrr_first_month, 0) AS mrr_retention
                      FROM firsts_mrr fm
                      JOIN res_company company ON company.id = fm.company_id
                    """,
                company_months(
                    SQL(
                        "SELECT company_id, month FROM mrr_movement UNION ALL "
                        "SELECT company_id, month FROM retained"
                    )
                ),
            ),
        )
