"""Changes during a period: prorated invoices and credits (BILLING.md)."""

from datetime import timedelta
from decimal import Decimal

from odoo import Command, fields, models

from ..engine.periods import period_index_at
from ..engine.proration import upgrade_adjustment


class RecurringSubscription(models.Model):
    _inherit = "recurring.subscription"

    def _billed_current_period(self, day):
        """The period holding ``day`` if it is billed in advance and already invoiced."""
        self.ensure_one()
        plan = self.plan_id
        if (
            self.state != "active"
            or plan.billing_mode != "advance"
            or not self.date_anchor
            or day < self.date_anchor
        ):
            return None
        index = period_index_at(
            self.date_anchor, plan.interval_unit, plan.interval_count, day
        )
        if index >= self.next_period_index:
            return None
        return self._period(index)

    def _proration_lines(self):
        """What each line bills per period, for crediting or charging part of it."""
        self.ensure_one()
        return [
            {
                "product_id": line.product_id.id,
                "name": line.name or line.product_id.display_name,
                "tax_ids": line.tax_ids.ids,
                "subtotal": line.price_subtotal,
            }
            for line in self.line_ids
        ]

    def _invoice_proration(self, old_lines, new_lines, period, day):
        """Invoice a change effective on ``day`` in the already billed ``period``.

        Old lines are credited and new ones charged for the days left; a negative net
        gives a credit note. Returns the invoice or credit note (none if all is zero).
        """
        self.ensure_one()
        sources = {("old", i): line for i, line in enumerate(old_lines)}
        sources.update({("new", i): line for i, line in enumerate(new_lines)})
        adjustments = upgrade_adjustment(
            [
                (key, line["subtotal"])
                for key, line in sources.items()
                if key[0] == "old"
            ],
            [
                (key, line["subtotal"])
                for key, line in sources.items()
                if key[0] == "new"
            ],
            period,
            day,
            precision=Decimal(str(self.currency_id.rounding)),
        )
        if not adjustments:
            return self.env["account.move"]
        refund = sum(adjustment.amount for adjustment in adjustments) < 0
        period_record = self.period_ids.filtered(
            lambda record: record.date_start == period.start
        )[:1]
        lang = self._invoice_lang()
        lines = []
        for adjustment in adjustments:
            source = sources[adjustment.key]
            amount = -adjustment.amount if refund else adjustment.amount
            lines.append(
                Command.create(
                    {
                        "product_id": source["product_id"],
                        "name": self._invoice_line_name(
                            source["name"],
                            day,
                            period.end,
                            lang,
                            unused=adjustment.kind == "credit",
                        ),
                        "quantity": 1.0,
                        "price_unit": float(amount),
                        "tax_ids": [Command.set(source["tax_ids"])],
                        "subscription_id": self.id,
                        "recurring_period_id": period_record.id,
                    }
                )
            )
        move = self.env["account.move"].create(
            dict(
                self._invoice_header_vals(
                    self._invoice_journal(),
                    fields.Date.context_today(self),
                    "adjustment",
                    "out_refund" if refund else "out_invoice",
                ),
                recurring_period_id=period_record.id,
                invoice_line_ids=lines,
            )
        )
        self._apply_invoice_policy(move)
        return move

    def _credit_unused_days(self, old_lines, period, day_end):
        """Credit note for the days of ``period`` after the last day of service."""
        self.ensure_one()
        if day_end >= period.end:
            return self.env["account.move"]
        return self._invoice_proration(
            old_lines, [], period, day_end + timedelta(days=1)
        )
