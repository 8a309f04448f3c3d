from odoo import api, fields, models
from odoo.exceptions import UserError

EVENT_TYPES = [
    ("create", "Created"),
    ("start", "Started"),
    ("trial_start", "Trial started"),
    ("conversion", "Trial converted"),
    ("upgrade", "Upgraded"),
    ("downgrade", "Downgraded"),
    ("change", "Changed"),
    ("pause", "Paused"),
    ("resume", "Resumed"),
    ("cancel", "Cancelled"),
    ("reactivation", "Reactivated"),
    ("renewal", "Renewed"),
    ("end", "Term ended"),
]


class RecurringSubscriptionEvent(models.Model):
    """Append-only change log of subscriptions: what MRR analytics is built on."""

    _name = "recurring.subscription.event"
    _description = "Subscription Change"
    _order = "date desc, id desc"
    _rec_name = "event_type"

    subscription_id = fields.Many2one(
        "recurring.subscription", required=True, ondelete="restrict", index=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        "Customer",
        required=True,
        index=True,
        help="Commercial partner of the subscription's customer.",
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    plan_id = fields.Many2one("recurring.plan", required=True)
    date = fields.Date(required=True, index=True)
    event_type = fields.Selection(EVENT_TYPES, "Change", required=True)
    state_before = fields.Char()
    state_after = fields.Char()
    is_free = fields.Boolean(
        "On a Free Plan", help="The subscription is live on a freemium plan after it."
    )
    currency_id = fields.Many2one("res.currency", required=True)
    mrr_before = fields.Monetary(currency_field="currency_id")
    mrr_after = fields.Monetary(currency_field="currency_id")
    company_currency_id = fields.Many2one("res.currency", required=True)
    mrr_before_company = fields.Monetary(
        "MRR Before (company currency)", currency_field="company_currency_id"
    )
    mrr_after_company = fields.Monetary(
        "MRR After (company currency)", currency_field="company_currency_id"
    )
    mrr_delta_company = fields.Monetary(
        "MRR Change", currency_field="company_currency_id"
    )

    @api.model
    def _log_changes(self, subscriptions, before, event_type, date=None, always=False):
        """Append a row per subscription whose MRR changed (every one if ``always``).

        ``before`` maps subscription ids to their (MRR, state) before the change; an id
        not in it was created by the change. The company-currency amount is converted at
        the rate of ``date`` only when the MRR changes: a later rate never moves it.
        """
        date = date or fields.Date.context_today(self)
        vals_list = []
        for sub in subscriptions:
            mrr_before, state_before = before.get(sub.id, (0.0, False))
            if not always and sub.currency_id.compare_amounts(sub.mrr, mrr_before) == 0:
                continue
            company = sub.company_id
            mrr_before_company = sub.mrr_company
            if sub.currency_id.compare_amounts(sub.mrr, mrr_before) == 0:
                mrr_after_company = mrr_before_company
            else:
                mrr_after_company = sub.currency_id._convert(
                    sub.mrr, company.currency_id, company, date
                )
            vals_list.append(
                {
                    "subscription_id": sub.id,
                    "partner_id": sub.commercial_partner_id.id,
                    "company_id": company.id,
                    "plan_id": sub.plan_id.id,
                    "date": date,
                    "event_type": event_type,
                    "state_before": state_before or "",
                    "state_after": sub.state,
                    "is_free": sub.plan_id.is_free and sub.state == "active",
                    "currency_id": sub.currency_id.id,
                    "mrr_before": mrr_before,
                    "mrr_after": sub.mrr,
                    "company_currency_id": company.currency_id.id,
                    "mrr_before_company": mrr_before_company,
                    "mrr_after_company": mrr_after_company,
                    "mrr_delta_company": mrr_after_company - mrr_before_company,
                }
            )
            if mrr_after_company != sub.mrr_company:
                # The amount the next change starts from, whatever the rates do.
                sub.with_context(
                    recurring_mrr_tracking=True
                ).mrr_company = mrr_after_company
        return self.create(vals_list)

    def write(self, vals):
        if not self:
            return super().write(vals)
        raise UserError(
            self.env._(
                "The subscription change log cannot be edited: it is the history MRR "
                "is computed from. Make a new change on the subscription instead."
            )
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._(
                "Subscription changes cannot be deleted: they are the history MRR is "
                "computed from."
            )
        )
