from fractions import Fraction

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..engine.periods import billing_date, period, period_index_at

LIVE_STATES = ("trial", "active", "paused")


class RecurringSubscription(models.Model):
    _name = "recurring.subscription"
    _description = "Subscription"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        "Reference", required=True, readonly=True, copy=False, default="/", index=True
    )
    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, tracking=True, check_company=True
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, index=True
    )
    partner_invoice_id = fields.Many2one(
        "res.partner",
        "Invoice Address",
        compute="_compute_partner_invoice_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        check_company=True,
    )
    plan_id = fields.Many2one(
        "recurring.plan", required=True, tracking=True, check_company=True
    )
    is_free = fields.Boolean(related="plan_id.is_free")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    pricelist_id = fields.Many2one(
        "product.pricelist",
        check_company=True,
        help="Prices of new lines come from this pricelist, in its currency.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        readonly=False,
        required=True,
        precompute=True,
    )
    fiscal_position_id = fields.Many2one(
        "account.fiscal.position",
        compute="_compute_fiscal_position_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
    )
    user_id = fields.Many2one(
        "res.users", "Salesperson", default=lambda self: self.env.user, tracking=True
    )
    line_ids = fields.One2many(
        "recurring.subscription.line", "subscription_id", copy=True
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("trial", "In Trial"),
            ("active", "Active"),
            ("paused", "Paused"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="draft",
        copy=False,
        tracking=True,
        index=True,
    )
    payment_method = fields.Selection(
        [("manual", "Manual payment"), ("sepa", "SEPA Direct Debit")],
        required=True,
        default="manual",
        tracking=True,
    )
    date_start = fields.Date(
        "Start Date", required=True, default=fields.Date.context_today, tracking=True
    )
    date_trial_end = fields.Date("Trial End", copy=False, tracking=True)
    trial_reminder_sent = fields.Boolean(copy=False)
    date_anchor = fields.Date(
        "Period Anchor",
        copy=False,
        help="Periods are counted from this date: the start of paid service, or "
        "of the calendar period it was aligned to.",
    )
    next_period_index = fields.Integer(
        copy=False, help="Index, from the anchor, of the next period to invoice."
    )
    date_next_invoice = fields.Date(
        "Next Invoice", compute="_compute_date_next_invoice", store=True, index=True
    )
    date_period_start = fields.Date(
        "Current Period Start", compute="_compute_current_period"
    )
    date_period_end = fields.Date(
        "Current Period End", compute="_compute_current_period"
    )
    date_end = fields.Date(
        "End Date",
        copy=False,
        tracking=True,
        help="Last day of service: end of a fixed term or of a cancelled subscription.",
    )
    date_pause = fields.Date("Paused Since", copy=False)
    date_resume = fields.Date(
        "Resume On", copy=False, tracking=True, help="Resumed automatically that day."
    )
    cancel_at_period_end = fields.Boolean(copy=False, tracking=True)
    cancel_reason_id = fields.Many2one(
        "recurring.cancel.reason", copy=False, tracking=True
    )
    amount_untaxed = fields.Monetary(
        "Amount per Period",
        compute="_compute_amount_untaxed",
        store=True,
        tracking=True,
        currency_field="currency_id",
    )
    amount_tax = fields.Monetary(
        "Taxes per Period", compute="_compute_amount_tax", currency_field="currency_id"
    )
    amount_total = fields.Monetary(
        "Total per Period", compute="_compute_amount_tax", currency_field="currency_id"
    )
    mrr = fields.Monetary(
        "MRR",
        compute="_compute_mrr",
        store=True,
        currency_field="currency_id",
        help="Monthly recurring revenue: the amount per period, excluding taxes, "
        "brought to one month; 0 in trial, while paused, on a free plan, once "
        "cancelled.",
    )
    mrr_company = fields.Monetary(
        "MRR (company currency)",
        readonly=True,
        copy=False,
        currency_field="company_currency_id",
        help="Converted at the rate of the date of the change that set it.",
    )
    event_ids = fields.One2many("recurring.subscription.event", "subscription_id")
    invoice_ids = fields.One2many("account.move", "subscription_id")
    invoice_count = fields.Integer(compute="_compute_invoice_count")

    _sql_constraints = [
        (
            "name_company_unique",
            "UNIQUE(name, company_id)",
            "Another subscription of this company has this reference.",
        ),
        (
            "trial_end_after_start",
            "CHECK(date_trial_end IS NULL OR date_trial_end >= date_start)",
            "The trial cannot end before the subscription starts.",
        ),
        (
            "end_after_start",
            "CHECK(date_end IS NULL OR date_end >= date_start)",
            "The end date cannot be before the start date.",
        ),
        (
            "next_period_index_positive",
            "CHECK(next_period_index >= 0)",
            "The next period to invoice cannot be before the first period.",
        ),
    ]

    @api.constrains("pricelist_id", "currency_id", "date_start", "date_end")
    def _check_currency_and_dates(self):
        for sub in self:
            if sub.pricelist_id and sub.pricelist_id.currency_id != sub.currency_id:
                raise ValidationError(
                    self.env._(
                        "%(subscription)s is in %(currency)s but its pricelist "
                        "%(pricelist)s sells in %(pricelist_currency)s: pick a "
                        "pricelist in %(currency)s or change the currency.",
                        subscription=sub.name,
                        currency=sub.currency_id.name,
                        pricelist=sub.pricelist_id.name,
                        pricelist_currency=sub.pricelist_id.currency_id.name,
                    )
                )
            if sub.date_end and sub.date_end < sub.date_start:
                raise ValidationError(
                    self.env._(
                        "%(subscription)s would end on %(end)s, before it starts on "
                        "%(start)s: fix the dates.",
                        subscription=sub.name,
                        end=sub.date_end,
                        start=sub.date_start,
                    )
                )

    @api.depends("partner_id")
    def _compute_partner_invoice_id(self):
        for sub in self:
            sub.partner_invoice_id = sub.partner_id.address_get(["invoice"])["invoice"]

    @api.depends("pricelist_id", "plan_id")
    def _compute_currency_id(self):
        for sub in self:
            sub.currency_id = (
                sub.pricelist_id.currency_id
                or sub.plan_id.currency_id
                or sub.company_id.currency_id
                or self.env.company.currency_id
            )

    @api.depends("partner_id", "partner_invoice_id", "company_id")
    def _compute_fiscal_position_id(self):
        for sub in self:
            sub.fiscal_position_id = (
                self.env["account.fiscal.position"]
                .with_company(sub.company_id)
                ._get_fiscal_position(sub.partner_invoice_id or sub.partner_id)
            )

    @api.onchange("plan_id")
    def _onchange_plan_id(self):
        """A draft takes the lines of the plan it is given; add-ons are added later."""
        if self.state != "draft" or not self.plan_id:
            return
        self.line_ids = [Command.clear()] + [
            Command.create(
                {
                    "product_id": line.product_id.id,
                    "name": line.name or line.product_id.display_name,
                    "quantity": line.quantity,
                }
            )
            for line in self.plan_id.line_ids
        ]

    @api.depends("line_ids.price_subtotal")
    def _compute_amount_untaxed(self):
        for sub in self:
            sub.amount_untaxed = sum(sub.line_ids.mapped("price_subtotal"))

    @api.depends("line_ids.tax_ids", "line_ids.price_subtotal")
    def _compute_amount_tax(self):
        for sub in self:
            tax = 0.0
            for line in sub.line_ids:
                taxes = line.tax_ids.compute_all(
                    line.price_subtotal,
                    currency=sub.currency_id,
                    product=line.product_id,
                    partner=sub.partner_invoice_id,
                )
                tax += taxes["total_included"] - taxes["total_excluded"]
            sub.amount_tax = tax
            sub.amount_total = sub.amount_untaxed + tax

    @api.depends(
        "state", "amount_untaxed", "plan_id.interval_unit", "plan_id.interval_count"
    )
    def _compute_mrr(self):
        for sub in self:
            if sub.state != "active" or sub.plan_id.is_free:
                sub.mrr = 0.0
                continue
            # Exact arithmetic so that 12/week gives 52.00, not 51.99999.
            monthly = Fraction(str(sub.amount_untaxed)) * sub.plan_id._monthly_factor()
            sub.mrr = sub.currency_id.round(float(monthly))

    @api.depends(
        "state",
        "date_anchor",
        "next_period_index",
        "date_end",
        "date_service_start",
        "plan_id.billing_mode",
        "plan_id.interval_unit",
        "plan_id.interval_count",
    )
    def _compute_date_next_invoice(self):
        for sub in self:
            next_period = sub._period(sub.next_period_index)
            next_period = next_period and sub._clip_to_service(next_period)
            if (
                sub.state != "active"
                or not next_period
                or (sub.date_end and next_period.start > sub.date_end)
            ):
                sub.date_next_invoice = False
                continue
            sub.date_next_invoice = billing_date(
                next_period, sub.plan_id.billing_mode == "advance"
            )

    def _compute_current_period(self):
        today = self._today()
        for sub in self:
            current = None
            if sub.date_anchor and sub.state in LIVE_STATES:
                day = max(today, sub.date_anchor)
                plan = sub.plan_id
                index = period_index_at(
                    sub.date_anchor, plan.interval_unit, plan.interval_count, day
                )
                current = sub._period(index)
            sub.date_period_start = current and current.start
            sub.date_period_end = current and current.end

    def _compute_invoice_count(self):
        counts = dict(
            self.env["account.move"]._read_group(
                [("subscription_id", "in", self.ids)], ["subscription_id"], ["__count"]
            )
        )
        for sub in self:
            sub.invoice_count = counts.get(sub, 0)

    def _today(self):
        """The day changes take effect: today, or the ``recurring_today`` of the context.

        Data loads (demo data, migrations from another tool) replay a history by setting
        that key; they run as the system user. Anyone else could back-date changes with
        it over RPC (an upgrade before the start, the change log and the MRR with it),
        so for them it is ignored rather than refused: it also reaches computed fields,
        which must not fail on read. ``sudo()`` keeps the user, and the key with it,
        so only the system user itself counts, not a user's code run as superuser.
        """
        forced = self.env.context.get("recurring_today")
        if forced and self.env.user._is_superuser():
            return fields.Date.to_date(forced)
        return fields.Date.context_today(self)

    def _period(self, index):
        """The ``index``-th billing period from the anchor, or None without anchor."""
        self.ensure_one()
        if not self.date_anchor or not self.plan_id:
            return None
        plan = self.plan_id
        return period(self.date_anchor, plan.interval_unit, plan.interval_count, index)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(sub.state != "draft" for sub in self):
            raise UserError(
                self.env._(
                    "Only draft subscriptions can be deleted. Cancel the others: "
                    "their history stays in the change log."
                )
            )

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("subscription_id", "=", self.id)]
        action["context"] = {"default_move_type": "out_invoice", "create": False}
        return action
