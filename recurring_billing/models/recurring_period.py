from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..engine.periods import Period
from .tools import selection_label


class RecurringPeriod(models.Model):
    """The period ledger: one row per invoiced period of a subscription.

    The unique index on (subscription, start) is what makes invoicing a period twice
    impossible, whatever runs at the same time. A period credited in full no longer
    holds its start: new periods starting that day (a change to other periods, a
    reactivation, a resume) bill it again.
    """

    _name = "recurring.period"
    _description = "Billing Period"
    _order = "subscription_id, date_start desc, id desc"
    _rec_name = "date_start"
    _check_company_auto = True

    subscription_id = fields.Many2one(
        "recurring.subscription",
        required=True,
        readonly=True,
        # Only draft subscriptions can be deleted, and they have no period: cascade
        # serves the uninstallation of the module.
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        related="subscription_id.company_id", store=True, index=True
    )
    partner_id = fields.Many2one(
        related="subscription_id.partner_id", string="Customer", store=True
    )
    currency_id = fields.Many2one(related="subscription_id.currency_id")
    period_index = fields.Integer(
        readonly=True, help="Index of the period, counted from the anchor date."
    )
    date_start = fields.Date("Period Start", required=True, readonly=True)
    date_end = fields.Date("Period End", required=True, readonly=True)
    date_invoice = fields.Date(
        "Billing Date",
        readonly=True,
        help="Day the period is billed: its first day in advance, the day after its "
        "last day in arrears.",
    )
    move_ids = fields.One2many(
        "account.move",
        "recurring_period_id",
        "Invoices and Credit Notes",
        readonly=True,
    )
    line_ids = fields.One2many(
        "account.move.line", "recurring_period_id", "Invoice Lines", readonly=True
    )
    move_id = fields.Many2one(
        "account.move",
        "Invoice",
        compute="_compute_move_id",
        store=True,
        index="btree_not_null",
        help="The latest invoice of the period; earlier ones, cancelled, stay in "
        "the list of its invoices.",
    )
    amount_untaxed = fields.Monetary(
        related="move_id.amount_untaxed", currency_field="currency_id"
    )
    is_written_off = fields.Boolean("Written Off", readonly=True, copy=False)
    is_credited = fields.Boolean(
        "Credited in Full",
        readonly=True,
        copy=False,
        help="Every day of the period was credited: the service stopped, or moved to "
        "other periods, before its first day. New periods may start that day.",
    )
    state = fields.Selection(
        [
            ("invoiced", "Invoiced"),
            ("to_reinvoice", "To Re-invoice"),
            ("written_off", "Written Off"),
            ("credited", "Credited"),
        ],
        compute="_compute_state",
        store=True,
        index=True,
        help="To re-invoice: its invoice was cancelled, reset to draft or deleted. "
        "Written off: on purpose, it will not be billed. Credited: every day of it "
        "was credited, the service stopped or moved to other periods.",
    )

    _sql_constraints = [
        (
            "subscription_start_unique",
            # The partial unique index made by init(): periods credited in full are
            # left out of it.
            "",
            "This period of the subscription is already in the ledger: a period is "
            "invoiced only once.",
        ),
        (
            "end_after_start",
            "CHECK(date_end >= date_start)",
            "A period cannot end before it starts.",
        ),
    ]

    def init(self):
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (subscription_id, date_start) "
                "WHERE is_credited IS NOT TRUE",
                SQL.identifier(f"{self._table}_subscription_start_unique"),
                SQL.identifier(self._table),
            )
        )

    @api.depends("move_ids.recurring_kind")
    def _compute_move_id(self):
        for period in self:
            invoices = period.move_ids.filtered(
                lambda move: move.recurring_kind == "period"
            )
            period.move_id = max(invoices, key=lambda move: move.id, default=False)

    @api.depends(
        "move_id.state",
        "move_id.posted_before",
        "move_id.reversal_move_ids.state",
        "move_id.reversal_move_ids.amount_total",
        "is_written_off",
        "is_credited",
    )
    def _compute_state(self):
        for period in self:
            move = period.move_id
            # A draft never posted is the plan's "leave in draft"; a draft posted before
            # was reset to be corrected and is no longer a valid invoice; nor is one
            # that posted credit notes reverse in full (doc/BILLING.md). A partial
            # credit note leaves the period billed.
            credited = sum(
                move.reversal_move_ids.filtered(
                    lambda credit: credit.state == "posted"
                ).mapped("amount_total")
            )
            valid = (
                move
                and (
                    move.state == "posted"
                    or (move.state == "draft" and not move.posted_before)
                )
                and move.currency_id.compare_amounts(credited, move.amount_total) < 0
            )
            if valid:
                # Credited in full by a step: its invoice stands beside the credit.
                # An invoice of it cancelled since is to re-invoice all the same, or
                # the credit would be left alone.
                period.state = "credited" if period.is_credited else "invoiced"
            elif period.is_written_off:
                period.state = "written_off"
            else:
                period.state = "to_reinvoice"

    @api.depends("subscription_id", "date_start", "date_end")
    def _compute_display_name(self):
        for period in self:
            period.display_name = "%s: %s – %s" % (
                period.subscription_id.name or "",
                period.date_start or "",
                period.date_end or "",
            )

    def _holding(self):
        """The rows holding their periods' starts: not those credited in full."""
        return self.filtered(lambda record: not record.is_credited)

    def _mark_credited(self, periods, day):
        """Record that the rows holding a start within ``periods`` on or after ``day``
        are credited in full, the days of ``periods`` from ``day`` just credited: new
        periods may start on their first days (doc/BILLING.md). A row may hold only
        part of its period (prorated from a calendar anchor or a resume)."""
        rows = self._holding().filtered(
            lambda record: record.date_start >= day and record._within(periods)
        )
        # sudo: users only read the ledger; the credit was the step's to make.
        rows.sudo().is_credited = True

    def _unmark_credited(self, periods):
        """Rows within ``periods`` credited in full and charged again hold their starts
        again, unless newer rows starting the same day hold them."""
        held = set(self._holding().mapped("date_start"))
        rows = self.filtered(
            lambda record: (
                record.is_credited
                and record.date_start not in held
                and record._within(periods)
            )
        )
        # sudo: users only read the ledger; the charge was the step's to make.
        rows.sudo().is_credited = False

    def _within(self, periods):
        """Whether this row starts within one of ``periods``."""
        self.ensure_one()
        return any(period.start <= self.date_start <= period.end for period in periods)

    @api.model
    def _create_billed(self, vals_list):
        """Record in the ledger the periods whose invoices are being created.

        Users only read the ledger: a row without its invoice would keep a period from
        ever being billed. Whoever may create the invoices may record their periods.
        """
        self.env["account.move"].check_access("create")
        # sudo: the ledger is written only here and by the write-off, after the checks.
        return self.sudo().create(vals_list).with_env(self.env)

    def _check_to_reinvoice(self, action):
        wrong = self.filtered(lambda period: period.state != "to_reinvoice")
        if wrong:
            raise UserError(
                self.env._(
                    "The period %(period)s is %(state)s: only a period whose invoice "
                    "was cancelled, reset to draft or deleted can be %(action)s.",
                    period=wrong[0].display_name,
                    state=selection_label(wrong[0], "state").lower(),
                    action=action,
                )
            )

    def action_reinvoice(self):
        """Bill the periods to re-invoice again.

        An invoice reset to draft is posted again; a cancelled or deleted one is
        replaced by a new invoice of the same period.
        """
        self._check_to_reinvoice(self.env._("re-invoiced"))
        credited = self.filtered("is_credited")
        if credited:
            raise UserError(
                self.env._(
                    "The period %(period)s was credited in full when its days moved "
                    "to other periods, which bill them: it cannot be billed again. "
                    "Cancel its credit note too, then write the period off.",
                    period=credited[0].display_name,
                )
            )
        drafts = self.filtered(lambda period: period.move_id.state == "draft")
        drafts.move_id.action_post()
        today = fields.Date.context_today(self)
        for period in self - drafts:
            dates = Period(period.period_index, period.date_start, period.date_end)
            period.subscription_id._invoice_periods([dates], period, invoice_date=today)
        return True

    def action_write_off(self):
        """Give up billing the periods whose invoice was cancelled or deleted."""
        self.check_access("read")
        if not self.env.su and not (
            self.env.user.has_group("account.group_account_invoice")
            or self.env.user.has_group("recurring_billing.group_manager")
        ):
            raise AccessError(
                self.env._(
                    "Only invoicing users and subscription managers can write off a "
                    "period: ask one of them, or re-invoice the period."
                )
            )
        self._check_to_reinvoice(self.env._("written off"))
        # sudo: users only read the ledger; who may write off was checked above. The
        # note goes on the subscription, which an invoicing user may only read.
        periods = self.sudo()
        periods.write({"is_written_off": True})
        for period in periods:
            period.subscription_id.message_post(
                body=self.env._(
                    "Period %(start)s – %(end)s written off: it will not be billed.",
                    start=period.date_start,
                    end=period.date_end,
                )
            )
        return True

    def action_view_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("recurring_period_id", "=", self.id)]
        action["context"] = {"create": False}
        return action
