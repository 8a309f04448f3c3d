"""Plan changes: upgrades apply now, downgrades at the end of the period."""

from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError


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
    date_pending_change = fields.Date("Scheduled Change On", copy=False, tracking=True)

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
        upgrade = self._plan_monthly_amount(plan) >= self._plan_monthly_amount(
            self.plan_id
        )
        when = when or ("now" if upgrade else "period_end")
        if when == "period_end" and self.state == "active":
            self.write(
                {
                    "pending_plan_id": plan.id,
                    "date_pending_change": self.date_period_end + timedelta(days=1),
                }
            )
            return True
        event_type = "upgrade" if upgrade else "downgrade"
        today = self._today()
        billed_period = self._billed_current_period(today)
        old_lines = self._proration_lines()
        with self._mrr_tracking(event_type, always=True) as tracked:
            tracked.write(
                {
                    "plan_id": plan.id,
                    "line_ids": self._plan_line_commands(plan),
                    "pending_plan_id": False,
                    "date_pending_change": False,
                }
            )
        if billed_period:
            # The period is paid in advance: bill or credit the difference for its
            # remaining days.
            self._invoice_proration(
                old_lines, self._proration_lines(), billed_period, today
            )
        return True

    def action_cancel_pending_change(self):
        """Forget the plan change scheduled for the end of the period."""
        self.write({"pending_plan_id": False, "date_pending_change": False})
        return True

    @api.model
    def _cron_apply_pending_changes(self):
        """Apply the plan changes whose day has come, each dated that day."""
        today = self._today()
        due = self.search(
            [("pending_plan_id", "!=", False), ("date_pending_change", "<=", today)]
        )
        for sub in due:
            sub._run_step(sub._apply_pending_change)

    def _apply_pending_change(self):
        self.ensure_one()
        plan = self.pending_plan_id
        upgrade = self._plan_monthly_amount(plan) >= self._plan_monthly_amount(
            self.plan_id
        )
        event_type = "upgrade" if upgrade else "downgrade"
        with self._mrr_tracking(event_type, self.date_pending_change, True) as tracked:
            tracked.write(
                {
                    "plan_id": plan.id,
                    "line_ids": self._plan_line_commands(plan),
                    "pending_plan_id": False,
                    "date_pending_change": False,
                }
            )
