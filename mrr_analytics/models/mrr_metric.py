from odoo import fields, models
from odoo.tools import SQL

from ..engine.stocks import CLOSING, OPENING
from .report_table import replace_view


def company_months():
    """Common table expressions ``bounds`` and ``months``: each company's months.

    A company's months run from its first movement to the later of its last movement
    and its last month of snapshots (the month of its last change, or the current
    month), every month in between included. Shared with the cohorts.
    """
    return SQL(
        """
        bounds AS (
            SELECT company.id AS company_id,
                   (SELECT MIN(c.cohort_month) FROM mrr_cohort_change c
                     WHERE c.company_id = company.id) AS first_month,
                   GREATEST(
                       (SELECT MAX(m.month) FROM mrr_movement m
                         WHERE m.company_id = company.id),
                       (SELECT MAX(t.month) FROM mrr_snapshot_total t
                         WHERE t.company_id = company.id)
                   ) AS last_month
              FROM res_company company
        ), months AS (
            SELECT b.company_id, month::date AS month
              FROM bounds b
             CROSS JOIN LATERAL generate_series(
                   b.first_month, b.last_month, interval '1 month'
             ) AS month
        )
        """
    )


class MrrMetric(models.Model):
    _name = "mrr.metric"
    _inherit = "mrr.stock.report"
    _description = "MRR Monthly Metrics"
    _auto = False
    _order = "month desc, company_id"
    _rec_name = "month"
    _mrr_stocks = {
        "mrr_start": OPENING,
        "customers_start": OPENING,
        "mrr_end": CLOSING,
        "customers_end": CLOSING,
        "arr": CLOSING,
        "arpa": CLOSING,
        "delinquent_mrr": CLOSING,
    }

    month = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", "Company Currency", readonly=True)
    mrr_start = fields.Monetary("MRR Start", readonly=True)
    new = fields.Monetary(readonly=True)
    expansion = fields.Monetary(readonly=True)
    reactivation = fields.Monetary(readonly=True)
    contraction = fields.Monetary(readonly=True)
    churn = fields.Monetary(readonly=True)
    mrr_end = fields.Monetary("MRR End", readonly=True)
    churn_voluntary = fields.Monetary(
        "Voluntary Churn",
        readonly=True,
        help="Churn the customers chose: Churn - Involuntary Churn.",
    )
    churn_involuntary = fields.Monetary(
        "Involuntary Churn",
        readonly=True,
        help="Churn caused by a suspension for non-payment or a cancellation for a "
        "reason marked involuntary.",
    )
    delinquent_mrr = fields.Monetary(
        "Delinquent MRR",
        readonly=True,
        help="Part of MRR End of the subscriptions whose failed automatic payment is "
        "still unpaid at the month's end, at their MRR then (0 when paused or "
        "suspended).",
    )
    recovered_mrr = fields.Monetary(
        "Recovered MRR",
        readonly=True,
        help="MRR of the subscriptions whose failed payment was paid in the month.",
    )
    net_new_mrr = fields.Monetary(
        "Net New MRR",
        readonly=True,
        help="New + Expansion + Reactivation - Contraction - Churn: MRR End - MRR "
        "Start.",
    )
    customers_start = fields.Integer(readonly=True)
    customers_end = fields.Integer(readonly=True)
    customers_churned = fields.Integer(readonly=True)
    customer_churn = fields.Float(
        readonly=True,
        aggregator="avg",
        help="Share of the customers paying at the start of the month who pay "
        "nothing at its end; empty without paying customers at the start.",
    )
    gross_mrr_churn = fields.Float(
        "Gross MRR Churn",
        readonly=True,
        aggregator="avg",
        help="(Churn + Contraction) / MRR Start.",
    )
    net_mrr_churn = fields.Float(
        "Net MRR Churn",
        readonly=True,
        aggregator="avg",
        help="(Churn + Contraction - Expansion - Reactivation) / MRR Start.",
    )
    nrr = fields.Float(
        "NRR",
        readonly=True,
        aggregator="avg",
        help="Net revenue retention: MRR at the end of the month of the customers "
        "paying at its start, over MRR Start.",
    )
    grr = fields.Float(
        "GRR",
        readonly=True,
        aggregator="avg",
        help="Gross revenue retention: as NRR, each customer counted for at most its "
        "MRR at the start.",
    )
    quick_ratio = fields.Float(
        readonly=True,
        aggregator="avg",
        help="(New + Expansion + Reactivation) / (Contraction + Churn); empty "
        "without contraction and churn.",
    )
    arpa = fields.Monetary(
        "ARPA",
        readonly=True,
        aggregator="avg",
        help="Average revenue per account: MRR End / paying customers at the end.",
    )
    arr = fields.Monetary("ARR", readonly=True, help="12 × MRR End.")
    ltv = fields.Monetary(
        "LTV",
        readonly=True,
        aggregator="avg",
        help="Lifetime value: ARPA / customer churn; empty without churn.",
    )
    has_customers_start = fields.Boolean("Paying Customers at Start", readonly=True)
    has_quick_ratio = fields.Boolean("Contraction or Churn", readonly=True)
    has_arpa = fields.Boolean("Paying Customers at End", readonly=True)
    has_ltv = fields.Boolean("LTV Defined", readonly=True)

    def init(self):
        replace_view(
            self,
            SQL(
                """
                    WITH monthly AS (
                        -- What each month changed, over every cohort: MRR and
                        -- customers at the month end are the sums of the changes of
                        -- the months up to it.
                        SELECT company_id, month,
                               SUM(mrr) AS mrr, SUM(customers) AS customers,
                               SUM(new) AS new, SUM(expansion) AS expansion,
                               SUM(reactivation) AS reactivation,
                               SUM(contraction) AS contraction, SUM(churn) AS churn,
                               SUM(churn_involuntary) AS churn_involuntary,
                               SUM(customers_churned) AS customers_churned,
                               SUM(mrr_won) AS mrr_won, SUM(mrr_shrunk) AS mrr_shrunk
                          FROM mrr_cohort_change
                         GROUP BY company_id, month
                    ), unpaid AS (
                        -- Each follow-up of a failed automatic payment is unpaid
                        -- from the month of the failure to the month before the one
                        -- its last invoice was settled in (paid or credited, on the
                        -- latest date of the reconciliations standing); month_to
                        -- NULL: still unpaid. Its state does not matter: a policy
                        -- that keeps the subscription ends it unpaid.
                        SELECT d.subscription_id,
                               date_trunc('month', d.date_failure)::date
                                   AS month_from,
                               CASE WHEN NOT bool_or(inv.amount_residual <> 0)
                                    THEN (date_trunc('month', COALESCE(
                                              MAX(settled.date), d.date_failure
                                          )) - interval '1 month')::date
                               END AS month_to
                          FROM recurring_dunning d
                          JOIN account_move_recurring_dunning_rel rel
                            ON rel.recurring_dunning_id = d.id
                          JOIN account_move inv
                            ON inv.id = rel.account_move_id AND inv.state = 'posted'
                          LEFT JOIN LATERAL (
                              -- A customer invoice's receivable lines are debits.
                              SELECT MAX(p.max_date) AS date
                                FROM account_move_line line
                                JOIN account_partial_reconcile p
                                  ON p.debit_move_id = line.id
                               WHERE line.move_id = inv.id
                                 AND line.display_type = 'payment_term'
                          ) settled ON TRUE
                         GROUP BY d.id
                    ), delinquent AS (
                        -- The MRR at the month's end (the snapshots: 0 when paused
                        -- or suspended) of the subscriptions unpaid then, each
                        -- counted once however many of its follow-ups are unpaid.
                        -- Read from their snapshots only, by subscription.
                        SELECT s.company_id, s.month, SUM(s.mrr) AS mrr
                          FROM (SELECT DISTINCT subscription_id FROM unpaid) failed
                          JOIN mrr_snapshot s
                            ON s.subscription_id = failed.subscription_id
                         WHERE EXISTS (
                                   SELECT FROM unpaid u
                                    WHERE u.subscription_id = s.subscription_id
                                      AND u.month_from <= s.month
                                      AND (u.month_to IS NULL
                                           OR s.month <= u.month_to)
                               )
                         GROUP BY s.company_id, s.month
                    ), %s, running AS (
                        SELECT m.company_id, m.month,
                               COALESCE(SUM(f.mrr) OVER company, 0) AS mrr_end,
                               COALESCE(SUM(f.customers) OVER company, 0)
                                   AS customers_end,
                               COALESCE(f.new, 0) AS new,
                               COALESCE(f.expansion, 0) AS expansion,
                               COALESCE(f.reactivation, 0) AS reactivation,
                               COALESCE(f.contraction, 0) AS contraction,
                               COALESCE(f.churn, 0) AS churn,
                               COALESCE(f.churn_involuntary, 0) AS churn_involuntary,
                               COALESCE(f.customers_churned, 0) AS customers_churned,
                               COALESCE(f.mrr_won, 0) AS mrr_won,
                               COALESCE(f.mrr_shrunk, 0) AS mrr_shrunk
                          FROM months m
                          LEFT JOIN monthly f
                            ON f.company_id = m.company_id AND f.month = m.month
                        WINDOW company AS (PARTITION BY m.company_id ORDER BY m.month)
                    ), customers AS (
                        SELECT running.*,
                               COALESCE(LAG(mrr_end) OVER company, 0) AS mrr_start,
                               COALESCE(LAG(customers_end) OVER company, 0)
                                   AS customers_start
                          FROM running
                        WINDOW company AS (PARTITION BY company_id ORDER BY month)
                    ), base AS (
                        SELECT c.company_id, c.month, company.currency_id,
                               c.mrr_start, c.new, c.expansion, c.reactivation,
                               c.contraction, c.churn, c.mrr_end,
                               c.customers_start, c.customers_end, c.customers_churned,
                               -- Of the customers paying at the start: their MRR at
                               -- the end, and each one's at most its MRR at the start.
                               CASE WHEN c.customers_start > 0
                                    THEN c.mrr_end - c.mrr_won END AS mrr_retained,
                               CASE WHEN c.customers_start > 0
                                    THEN c.mrr_start - c.mrr_shrunk END AS mrr_kept,
                               c.churn_involuntary,
                               COALESCE(delinquent.mrr, 0) AS delinquent_mrr,
                               COALESCE(dunning.recovered_mrr, 0) AS recovered_mrr
                          FROM customers c
                          JOIN res_company company ON company.id = c.company_id
                          LEFT JOIN delinquent
                            ON delinquent.company_id = c.company_id
                           AND delinquent.month = c.month
                          LEFT JOIN LATERAL (
                              -- Follow-ups of failed payments recovered in the
                              -- month.
                              SELECT SUM(d.mrr_company) AS recovered_mrr
                                FROM recurring_dunning d
                               WHERE d.company_id = c.company_id
                                 AND d.state = 'recovered'
                                 AND date_trunc('month', d.date_done)::date = c.month
                          ) dunning ON TRUE
                    ), rates AS (
                        SELECT base.*,
                               customers_churned::numeric
                                   / NULLIF(customers_start, 0) AS customer_churn,
                               mrr_end / NULLIF(customers_end, 0) AS arpa
                          FROM base
                    )
                    SELECT ROW_NUMBER() OVER (ORDER BY company_id, month) AS id,
                           company_id, month, currency_id,
                           mrr_start, new, expansion, reactivation, contraction, churn,
                           mrr_end,
                           churn_involuntary, churn - churn_involuntary AS churn_voluntary,
                           delinquent_mrr, recovered_mrr,
                           new + expansion + reactivation - contraction - churn
                               AS net_new_mrr,
                           customers_start, customers_end, customers_churned,
                           customer_churn,
                           (churn + contraction) / NULLIF(mrr_start, 0)
                               AS gross_mrr_churn,
                           (churn + contraction - expansion - reactivation)
                               / NULLIF(mrr_start, 0) AS net_mrr_churn,
                           mrr_retained / NULLIF(mrr_start, 0) AS nrr,
                           mrr_kept / NULLIF(mrr_start, 0) AS grr,
                           (new + expansion + reactivation)
                               / NULLIF(contraction + churn, 0) AS quick_ratio,
                           arpa,
                           12 * mrr_end AS arr,
                           arpa / NULLIF(customer_churn, 0) AS ltv,
                           customers_start > 0 AS has_customers_start,
                           contraction + churn <> 0 AS has_quick_ratio,
                           customers_end > 0 AS has_arpa,
                           customers_end > 0 AND customers_churned > 0 AS has_ltv
                      FROM rates
                    """,
                company_months(),
            ),
        )
