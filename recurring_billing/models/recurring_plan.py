from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine.dunning import OUTCOMES
from ..engine.periods import INTERVAL_UNITS, monthly_factor
from .tools import dunning_policy, selection_label

INTERVAL_LABELS = {
    "week": "Weeks",
    "month": "Months",
    "quarter": "Quarters",
    "year": "Years",
}


class RecurringPlan(models.Model):
    _name = "recurring.plan"
    _description = "Subscription Plan"
    _inherit = ["mail.thread", "recurring.value.check.mixin"]
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    code = fields.Char(help="Short reference shown on subscriptions and reports.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        help="Currency of the plan's prices; subscriptions may use a pricelist "
        "in another currency.",
    )
    interval_count = fields.Integer(
        "Bill Every", required=True, default=1, tracking=True
    )
    interval_unit = fields.Selection(
        [(unit, INTERVAL_LABELS[unit]) for unit in INTERVAL_UNITS],
        required=True,
        default="month",
        tracking=True,
    )
    billing_mode = fields.Selection(
        [("advance", "In advance"), ("arrears", "In arrears")],
        required=True,
        default="advance",
        help="In advance: a period is invoiced on its first day. In arrears: the day "
        "after its last day.",
    )
    anchor_policy = fields.Selection(
        [
            ("start", "Start date"),
            ("aligned", "Aligned to the calendar (prorated first period)"),
        ],
        required=True,
        default="start",
    )
    resume_policy = fields.Selection(
        [
            ("restart", "Restart: a new full period from the resume day"),
            ("keep_anchor", "Keep the billing anchor (prorated first period)"),
        ],
        "On Resume",
        required=True,
        default="restart",
        help="What a paused subscription bills when it resumes: a new period "
        "starting that day, or the days left until its next usual billing date, "
        "prorated, and then its usual periods.",
    )
    trial_days = fields.Integer(
        "Trial Length (days)", default=0, help="0 means no free trial."
    )
    trial_reminder_days = fields.Integer(
        default=3,
        help="Days before the trial ends when the customer gets a reminder e-mail.",
    )
    trial_requires_payment_method = fields.Boolean(
        help="A trial only converts when the subscription has a payment method "
        "other than manual payment."
    )
    is_free = fields.Boolean(
        "Freemium",
        help="A free plan: subscriptions on it are live but bill nothing and count "
        "for no MRR.",
    )
    term_type = fields.Selection(
        [("renew", "Renews automatically"), ("fixed", "Fixed number of periods")],
        required=True,
        default="renew",
    )
    term_periods = fields.Integer("Number of Periods", default=0)
    invoice_policy = fields.Selection(
        [
            ("draft", "Leave in draft"),
            ("post", "Post"),
            ("send", "Post and send by e-mail"),
        ],
        required=True,
        default="post",
    )
    journal_id = fields.Many2one(
        "account.journal",
        domain="[('type', '=', 'sale')]",
        check_company=True,
        help="Sales journal of the plan's invoices; the company's default sales "
        "journal when empty.",
    )
    portal_allow_change_plan = fields.Boolean(
        "Customer May Change Plan",
        help="From the customer portal, the customer may move to another plan of the "
        "same billing interval that allows it too: an upgrade applies now, prorated, "
        "a downgrade at the end of the period.",
    )
    portal_allow_change_quantities = fields.Boolean(
        "Customer May Change Add-ons",
        help="From the customer portal, the customer may change the quantities of the "
        "plan's add-on packages, within their maximum.",
    )
    portal_allow_pause = fields.Boolean(
        "Customer May Pause",
        help="From the customer portal, the customer may pause an active "
        "subscription, optionally until a resume date.",
    )
    portal_allow_cancel = fields.Boolean(
        "Customer May Cancel",
        help="From the customer portal, the customer may cancel at the end of the "
        "current period, with a reason, and undo it until then.",
    )
    portal_allow_manual_payment = fields.Boolean(
        "Customer May Stop Automatic Payment",
        help="From the customer portal, the customer may remove the saved payment "
        "method that pays the subscription: its next invoices are then sent to be "
        "paid by transfer or online. Without it, the customer may only replace it "
        "with another one.",
    )
    minimum_term_months = fields.Integer(
        "Minimum Term (Months)",
        help="The subscriber is committed for this many months from the start: a "
        "cancellation that would end the service earlier is refused, on the portal "
        "and in the back office, unless a subscription manager overrides it. 0: no "
        "minimum term.",
    )
    notice_period_days = fields.Integer(
        "Notice Period (Days)",
        help="A cancellation at period end asked fewer than this many days before "
        "the end of the current period ends the service at the end of the next "
        "period. 0: no notice.",
    )
    pause_max_days = fields.Integer(
        "Longest Pause (Days)",
        help="A pause must give a resume date at most this many days after its "
        "start, unless a subscription manager overrides it. 0: no limit.",
    )
    line_ids = fields.One2many("recurring.plan.line", "plan_id", copy=True)
    addon_ids = fields.One2many(
        "recurring.plan.addon", "plan_id", "Add-on Packages", copy=True
    )
    amount = fields.Monetary(
        "Price per Period", compute="_compute_amount", currency_field="currency_id"
    )
    subscription_count = fields.Integer(compute="_compute_subscription_count")
    dunning_retry_days = fields.Char(
        "Retry Days",
        help="Days after a failed automatic payment on which it is tried again and "
        "the customer reminded, e.g. 3,5,7; empty: the company's.",
    )
    dunning_outcome = fields.Selection(
        OUTCOMES,
        "After the Last Retry",
        help="What happens to a subscription still unpaid after the last retry "
        "day; empty: the company's choice.",
    )

    _sql_constraints = [
        (
            "interval_count_positive",
            "CHECK(interval_count > 0)",
            "A plan bills every 1 or more weeks, months, quarters or years: set "
            "'Bill Every' to a positive number.",
        ),
        (
            "limits_positive",
            "CHECK(minimum_term_months >= 0 AND notice_period_days >= 0 "
            "AND pause_max_days >= 0)",
            "The minimum term, the notice period and the longest pause cannot be "
            "negative: use 0 for no limit.",
        ),
        (
            "trial_days_positive",
            "CHECK(trial_days >= 0)",
            "The trial length cannot be negative: use 0 for no trial.",
        ),
        (
            "term_periods_positive",
            "CHECK(term_type != 'fixed' OR term_periods > 0)",
            "A fixed-term plan needs a positive number of periods.",
        ),
        (
            "code_company_unique",
            "UNIQUE(code, company_id)",
            "Another plan of this company already uses this code.",
        ),
    ]

    @api.constrains("interval_count", "trial_days", "term_type", "term_periods")
    def _check_intervals(self):
        for plan in self:
            if plan.interval_count <= 0:
                raise ValidationError(
                    self.env._(
                        "Plan %(plan)s bills every %(count)s %(unit)s: set 'Bill Every' "
                        "to 1 or more.",
                        plan=plan.name,
                        count=plan.interval_count,
                        unit=selection_label(plan, "interval_unit").lower(),
                    )
                )
            if plan.trial_days < 0:
                raise ValidationError(
                    self.env._(
                        "Plan %(plan)s has a negative trial length: use 0 for no trial.",
                        plan=plan.name,
                    )
                )
            if plan.term_type == "fixed" and plan.term_periods <= 0:
                raise ValidationError(
                    self.env._(
                        "Plan %(plan)s has a fixed term: set its number of periods.",
                        plan=plan.name,
                    )
                )

    @api.constrains("dunning_retry_days", "dunning_outcome")
    def _check_dunning_policy(self):
        for plan in self.filtered("dunning_retry_days"):
            plan._dunning_policy()

    def _dunning_policy(self):
        """The dunning policy of this plan: its own days and outcome, else the
        company's."""
        self.ensure_one()
        company = self.company_id or self.env.company
        return dunning_policy(
            self.env,
            self.dunning_retry_days or company.dunning_retry_days,
            self.dunning_outcome or company.dunning_outcome,
            self.display_name,
        )

    def write(self, vals):
        billing_keys = {"interval_unit", "interval_count", "is_free", "currency_id"}
        if billing_keys & set(vals):
            used = self.env["recurring.subscription"].search_count(
                [("plan_id", "in", self.ids), ("state", "!=", "draft")], limit=1
            )
            if used:
                raise ValidationError(
                    self.env._(
                        "This plan has started subscriptions: its billing interval, "
                        "currency and freemium setting cannot change. Archive it and "
                        "create a new plan instead."
                    )
                )
        return super().write(vals)

    @api.depends("line_ids.price_subtotal")
    def _compute_amount(self):
        for plan in self:
            plan.amount = sum(plan.line_ids.mapped("price_subtotal"))

    def _compute_subscription_count(self):
        counts = dict(
            self.env["recurring.subscription"]._read_group(
                [("plan_id", "in", self.ids)], ["plan_id"], ["__count"]
            )
        )
        for plan in self:
            plan.subscription_count = counts.get(plan, 0)

    @api.depends("name", "code")
    def _compute_display_name(self):
        for plan in self:
            plan.display_name = (
                f"[{plan.code}] {plan.name}" if plan.code else plan.name or ""
            )

    def _monthly_factor(self):
        """Factor turning one period's amount into a monthly amount (MRR)."""
        self.ensure_one()
        return monthly_factor(self.interval_unit, self.interval_count)

    def action_view_subscriptions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "recurring_billing.recurring_subscription_action"
        )
        action["domain"] = [("plan_id", "=", self.id)]
        action["context"] = {"default_plan_id": self.id}
        return action
