from datetime import date

from odoo.addons.recurring_billing.tests.common import RecurringCommon

JAN, FEB, MAR, APR = (date(2026, month, 1) for month in range(1, 5))


class MrrCommon(RecurringCommon):
    """Reads of the analytics of the worked example's company, as plain tuples."""

    def _letters(self, subs):
        return {sub.commercial_partner_id: letter for letter, sub in subs.items()}

    def _movement_rows(self, subs, company=None):
        letters = self._letters(subs)
        movements = self.env["mrr.movement"].search(
            [("company_id", "=", (company or self.env.company).id)],
            order="date, partner_id",
        )
        return [
            (letters[m.partner_id], str(m.date), m.movement_type, m.amount)
            for m in movements
        ]

    def _metrics(self, months=(JAN, FEB, MAR, APR), company=None):
        metrics = self.env["mrr.metric"].search(
            [
                ("company_id", "=", (company or self.env.company).id),
                ("month", "in", list(months)),
            ],
            order="month",
        )
        self.assertEqual(metrics.mapped("month"), list(months))
        return metrics

    def _bridge_rows(self, metrics):
        return [
            (
                m.month,
                m.mrr_start,
                m.new,
                m.expansion,
                m.reactivation,
                m.contraction,
                m.churn,
                m.mrr_end,
                m.customers_end,
            )
            for m in metrics
        ]

    def _snapshot_rows(self, company=None, until=APR):
        snapshots = self.env["mrr.snapshot"].search(
            [
                ("company_id", "=", (company or self.env.company).id),
                ("month", "<=", until),
            ]
        )
        return sorted(
            (
                s.month,
                s.partner_id.id,
                s.subscription_id.id,
                s.product_id.id,
                s.plan_id.id,
                s.mrr,
                s.arr,
                s.customer_count,
            )
            for s in snapshots
        )
