"""Writing the movements again from the change log, by set-based SQL."""

from odoo import api, models
from odoo.tools import SQL

from .mrr_movement import COMPARED_COLUMNS
from .report_table import column_list, rebuild_settings, rows_differing


class MrrMovement(models.Model):
    _inherit = "mrr.movement"

    @api.model
    def _movements_query(self, companies):
        """SELECT of every movement of ``companies``, computed from the change log.

        Each change replaces its subscription's state: it adds the new MRR (and
        freemium flag) to its customer and takes the previous state of the subscription
        away from the customer that had it. Those flows are netted per customer and day,
        running sums give the MRR before and after each day, and windows over the
        previous days tell whether the customer had paid before and was on a free plan
        just before, as the movement engine does. Each flow carries what labels the
        movement (its company's currency and setting, its plan and salesperson), so
        that the day's last change gives them without looking rows up again.
        """
        return SQL(
            """
            WITH events AS (
                SELECT e.id, e.company_id, e.partner_id, e.date, e.plan_id,
                       sub.user_id, company.currency_id, company.mrr_free_to_paid,
                       e.mrr_after_company AS mrr,
                       COALESCE(e.is_free, FALSE)::int AS free,
                       COALESCE(e.is_involuntary, FALSE) AS involuntary,
                       LAG(e.company_id) OVER sub AS previous_company_id,
                       LAG(company.currency_id) OVER sub AS previous_currency_id,
                       LAG(company.mrr_free_to_paid) OVER sub
                           AS previous_mrr_free_to_paid,
                       LAG(e.partner_id) OVER sub AS previous_partner_id,
                       LAG(e.mrr_after_company) OVER sub AS previous_mrr,
                       LAG(COALESCE(e.is_free, FALSE)::int) OVER sub AS previous_free
                  FROM recurring_subscription_event e
                  JOIN recurring_subscription sub ON sub.id = e.subscription_id
                  JOIN res_company company ON company.id = e.company_id
                 WHERE e.company_id = ANY(%(company_ids)s::int[])
                WINDOW sub AS (PARTITION BY e.subscription_id ORDER BY e.date, e.id)
            ), flows AS (
                SELECT id, company_id, currency_id, mrr_free_to_paid, partner_id, date,
                       plan_id, user_id, mrr, free, involuntary
                  FROM events
                 UNION ALL
                SELECT id, previous_company_id, previous_currency_id,
                       previous_mrr_free_to_paid, previous_partner_id, date,
                       plan_id, user_id, -previous_mrr, -previous_free, FALSE
                  FROM events
                 WHERE previous_partner_id IS NOT NULL
            ), days AS (
                SELECT company_id, currency_id, mrr_free_to_paid, partner_id, date,
                       SUM(mrr) AS delta, SUM(free) AS free_delta,
                       MAX(ARRAY[id, plan_id, user_id]) AS last_event,
                       BOOL_OR(involuntary) AS involuntary
                  FROM flows
                 GROUP BY company_id, currency_id, mrr_free_to_paid, partner_id, date
            ), running AS (
                SELECT days.*,
                       SUM(delta) OVER customer AS mrr_after,
                       SUM(delta) OVER customer - delta AS mrr_before,
                       SUM(free_delta) OVER customer - free_delta AS free_before
                  FROM days
                WINDOW customer AS (
                    PARTITION BY company_id, partner_id ORDER BY date
                    ROWS UNBOUNDED PRECEDING
                )
            ), classified AS (
                SELECT running.*,
                       COALESCE(BOOL_OR(mrr_after > 0) OVER (
                           PARTITION BY company_id, partner_id ORDER BY date
                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                       ), FALSE) AS paid_before
                  FROM running
            )
            SELECT c.company_id, c.partner_id, c.date,
                   date_trunc('month', c.date)::date AS month,
                   CASE
                       WHEN c.mrr_before > 0 AND c.mrr_after = 0 THEN 'churn'
                       WHEN c.mrr_before > 0 AND c.mrr_after > c.mrr_before
                           THEN 'expansion'
                       WHEN c.mrr_before > 0 THEN 'contraction'
                       WHEN c.paid_before THEN 'reactivation'
                       WHEN c.free_before > 0
                            AND c.mrr_free_to_paid = 'reactivation'
                           THEN 'reactivation'
                       ELSE 'new'
                   END AS movement_type,
                   c.delta AS amount, c.mrr_before, c.mrr_after,
                   c.currency_id, c.last_event[2] AS plan_id,
                   c.last_event[3] AS user_id, partner.country_id,
                   c.involuntary AND c.delta < 0 AS is_involuntary
              FROM classified c
              JOIN res_partner partner ON partner.id = c.partner_id
             WHERE c.delta <> 0
            """,
            company_ids=companies.ids,
        )

    @api.model
    def _rebuild_movements(self, companies):
        """Replace the movements of ``companies`` by those computed in one INSERT … SELECT."""
        self.env.flush_all()
        cr = self.env.cr
        columns = column_list("%(name)s", COMPARED_COLUMNS)
        with rebuild_settings(cr):
            cr.execute(
                SQL(
                    "DELETE FROM mrr_movement WHERE company_id = ANY(%s::int[])",
                    companies.ids,
                )
            )
            cr.execute(
                SQL(
                    """
                    INSERT INTO mrr_movement (%(columns)s)
                    SELECT %(columns)s FROM (%(query)s) AS rebuilt
                    """,
                    columns=columns,
                    query=self._movements_query(companies),
                )
            )
            # Fresh statistics of the columns customer updates look rows up by, so
            # that they use the indexes; the others are left to autovacuum, which
            # analyzes a table after so many rows changed.
            cr.execute(SQL("ANALYZE mrr_movement (company_id, partner_id, date)"))
            self.invalidate_model()
            self.env["mrr.cohort.change"]._rebuild(companies)
            self.env["mrr.movement.total"]._rebuild(companies)

    @api.model
    def _rebuild(self, companies):
        """Rebuild the movements, cohort changes and monthly snapshots of
        ``companies``."""
        self._rebuild_movements(companies)
        self.env["mrr.snapshot"]._rebuild(companies)

    @api.model
    def _compare_with_rebuild(self, companies):
        """Return the stored movements a rebuild would not produce, and the reverse.

        Both lists are empty when the incrementally maintained movements of
        ``companies`` are exactly those of a full rebuild.
        """
        self.env.flush_all()
        return rows_differing(
            self.env.cr,
            self._table,
            COMPARED_COLUMNS,
            companies.ids,
            self._movements_query(companies),
        )
