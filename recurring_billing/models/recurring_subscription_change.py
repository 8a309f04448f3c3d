"""Changes of plan, quantities and prices: more applies now, less from the next period.

What waits for the next period is pending: the plan (``pending_plan_id``) and the
quantities and prices of lines (``pending_*`` on the lines), all coming into force on
``date_pending_change``. Until then they are shown on the subscription, revocable, and
already billed by the periods starting from that day.
"""

from datetime import timedelta
from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..engine.proration import prorate
from .recurring_subscription import LIVE_STATES
from .recurring_subscription_line import NO_PENDING, PRICE_NOW_KEY


class RecurringSubscription(models.Model):
    _inherit = "recurring.subscription"

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

    @api.depends("line_ids.has_pending_quantity", "line_ids.has_pending_price")
    def _compute_has_pending_line_change(self):
        for sub in self:
            sub.has_pending_line_change = bool(sub._pending_lines())

    def _pending_lines(self):
        return self.line_ids.filtered(
            lambda line: line.has_pending_quantity or line.has_pending_price
        )

    def _plan_line_commands(self, plan):
        """Commands replacing the base lines by ``plan``'s, keeping its add-ons."""
        self.ensure_one()
        kept_addons = self.line_ids.filtered(lambda line: line.addon_id.plan_id == plan)
        commands = [Command.unlink(line.id) for line in self.line_ids - kept_addons]
        commands += [
            Command.create(
                {
                    "product_id": line.product_id.id,
                    "name": line.name or line.product_id.display_name,
                    "quantity": line.quantity,
                    "price_unit": line.currency_id._convert(
                        line.price_unit,
                        self.currency_id,
                        self.company_id,
                        self._today(),
                    ),
                }
            )
            for line in plan.line_ids
        ]
        return commands

    def _plan_monthly_amount(self, plan):
        """What ``plan`` (this subscription's lines if it is its plan) brings per month."""
        self.ensure_one()
        if plan.is_free:
            return 0.0
        if plan == self.plan_id:
            amount = self.amount_untaxed
        else:
            amount = plan.currency_id._convert(
                plan.amount,
                self.currency_id,
                self.company_id,
                self._today(),
            )
        return float(plan._monthly_factor()) * amount

    def _is_upgrade_to(self, plan):
        """Whether moving to ``plan`` brings at least as much per month."""
        return self._plan_monthly_amount(plan) >= self._plan_monthly_amount(
            self.plan_id
        )

    def action_change_plan(self, plan, when=None):
        """Move to ``plan``: ``when`` is "now" or "period_end".

        By default an upgrade (more MRR) applies now, a downgrade at the end of the
        current period, where it stays visible and revocable until then.
        """
        self.ensure_one()
        if isinstance(plan, int):
            plan = self.env["recurring.plan"].browse(plan)
        self._check_states(("trial", "active"), self.env._("changed"))
        if plan == self.plan_id:
            raise UserError(
                self.env._(
                    "%(subscription)s is already on %(plan)s.",
                    subscription=self.name,
                    plan=plan.display_name,
                )
            )
        if plan.company_id != self.company_id:
            raise UserError(
                self.env._(
                    "%(plan)s belongs to another company than %(subscription)s.",
                    plan=plan.display_name,
                    subscription=self.name,
                )
            )
        upgrade = self._is_upgrade_to(plan)
        when = when or ("now" if upgrade else "period_end")
        if when == "period_end" and self._waits_for_next_period():
            self.pending_plan_id = plan
            self._date_pending_changes()
            return True
        self._change_now(
            "upgrade" if upgrade else "downgrade",
            {
                "plan_id": plan.id,
                "line_ids": self._plan_line_commands(plan),
                "pending_plan_id": False,
            },
        )
        # Scheduled changes of the add-ons kept by the new plan still hold.
        self._date_pending_changes()
        return True

    def _change_now(self, event_type, vals):
        """Write ``vals`` today; bill or credit the rest of a period billed in advance.

        Lines the change leaves as they were stay out of the prorated invoice, where
        their credit and charge would only cancel out.
        """
        self.ensure_one()
        today = self._today()
        billed_period = self._billed_current_period(today)
        old_lines = self._proration_lines()
        with self._mrr_tracking(event_type, always=True) as tracked:
            tracked.write(vals)
        if not billed_period:
            return
        new_lines = self._proration_lines()
        for line in list(old_lines):
            if line in new_lines:
                old_lines.remove(line)
                new_lines.remove(line)
        self._invoice_proration(old_lines, new_lines, billed_period, today)

    # -- Pending changes -------------------------------------------------------------

    def _next_period_start(self):
        """First day of the next period; None without a current period."""
        self.ensure_one()
        if self.state == "trial":
            # Paid service, and with it the first period, starts when the trial ends.
            return self.date_trial_end
        return self.date_period_end and self.date_period_end + timedelta(days=1)

    def _waits_for_next_period(self):
        """Whether a downgrade can wait for the next period: active, with periods."""
        self.ensure_one()
        return self.state == "active" and bool(self._next_period_start())

    def _date_pending_changes(self):
        """Date the pending changes at the next period start; no date once none is left."""
        for sub in self:
            pending = bool(sub.pending_plan_id or sub._pending_lines())
            if pending and not sub.date_pending_change:
                sub.date_pending_change = sub._next_period_start()
            elif not pending and sub.date_pending_change:
                sub.date_pending_change = False

    def action_cancel_pending_change(self):
        """Keep plan and lines as they are: forget the changes planned for next period."""
        self._pending_lines().write(NO_PENDING)
        self.write({"pending_plan_id": False, "date_pending_change": False})
        return True

    def _pending_line_commands(self):
        """Commands turning the lines into those of the next period."""
        self.ensure_one()
        plan = self.pending_plan_id
        commands = self._plan_line_commands(plan) if plan else []
        dropped = {command[1] for command in commands if command[0] == Command.UNLINK}
        for line in self._pending_lines():
            if line.id in dropped:
                continue
            if line.has_pending_quantity and not line.pending_quantity:
                commands.append(Command.unlink(line.id))
            else:
                commands.append(
                    Command.update(line.id, line._next_period_values() | NO_PENDING)
                )
        return commands

    def _view(self, plan, line_vals_list):
        """An in-memory copy of this subscription on ``plan`` with the given lines."""
        self.ensure_one()
        return self.new(
            {
                "partner_id": self.partner_id.id,
                "partner_invoice_id": self.partner_invoice_id.id,
                "company_id": self.company_id.id,
                "currency_id": self.currency_id.id,
                "fiscal_position_id": self.fiscal_position_id.id,
                "plan_id": plan.id,
                "line_ids": [Command.create(vals) for vals in line_vals_list],
            }
        )

    def _next_period_view(self):
        """This subscription once its pending changes are in force, in memory."""
        self.ensure_one()
        commands = self._pending_line_commands()
        changed = {
            command[1]: command for command in commands if command[0] != Command.CREATE
        }
        vals_list = []
        for line in self.line_ids:
            command = changed.get(line.id)
            if not command:
                vals_list.append(line._billing_values())
            elif command[0] == Command.UPDATE:
                vals_list.append(line._billing_values() | command[2])
        vals_list += [
            command[2] for command in commands if command[0] == Command.CREATE
        ]
        return self._view(self.pending_plan_id or self.plan_id, vals_list)

    def _billing_view(self, period):
        """The subscription as it bills ``period``: itself, or an in-memory copy.

        A period starting on or after the day of the pending changes bills them, so it
        does not matter whether the invoicing or the lifecycle job runs first that day.
        A period whose service starts after its first day (resumed keeping the anchor)
        bills each line prorated by days, as BILLING.md prorates changes.
        """
        self.ensure_one()
        pending = self.date_pending_change and self.date_pending_change <= period.start
        share = self._service_share(period)
        if not (pending or share):
            return self
        if pending:
            view = self._next_period_view()
        else:
            view = self._view(
                self.plan_id, [line._billing_values() for line in self.line_ids]
            )
        if share:
            precision = Decimal(str(self.currency_id.rounding))
            for line in view.line_ids:
                amount = prorate(line.price_subtotal, *share, precision=precision)
                line.update(
                    {"quantity": 1.0, "discount": 0.0, "price_unit": float(amount)}
                )
        return view

    # The invoicing file is loaded before this one: these overrides run on top of it.

    def _due_periods(self, today):
        return [self._clip_to_service(span) for span in super()._due_periods(today)]

    def _next_period(self):
        span = super()._next_period()
        return span and self._clip_to_service(span)

    @api.depends(
        "pending_plan_id",
        "date_pending_change",
        "date_service_start",
        "line_ids.pending_quantity",
        "line_ids.pending_price_unit",
        "line_ids.pending_discount",
    )
    def _compute_invoice_preview(self):
        return super()._compute_invoice_preview()

    def _preview_table(self, period):
        view = self._billing_view(period)
        if view == self:
            return super()._preview_table(period)
        return view._preview_table(period)

    def _invoice_line_vals(self, period, lang):
        view = self._billing_view(period)
        if view == self:
            return super()._invoice_line_vals(period, lang)
        return [
            dict(vals, subscription_id=self.id)
            for vals in view._invoice_line_vals(period, lang)
        ]

    @api.model
    def _cron_apply_pending_changes(self):
        """Bring the pending changes whose day has come into force, each dated that day."""
        due = self.search(
            [
                ("state", "in", LIVE_STATES),
                ("date_pending_change", "<=", self._today()),
            ]
        )
        # A subscription ending before the day of its changes ends on its current terms.
        for sub in due.filtered(
            lambda sub: not sub.date_end or sub.date_end >= sub.date_pending_change
        ):
            sub._run_step(sub._apply_pending_change)

    def _apply_pending_change(self):
        self.ensure_one()
        self._invoice_periods_before_change()
        self._bring_pending_into_force()

    def _invoice_periods_before_change(self):
        """Bill the periods begun before the change day but billed from that day on.

        In arrears the period ending on the eve of the change is billed on its day: it
        was sold on the current terms, so it is billed before they change, together
        with any period missed before it.
        """
        day = self.date_pending_change
        earlier = [p for p in self._due_periods(self._today()) if p.start < day]
        if earlier and self._billing_date(earlier[-1]) >= day:
            self._invoice_periods(earlier)
            self.next_period_index = earlier[-1].index + 1

    def _bring_pending_into_force(self):
        """Apply the pending changes, logged as an upgrade or a downgrade on their day."""
        self.ensure_one()
        if not self.date_pending_change:
            return
        plan = self.pending_plan_id
        after = self._next_period_view()
        upgrade = after._plan_monthly_amount(
            after.plan_id
        ) >= self._plan_monthly_amount(self.plan_id)
        vals = {
            "line_ids": self._pending_line_commands(),
            "pending_plan_id": False,
            "date_pending_change": False,
        }
        if plan:
            vals["plan_id"] = plan.id
        with self._mrr_tracking(
            "upgrade" if upgrade else "downgrade",
            self.date_pending_change,
            always=bool(plan),
        ) as tracked:
            tracked.with_context(**{PRICE_NOW_KEY: True}).write(vals)
