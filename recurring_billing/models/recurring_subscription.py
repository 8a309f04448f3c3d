"""The subscription: its fields, constraints and amounts, and the change log of its writes.

Its methods live in role files, each calling only downwards (doc/BILLING.md, DEVELOP.md):

- ``recurring_subscription_lifecycle``: the state machine (start, trial, pause, resume,
  cancel, reactivate, renew) and its daily job;
- ``recurring_subscription_change``: changes of plan, add-ons and quantities, now or at
  the end of the period;
- ``recurring_subscription_invoicing``: the invoices and credit notes made of the
  periods, the one door through which the two files above invoice or credit;
- ``recurring_subscription_billing``: which periods are due and what each bills (the
  schedule, the subscription as it bills a period, the preview of the next invoice);
- ``recurring_subscription_sepa``: the mandate or the saved payment method that
  collects it, and the switches between them.

Its invoices are charged to its saved payment method by ``account_move_payment``.

This file holds every field of the model (about fifty), which is why it is long.
"""

from fractions import Fraction

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..engine.schedule import Schedule
from .tools import check_state, has_rate

LIVE_STATES = ("trial", "active", "paused")

# The fields ``RecurringSubscription._schedule`` reads: what a computed field built on
# the schedule depends on.
SCHEDULE_FIELDS = (
    "date_anchor",
    "next_period_index",
    "date_end",
    "date_service_start",
    "plan_id.billing_mode",
    "plan_id.interval_unit",
    "plan_id.interval_count",
)


class RecurringSubscription(models.Model):
    _name = "recurring.subscription"
    _description = "Subscription"
    _inherit = [
        "portal.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "recurring.mrr.tracking.mixin",
        "recurring.value.check.mixin",
    ]
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
        help="Prices of new lines come from this pricelist, in its currency. Moving a "
        "running subscription to a pricelist in another currency prices every line again "
        "and bills the change: the unused days are credited in the old currency and the "
        "rest of the period is charged in the new one.",
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
        [
            ("manual", "Manual payment"),
            ("sepa", "SEPA Direct Debit"),
            ("token", "Saved payment method"),
        ],
        required=True,
        default="manual",
        tracking=True,
        index=True,
    )
    payment_token_id = fields.Many2one(
        "payment.token",
        "Saved Payment Method",
        tracking=True,
        check_company=True,
        domain="[('id', 'in', payment_token_allowed_ids)]",
        help="Card or account of the customer, saved with a payment provider, that "
        "pays each posted invoice of this subscription automatically.",
    )
    payment_token_allowed_ids = fields.Many2many(
        "payment.token",
        compute="_compute_payment_token_allowed_ids",
        string="Saved Payment Methods That May Pay It",
        help="The customer's saved payment methods that may pay this subscription: "
        "those its Saved Payment Method may be chosen from.",
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
    date_term_end = fields.Date(
        "Term End",
        copy=False,
        readonly=True,
        help="Last day of the current fixed term, renewals included; the end date "
        "comes back to it when a cancellation planned at period end is revoked.",
    )
    date_paid_until = fields.Date(
        "Paid Until",
        copy=False,
        readonly=True,
        help="Last day paid of the current period when the days after it were "
        "credited (a pause, a cancellation crediting the unused days) or never "
        "billed (a pause or a cancellation before the period was invoiced).",
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
        # Subscriptions in other currencies cannot be added up.
        aggregator=None,
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
        # In the subscription's currency: totals add up MRR (company currency).
        aggregator=None,
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
    date_service_start = fields.Date(
        "Service From",
        copy=False,
        readonly=True,
        help="Day paid service starts inside a period that began earlier (a start "
        "aligned to the calendar, or a resume keeping the billing anchor): that period "
        "is billed from this day, prorated.",
    )
    period_ids = fields.One2many(
        "recurring.period", "subscription_id", "Billed Periods", readonly=True
    )
    period_count = fields.Integer(compute="_compute_period_count")
    invoice_error = fields.Text(
        "Invoicing Error",
        readonly=True,
        copy=False,
        help="Why the last scheduled invoicing of this subscription failed; it is "
        "retried on the next run and cleared once invoiced.",
    )
    preview_date_start = fields.Date(
        "Next Period Start", compute="_compute_invoice_preview"
    )
    preview_date_end = fields.Date(
        "Next Period End", compute="_compute_invoice_preview"
    )
    preview_date_invoice = fields.Date(
        "Next Billing Date", compute="_compute_invoice_preview"
    )
    preview_html = fields.Html(
        "Next Invoice Preview", compute="_compute_invoice_preview", sanitize=False
    )
    pending_plan_id = fields.Many2one(
        "recurring.plan",
        "Scheduled Plan",
        copy=False,
        tracking=True,
        check_company=True,
        help="Plan the subscription moves to at the end of its current period.",
    )
    date_pending_change = fields.Date(
        "Scheduled Change On",
        copy=False,
        tracking=True,
        help="Day the scheduled plan, quantities and prices come into force: the "
        "start of the next period.",
    )
    has_pending_line_change = fields.Boolean(compute="_compute_has_pending_line_change")
    mandate_id = fields.Many2one(
        "sepa.mandate",
        "SEPA Mandate",
        compute="_compute_mandate_id",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        index="btree_not_null",
        check_company=True,
        domain="[('commercial_partner_id', '=', commercial_partner_id), "
        "('state', '=', 'valid')]",
        help="Mandate signed by the customer to collect this subscription's invoices "
        "by SEPA Direct Debit.",
    )
    sepa_payment_returned = fields.Boolean(
        "Payment Returned", related="mandate_id.payment_returned"
    )
    sepa_return_reason_code = fields.Selection(
        string="Return Reason", related="mandate_id.return_reason_code"
    )
    sepa_payment_failed = fields.Boolean(
        "Payment Failed",
        copy=False,
        tracking=True,
        help="A direct debit of this subscription was returned and will not be "
        "presented again automatically.",
    )
    is_suspended = fields.Boolean(
        "Suspended",
        readonly=True,
        copy=False,
        tracking=True,
        help="Paused for non-payment after the last day of its payment follow-up: no "
        "invoice is made and integrations may deny access until the overdue invoices "
        "are paid, which resumes it.",
    )
    dunning_id = fields.Many2one(
        "recurring.dunning",
        "Payment Follow-up",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The follow-up of a failed automatic payment that is open now.",
    )
    dunning_step = fields.Integer(related="dunning_id.step", string="Reminders Sent")
    dunning_date_next = fields.Date(
        related="dunning_id.date_next_step", string="Next Retry"
    )
    dunning_amount_due = fields.Monetary(
        related="dunning_id.amount_due", string="Amount Due"
    )

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

    @api.constrains("mandate_id")
    def _check_mandate_id(self):
        for sub in self.filtered("mandate_id"):
            sub.mandate_id._check_usable(sub.partner_id, sub.company_id)

    @api.constrains("partner_id", "company_id")
    def _check_mandate_owner(self):
        for sub in self.filtered("mandate_id"):
            sub.mandate_id.filtered(lambda m: m.state == "valid")._check_usable(
                sub.partner_id, sub.company_id
            )

    @api.constrains("payment_method")
    def _check_payment_method(self):
        self.filtered(lambda s: s.state != "draft")._check_sepa_mandate()

    @api.constrains(
        "payment_method",
        "payment_token_id",
        "partner_id",
        "company_id",
        "currency_id",
        "state",
    )
    def _check_payment_token(self):
        for sub in self.filtered(lambda s: s.payment_method == "token"):
            error = sub._payment_token_error()
            if error and (sub.payment_token_id or sub.state != "draft"):
                raise ValidationError(error)

    @api.depends("partner_id", "company_id", "currency_id")
    def _compute_payment_token_allowed_ids(self):
        # The tokens are the payment managers' records: which of them may pay is
        # decided here for whoever picks one.
        tokens = (
            self.env["payment.token"]
            .sudo()
            .search(
                [
                    (
                        "partner_id",
                        "child_of",
                        self.partner_id.commercial_partner_id.ids,
                    )
                ]
            )
        )
        for sub in self:
            sub.payment_token_allowed_ids = tokens.filtered(
                lambda token, sub=sub: not sub._payment_token_error(token)
            )

    def _payment_token_error(self, token=None):
        """Why the saved payment method of this subscription (or ``token``, another
        one it would be paid by) cannot pay its invoices now, or ``None`` if it
        can."""
        self.ensure_one()
        token = self.payment_token_id if token is None else token
        # The provider's settings are the administrator's to read: whether it may
        # charge is a fact every user billing the subscription must be told.
        provider = token.sudo().provider_id
        values = {
            "subscription": self.name,
            "token": token.display_name,
            "provider": provider.name,
            "currency": self.currency_id.name,
        }
        if not token:
            return self.env._(
                "%(subscription)s is paid by a saved payment method but has none: set "
                "its Saved Payment Method or choose another payment method.",
                **values,
            )
        if token.partner_id.commercial_partner_id != self.commercial_partner_id:
            return self.env._(
                "The Saved Payment Method %(token)s of %(subscription)s belongs to "
                "%(owner)s, not to the customer %(customer)s: pick one of the "
                "customer's saved payment methods.",
                owner=token.partner_id.display_name,
                customer=self.commercial_partner_id.display_name,
                **values,
            )
        if provider.state not in ("enabled", "test"):
            return self.env._(
                "The Saved Payment Method %(token)s of %(subscription)s is saved with "
                "%(provider)s, which is disabled: enable the provider or pick another "
                "Saved Payment Method.",
                **values,
            )
        if not token.active:
            return self.env._(
                "The Saved Payment Method %(token)s of %(subscription)s is archived: "
                "pick another one.",
                **values,
            )
        if provider.company_id != self.company_id:
            return self.env._(
                "The Saved Payment Method %(token)s of %(subscription)s is saved with "
                "%(provider)s of %(provider_company)s, not of %(company)s: pick one "
                "saved with a provider of %(company)s.",
                provider_company=provider.company_id.name,
                company=self.company_id.name,
                **values,
            )
        currencies = provider.available_currency_ids
        if currencies and self.currency_id not in currencies:
            return self.env._(
                "%(subscription)s bills in %(currency)s but %(provider)s, the provider "
                "of its Saved Payment Method, does not accept %(currency)s: add the "
                "currency to the provider or pick another Saved Payment Method.",
                **values,
            )
        return None

    @api.depends("partner_id")
    def _compute_partner_invoice_id(self):
        for sub in self:
            sub.partner_invoice_id = sub.partner_id.address_get(["invoice"])["invoice"]

    @api.depends("pricelist_id", "plan_id")
    def _compute_currency_id(self):
        for sub in self:
            sub.currency_id = sub._currency_of(sub.pricelist_id)

    def _currency_of(self, pricelist, plan=None):
        """The currency this subscription bills in with ``pricelist`` (or none) and
        ``plan`` (default: its own)."""
        self.ensure_one()
        return (
            pricelist.currency_id
            or (plan or self.plan_id).currency_id
            or self.company_id.currency_id
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

    @api.depends(
        "line_ids.quantity",
        "line_ids.price_unit",
        "line_ids.discount",
        "line_ids.tax_ids",
        "currency_id",
        "company_id",
    )
    def _compute_amount_untaxed(self):
        for sub in self:
            sub.amount_untaxed = sub._period_tax_totals()["base_amount_currency"]

    @api.depends(
        "line_ids.quantity",
        "line_ids.price_unit",
        "line_ids.discount",
        "line_ids.tax_ids",
        "currency_id",
        "company_id",
        "partner_invoice_id",
    )
    def _compute_amount_tax(self):
        # Odoo's tax computation, as on the invoice: a price that includes its taxes
        # is split into untaxed amount and taxes, not taxed a second time.
        for sub in self:
            totals = sub._period_tax_totals()
            sub.amount_tax = totals["tax_amount_currency"]
            sub.amount_total = totals["total_amount_currency"]

    def _period_tax_totals(self):
        """Odoo's tax totals of the lines, as one period's invoice would show them."""
        company = self.company_id or self.env.company
        return self.line_ids._tax_totals(
            self.currency_id or company.currency_id, company
        )

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

    def _compute_invoice_count(self):
        counts = dict(
            self.env["account.move"]._read_group(
                [("subscription_id", "in", self.ids)], ["subscription_id"], ["__count"]
            )
        )
        for sub in self:
            sub.invoice_count = counts.get(sub, 0)

    def _compute_period_count(self):
        counts = dict(
            self.env["recurring.period"]._read_group(
                [("subscription_id", "in", self.ids)], ["subscription_id"], ["__count"]
            )
        )
        for sub in self:
            sub.period_count = counts.get(sub, 0)

    def _compute_access_url(self):
        for sub in self:
            sub.access_url = f"/my/subscriptions/{sub.id}"

    @api.depends("line_ids.has_pending_quantity", "line_ids.has_pending_price")
    def _compute_has_pending_line_change(self):
        for sub in self:
            sub.has_pending_line_change = bool(sub._pending_lines())

    def _pending_lines(self):
        return self.line_ids.filtered(
            lambda line: line.has_pending_quantity or line.has_pending_price
        )

    # -- The change log ----------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # Refused on the subscription itself, before a reference is taken.
        self.check_access("create")
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(vals.get("company_id"))
                vals["name"] = self.env["ir.sequence"].with_company(
                    company or self.env.company
                ).next_by_code("recurring.subscription") or self.env._("New")
        return super().create(vals_list)

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
            "is_involuntary": (
                event_type == "suspension"
                or (event_type == "cancel" and self.cancel_reason_id.is_involuntary)
            ),
            "currency_id": self.currency_id.id,
            "mrr_before": mrr_before,
            "mrr_after": mrr_after,
            "company_currency_id": self.company_id.currency_id.id,
        }

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

    def _schedule(self, **changes):
        """The billing schedule of this subscription (engine/schedule.py), the one
        place that says which periods are due, for which days; ``changes`` overrides
        some of its values (another anchor…). None without anchor or plan."""
        self.ensure_one()
        plan = self.plan_id
        values = {
            "anchor": self.date_anchor,
            "unit": plan.interval_unit,
            "count": plan.interval_count,
            "in_advance": plan.billing_mode == "advance",
            "next_index": self.next_period_index,
            "service_start": self.date_service_start or None,
            "date_end": self.date_end or None,
        } | changes
        if not values["anchor"] or not plan:
            return None
        return Schedule(**values)

    # -- Checks shared by the role files -----------------------------------------------

    def _check_states(self, allowed, action):
        check_state(self, allowed, action)

    def _check_changeable(self):
        cancelled = self.filtered(lambda sub: sub.state == "cancelled")
        if cancelled:
            raise UserError(
                self.env._(
                    "%(subscription)s is cancelled: a cancelled subscription cannot be "
                    "changed. Reactivate it first.",
                    subscription=cancelled[0].name,
                )
            )

    def _check_invoice_address(self):
        """Raise unless the invoice address of each paid subscription is one."""
        # Looped over self, not over a filtered copy: the records keep self's
        # prefetch, so the addresses of a whole batch are read in one query.
        for sub in self:
            if sub.plan_id.is_free:
                continue
            partner = sub.partner_invoice_id
            if not (partner.street or partner.city):
                raise UserError(
                    self.env._(
                        "The invoice address %(partner)s of %(subscription)s has no "
                        "address: fill in its street and city.",
                        partner=partner.display_name,
                        subscription=sub.name,
                    )
                )

    def _check_startable(self):
        """Raise unless these subscriptions may start paid or trial service now: every
        invoice they will make must be possible."""
        self._check_billable()
        self._check_invoice_address()
        for sub in self:
            if not sub.plan_id.active:
                raise UserError(
                    self.env._(
                        "%(subscription)s is on the archived plan %(plan)s: choose a "
                        "plan that is still sold, or restore the plan.",
                        subscription=sub.name,
                        plan=sub.plan_id.display_name,
                    )
                )
            sub._check_rate(sub.currency_id)

    def _check_rate(self, currency):
        """Raise unless amounts of this subscription convert from ``currency``."""
        self.ensure_one()
        company_currency = self.company_id.currency_id
        # Rates are relative to one currency left without rates: when neither
        # currency has a rate, every amount would be converted at 1.0.
        if (
            currency != company_currency
            and not has_rate(currency, self.company_id)
            and not has_rate(company_currency, self.company_id)
        ):
            raise UserError(
                self.env._(
                    "%(currency)s has no exchange rate in %(company)s, so the "
                    "amounts of %(subscription)s cannot be converted: add a rate "
                    "(Accounting › Configuration › Currencies) first.",
                    currency=currency.name,
                    company=self.company_id.name,
                    subscription=self.name,
                )
            )

    def _check_billable(self):
        for sub in self:
            if sub.plan_id.is_free:
                continue
            if not sub.line_ids:
                raise UserError(
                    self.env._(
                        "%(subscription)s has no lines: add what the customer pays "
                        "for before starting it.",
                        subscription=sub.name,
                    )
                )
            if sub.currency_id.is_zero(sub.amount_untaxed):
                raise UserError(
                    self.env._(
                        "%(subscription)s is on the paid plan %(plan)s but its total "
                        "is zero: set prices or choose a free plan.",
                        subscription=sub.name,
                        plan=sub.plan_id.display_name,
                    )
                )

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
