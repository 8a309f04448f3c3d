from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import create_index

from .recurring_mrr_tracking_mixin import TRACKING_KEY

EVENT_TYPES = [
    ("create", "Created"),
    ("start", "Started"),
    ("trial_start", "Trial started"),
    ("conversion", "Trial converted"),
    ("upgrade", "Upgraded"),
    ("downgrade", "Downgraded"),
    ("change", "Changed"),
    ("pause", "Paused"),
    ("suspension", "Suspended for non-payment"),
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
        "recurring.subscription", required=True, ondelete="cascade", index=True
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
    is_involuntary = fields.Boolean(
        "Involuntary",
        help="The change was not the customer's choice: a suspension for non-payment, "
        "or a cancellation whose reason is marked involuntary.",
    )
    currency_id = fields.Many2one("res.currency", required=True)
    mrr_before = fields.Monetary("MRR Before", currency_field="currency_id")
    mrr_after = fields.Monetary("MRR After", currency_field="currency_id")
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
    user_id = fields.Many2one(
        "res.users", "Salesperson", help="At the time of the change."
    )
    country_id = fields.Many2one(
        "res.country", "Customer Country", help="At the time of the change."
    )

    def init(self):
        # The analytics replay a subscription's history in this order.
        create_index(
            self.env.cr,
            "recurring_subscription_event_subscription_date_index",
            self._table,
            ["subscription_id", "date", "id"],
        )

    @api.model
    def _log_changes(self, subscriptions, before, event_type, date=None, always=False):
        """Append a row per subscription whose MRR changed (every one if ``always``).

        ``before`` maps subscription ids to their (MRR, state, commercial partner,
        currency) before the change; an id not in it was created by the change. The
        company-currency amount is converted at the rate of ``date`` only when the MRR
        changes: a later rate never moves it. A subscription moved to another customer
        leaves the old one (its MRR to 0) and joins the new one, in two rows. A row holds
        one currency: the MRR before a change of currency is shown converted at the
        rate of ``date``.
        """
        date = date or self.env["recurring.subscription"]._today()
        vals_list = []
        for sub in subscriptions:
            mrr_before, state_before, partner_before, currency_before = before.get(
                sub.id, (0.0, False, sub.commercial_partner_id, sub.currency_id)
            )
            if currency_before != sub.currency_id:
                mrr_before = currency_before._convert(
                    mrr_before, sub.currency_id, sub.company_id, date
                )
            mrr_before_company = sub.mrr_company
            moved = partner_before != sub.commercial_partner_id
            if moved and mrr_before_company:
                vals_list.append(
                    sub._event_vals(date, event_type, state_before, mrr_before, 0.0)
                    | {
                        "partner_id": partner_before.id,
                        "mrr_before_company": mrr_before_company,
                        "mrr_after_company": 0.0,
                        "mrr_delta_company": -mrr_before_company,
                    }
                )
                mrr_before, mrr_before_company = 0.0, 0.0
            unchanged = sub.currency_id.compare_amounts(sub.mrr, mrr_before) == 0
            if unchanged and not always and not moved:
                continue
            company = sub.company_id
            if unchanged:
                mrr_after_company = mrr_before_company
            else:
                mrr_after_company = sub.currency_id._convert(
                    sub.mrr, company.currency_id, company, date
                )
            vals_list.append(
                sub._event_vals(date, event_type, state_before, mrr_before, sub.mrr)
                | {
                    "mrr_before_company": mrr_before_company,
                    "mrr_after_company": mrr_after_company,
                    "mrr_delta_company": mrr_after_company - mrr_before_company,
                }
            )
            if mrr_after_company != sub.mrr_company:
                # The amount the next change starts from, whatever the rates do.
                sub.with_context(**{TRACKING_KEY: True}).mrr_company = mrr_after_company
        # sudo: users only read the log; its rows are written here, after the change
        # they record went through the user's rights on the subscriptions.
        return self.sudo().create(vals_list).with_env(self.env)

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
