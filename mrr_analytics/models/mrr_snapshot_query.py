"""The SELECTs that compute the snapshot rows from the change log."""

from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL


class MrrSnapshot(models.Model):
    _inherit = "mrr.snapshot"

    @api.model
    def _snapshot_query(self, companies, customers=None):
        """SELECT of the snapshot rows of ``companies``.

        Each subscription has rows for the month ends, from the month of its first
        change to the later of its company's last change and today, at which it has
        MRR: the company-currency MRR of its latest change by then. That MRR is split
        in proportion of the subtotals of the subscription's lines while it is on the
        plan of that change, else of the lines of that plan (the change log keeps the
        plan, not the lines); cumulated shares are rounded so that the parts always add
        up to the subscription's MRR.
        A change's shares and labels hold for every month until the next change: they
        are worked out once per change, then repeated for each of its months. The
        customer count goes to a customer's largest line of the month; only customers
        with several subscriptions need their months' lines compared, as one
        subscription's changes never share a month end.
        ``customers`` limits the rows to those (company id, partner id) pairs.
        """
        if customers:
            # Partner ids as arrays per company: PostgreSQL hashes "= ANY(array)" and
            # estimates its rows, where a join with unnest() made it loop over the
            # pairs for every row (quadratic in the number of customers).
            scope = SQL(
                """
                AND e.subscription_id IN (
                    SELECT ev.subscription_id
                      FROM recurring_subscription_event ev
                     WHERE %s
                )
                """,
                self._customers_condition("ev", customers),
            )
            state_scope = SQL("AND (%s)", self._customers_condition("s", customers))
        else:
            scope = state_scope = SQL()
        return SQL(
            """
            WITH bounds AS MATERIALIZED (%(bounds)s), spans AS (
                SELECT e.id, e.company_id, e.partner_id, e.subscription_id, e.plan_id,
                       e.date, e.mrr_after_company AS mrr,
                       LEAD(e.date) OVER (
                           PARTITION BY e.subscription_id ORDER BY e.date, e.id
                       ) AS date_next
                  FROM recurring_subscription_event e
                 WHERE e.company_id = ANY(%(company_ids)s::int[])
                   %(scope)s
            ), states AS (
                SELECT *
                  FROM (
                      SELECT s.id, s.company_id, s.partner_id, s.subscription_id,
                             s.plan_id, s.mrr,
                             date_trunc('month', s.date) AS month_from,
                             COALESCE(
                                 date_trunc('month', s.date_next) - interval '1 month',
                                 b.last_month
                             ) AS month_to
                        FROM spans s
                        JOIN bounds b ON b.company_id = s.company_id
                       WHERE s.mrr > 0
                         %(state_scope)s
                  ) AS state
                 WHERE month_from <= month_to
            ), weights AS (
                SELECT s.id AS subscription_id, s.plan_id, l.product_id,
                       l.price_subtotal AS weight, l.sequence, l.id AS line_order
                  FROM recurring_subscription s
                  JOIN recurring_subscription_line l ON l.subscription_id = s.id
                 WHERE s.id IN (SELECT subscription_id FROM spans)
                 UNION ALL
                SELECT past.subscription_id, past.plan_id, pl.product_id,
                       pl.price_unit * pl.quantity, pl.sequence, pl.id
                  FROM (SELECT DISTINCT subscription_id, plan_id FROM spans) AS past
                  JOIN recurring_subscription s
                    ON s.id = past.subscription_id AND s.plan_id <> past.plan_id
                  JOIN recurring_plan_line pl ON pl.plan_id = past.plan_id
            ), lines AS (
                SELECT w.*,
                       SUM(weight) OVER cumulated - weight AS weight_before,
                       SUM(weight) OVER cumulated AS weight_after,
                       SUM(weight) OVER (PARTITION BY subscription_id, plan_id)
                           AS weight_total
                  FROM weights w
                WINDOW cumulated AS (
                    PARTITION BY subscription_id, plan_id
                    ORDER BY sequence, line_order
                    ROWS UNBOUNDED PRECEDING
                )
            ), shares AS (
                SELECT st.id, st.month_from, st.month_to, st.company_id,
                       st.partner_id, st.subscription_id, l.line_order, l.product_id,
                       st.plan_id, company.currency_id,
                       CASE
                           WHEN l.weight_total IS NULL THEN st.mrr
                           ELSE ROUND(
                               st.mrr * l.weight_after / l.weight_total,
                               currency.decimal_places
                           ) - ROUND(
                               st.mrr * l.weight_before / l.weight_total,
                               currency.decimal_places
                           )
                       END AS mrr
                  FROM states st
                  JOIN res_company company ON company.id = st.company_id
                  JOIN res_currency currency ON currency.id = company.currency_id
                  LEFT JOIN lines l
                    ON l.subscription_id = st.subscription_id
                   AND l.plan_id = st.plan_id
                   AND l.weight_total > 0
            ), labelled AS (
                SELECT sh.*, 12 * sh.mrr AS arr, sub.user_id, partner.country_id,
                       sub.currency_id AS subscription_currency_id,
                       ROW_NUMBER() OVER (
                           PARTITION BY sh.id ORDER BY sh.mrr DESC, sh.line_order
                       ) AS line_rank,
                       MIN(sh.subscription_id) OVER customer
                           <> MAX(sh.subscription_id) OVER customer AS shared
                  FROM shares sh
                  JOIN recurring_subscription sub ON sub.id = sh.subscription_id
                  JOIN res_partner partner ON partner.id = sh.partner_id
                 WHERE sh.mrr <> 0
                WINDOW customer AS (PARTITION BY sh.company_id, sh.partner_id)
                 ORDER BY sh.company_id, sh.partner_id, sh.month_from
            )
            SELECT %(columns)s,
                   CASE WHEN l.line_rank = 1 THEN 1 ELSE 0 END AS customer_count
              FROM labelled l
             CROSS JOIN LATERAL generate_series(
                   l.month_from, l.month_to, interval '1 month'
             ) AS month
             WHERE NOT l.shared
             UNION ALL
            SELECT %(columns)s,
                   CASE WHEN ROW_NUMBER() OVER (
                       PARTITION BY l.company_id, l.partner_id, month
                       ORDER BY l.mrr DESC, l.subscription_id, l.line_order
                   ) = 1 THEN 1 ELSE 0 END
              FROM labelled l
             CROSS JOIN LATERAL generate_series(
                   l.month_from, l.month_to, interval '1 month'
             ) AS month
             WHERE l.shared
            """,
            bounds=self._last_months_query(companies),
            company_ids=companies.ids,
            scope=scope,
            state_scope=state_scope,
            columns=SQL(
                """
                month::date AS month, l.company_id, l.partner_id, l.subscription_id,
                l.product_id, l.plan_id, l.user_id, l.country_id, l.currency_id,
                l.subscription_currency_id, l.mrr, l.arr
                """
            ),
        )

    @api.model
    def _customers_condition(self, alias, customers):
        """WHERE condition: the row of table ``alias`` is of one of ``customers``,
        (company id, partner id) pairs."""
        partners = defaultdict(list)
        for company, partner in customers:
            partners[company].append(partner)
        return SQL(" OR ").join(
            SQL(
                "(%s = %s AND %s = ANY(%s))",
                SQL.identifier(alias, "company_id"),
                company,
                SQL.identifier(alias, "partner_id"),
                sorted(set(ids)),
            )
            for company, ids in partners.items()
        )

    @api.model
    def _last_months_query(self, companies):
        """SELECT of the last month of the snapshots of each of ``companies``.

        The month of the company's last change, or the current month when later.
        """
        return SQL(
            """
            SELECT company.id AS company_id,
                   GREATEST(
                       date_trunc('month', (
                           SELECT MAX(e.date) FROM recurring_subscription_event e
                            WHERE e.company_id = company.id
                       )),
                       %(today_month)s
                   )::date AS last_month
              FROM res_company company
             WHERE company.id = ANY(%(company_ids)s::int[])
            """,
            today_month=fields.Date.context_today(self).replace(day=1),
            company_ids=companies.ids,
        )
