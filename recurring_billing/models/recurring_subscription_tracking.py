"""The subscription side of the change log: every write that moves MRR is logged."""

from contextlib import contextmanager

from odoo import api, models

TRACKING_KEY = "recurring_mrr_tracking"


class RecurringSubscription(models.Model):
    _inherit = "recurring.subscription"

    @contextmanager
    def _mrr_tracking(self, event_type, date=None, always=False):
        """Log one change-log row per subscription whose MRR the block changes.

        ``always`` logs a row even when the MRR stays the same (lifecycle steps such as a
        trial start). Nested blocks and the writes inside them are logged once, by the
        outermost block, with its event type.
        """
        if self.env.context.get(TRACKING_KEY):
            yield self
            return
        before = {
            sub.id: (sub.mrr, sub.state, sub.commercial_partner_id) for sub in self
        }
        tracked = self.with_context(**{TRACKING_KEY: True})
        yield tracked
        self.env["recurring.subscription.event"]._log_changes(
            tracked.exists(), before, event_type, date=date, always=always
        )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(vals.get("company_id"))
                vals["name"] = self.env["ir.sequence"].with_company(
                    company or self.env.company
                ).next_by_code("recurring.subscription") or self.env._("New")
        if self.env.context.get(TRACKING_KEY):
            return super().create(vals_list)
        subs = super(
            RecurringSubscription, self.with_context(**{TRACKING_KEY: True})
        ).create(vals_list)
        # Imported live subscriptions enter the change log with their MRR.
        self.env["recurring.subscription.event"]._log_changes(subs, {}, "create")
        return subs.with_env(self.env)

    def write(self, vals):
        if self.env.context.get(TRACKING_KEY):
            return super().write(vals)
        with self._mrr_tracking("change") as tracked:
            return super(RecurringSubscription, tracked).write(vals)

    def _event_vals(self, date, event_type, state_before, mrr_before, mrr_after):
        """Change-log values of this subscription as it is now (amounts aside)."""
        self.ensure_one()
        return {
            "subscription_id": self.id,
            "partner_id": self.commercial_partner_id.id,
            "company_id": self.company_id.id,
            "plan_id": self.plan_id.id,
            "user_id": self.user_id.id,
            "country_id": self.commercial_partner_id.country_id.id,
            "date": date,
            "event_type": event_type,
            "state_before": state_before or "",
            "state_after": self.state,
            "is_free": self.plan_id.is_free and self.state == "active",
            "currency_id": self.currency_id.id,
            "mrr_before": mrr_before,
            "mrr_after": mrr_after,
            "company_currency_id": self.company_id.currency_id.id,
        }
