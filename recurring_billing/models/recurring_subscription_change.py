"""Changes of plan, add-on packages, quantities and prices: more applies now, less
from the next period. Invoices and credits go through the invoicing file.

What waits for the next period is pending: the plan (``pending_plan_id``) and the
quantities and prices of lines (``pending_*`` on the lines), all coming into force on
``date_pending_change``. Until then they are shown on the subscription, revocable, and
already billed by the periods starting from that day.
"""

from datetime import timedelta

from odoo import Command, api, models
from odoo.exceptions import UserError

from .recurring_mrr_tracking_mixin import IN_STEP
from .recurring_subscription import LIVE_STATES
from .recurring_subscription_line import NO_PENDING, PRICE_NOW_KEY
from .tools import record_argument


class RecurringSubscription(models.Model):
    _inherit = "recurring.subscription"

    def write(self, vals):
        """A form edit or an RPC write is a door like the buttons.

        The plan of a running subscription changes through ``action_change_plan``,
        with its proration, checks and change log. A running subscription moved to a
        pricelist in another currency goes through
        ``action_change_pricelist``, which bills the change; a draft takes the prices
        of its new currency. Its currency follows its pricelist only: written alone,
        the same prices would get a new label (doc/BILLING.md).
        """
        if "plan_id" in vals and not IN_STEP.get():
            # The plan of a running subscription changes like the wizard changes it.
            plan = self.env["recurring.plan"].browse(vals["plan_id"])
            self = self._write_through(
                vals,
                "plan_id",
                self.filtered(lambda sub: sub.state != "draft" and sub.plan_id != plan),
                lambda sub: sub.action_change_plan(plan),
            )
        if "pricelist_id" in vals and not IN_STEP.get():
            pricelist = self.env["product.pricelist"].browse(vals["pricelist_id"])
            self = self._write_through(
                vals,
                "pricelist_id",
                self.filtered(
                    lambda sub: (
                        sub.state != "draft"
                        and sub._currency_of(pricelist) != sub.currency_id
                    )
                ),
                lambda sub: sub.action_change_pricelist(pricelist),
            )
        if {"payment_method", "payment_token_id"} & set(vals) and not IN_STEP.get():
            self = self._write_payment_through(vals)
        if not self:
            return True
        currencies = {sub: sub.currency_id for sub in self}
        result = super().write(vals)
        moved = self.filtered(lambda sub: sub.currency_id != currencies[sub])
        running = moved.filtered(lambda sub: sub.state != "draft")
        if running and not IN_STEP.get():
            raise UserError(
                self.env._(
                    "%(subscription)s bills in %(currency)s: to bill it in "
                    "%(new_currency)s, choose a pricelist in %(new_currency)s. The "
                    "days already paid are then credited in %(currency)s and the rest "
                    "of the period is charged in %(new_currency)s.",
                    subscription=running[0].name,
                    currency=currencies[running[0]].name,
                    new_currency=running[0].currency_id.name,
                )
            )
        (moved - running).line_ids._compute_price_unit()
        return result

    def _write_payment_through(self, vals):
        """Write ``vals`` on the running subscriptions whose saved payment method it
        sets or removes through ``action_set_payment_token`` or
        ``action_remove_payment_token`` (their checks and message); return the
        others, left to write."""
        token = self.env["payment.token"].browse(vals.get("payment_token_id"))
        running = self.filtered(lambda sub: sub.state != "draft")
        setting = running.filtered(
            lambda sub: (
                vals.get("payment_method", sub.payment_method) == "token"
                and token
                and (sub.payment_method, sub.payment_token_id) != ("token", token)
            )
        )
        removing = (running - setting).filtered(
            lambda sub: (
                sub.payment_method == "token"
                and vals.get("payment_method", "token") == "manual"
            )
        )
        keys = ("payment_method", "payment_token_id")
        rest = {name: value for name, value in vals.items() if name not in keys}
        for sub in setting:
            sub.action_set_payment_token(token)
        for sub in removing:
            sub.action_remove_payment_token()
        moved = setting | removing
        if moved and rest:
            moved.write(rest)
        return self - moved

    def _write_through(self, vals, key, moving, step):
        """Write ``vals`` on ``moving`` with ``key`` applied by ``step`` (a method taking
        one subscription) instead of written; return the others, left to write."""
        for sub in moving:
            step(sub)
        rest = {name: value for name, value in vals.items() if name != key}
        if moving and rest:
            moving.write(rest)
        return self - moving

    def action_change_pricelist(self, pricelist):
        """Move to ``pricelist`` (a record, an id, or False for none) today.

        In the same currency, lines added later take its prices. In another currency
        every line is priced again in it and the change is billed like any other: the
        periods due before today first, then the unused days of the period paid ahead
        credited in the old currency and the rest charged in the new one.
        """
        self.ensure_one()
        pricelist = record_argument(self.env, pricelist, "product.pricelist")
        currency = self._currency_of(pricelist)
        if self.state == "draft" or currency == self.currency_id:
            self.write({"pricelist_id": pricelist.id})
            return True
        self._check_states(("trial", "active", "paused"), self.env._("changed"))
        self._check_rate(currency)
        planned = self.line_ids.filtered("has_pending_price")
        if planned:
            raise UserError(
                self.env._(
                    "%(subscription)s has a new price for %(line)s planned for "
                    "%(date)s, in %(currency)s: cancel the planned changes before "
                    "moving it to %(pricelist)s, then set the price again.",
                    subscription=self.name,
                    line=planned[0].name,
                    date=self.date_pending_change,
                    currency=self.currency_id.name,
                    pricelist=pricelist.display_name,
                )
            )
        self._change_currency_now(pricelist)
        return True

    def _change_currency_now(self, pricelist):
        """Bill today's move to ``pricelist``, in another currency: a credit note in
        the old currency and an invoice in the new one, the periods unmoved."""
        today = self._today()
        self._invoice_due(today - timedelta(days=1))
        self._bill_arrears_until(today)
        billed = self._billed_ahead(today)
        self._invoice_change_ahead(today, self._lines_by_period(billed), [])
        with self._mrr_tracking("change", always=True) as tracked:
            tracked.write({"pricelist_id": pricelist.id})
            # Prices in the new currency apply from today, not from the next period.
            tracked.line_ids.with_context(**{PRICE_NOW_KEY: True})._compute_price_unit()
        self._invoice_change_ahead(today, [], self._lines_by_period(billed))

    def _plan_monthly_amount(self, plan):
        """What this subscription brings per month on ``plan``, without tax: its lines
        if it is its plan, else the lines a change to ``plan`` would give it (prices of
        its pricelist or of the plan, add-ons carried over)."""
        self.ensure_one()
        if plan.is_free:
            return 0.0
        if plan == self.plan_id:
            amount = self.amount_untaxed
        else:
            amount = self._view_after(
                plan, self._plan_line_commands(plan)
            ).amount_untaxed
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
        plan = record_argument(self.env, plan, "recurring.plan")
        self._check_plan_change(plan)
        upgrade = self._is_upgrade_to(plan)
        when = when or ("now" if upgrade else "period_end")
        if when == "period_end" and self._waits_for_next_period():
            self.pending_plan_id = plan
            self._date_pending_changes()
            return True
        if self._restarts_periods(plan):
            self._change_periods_now(plan, "upgrade" if upgrade else "downgrade")
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

    def _restarts_periods(self, plan):
        """Whether a move to ``plan`` now stops the current periods and starts the
        plan's own (``_change_periods_now``): an active subscription, a plan billing
        on other periods. The change and its preview both ask it."""
        self.ensure_one()
        return self.state == "active" and self._changes_periods(plan)

    def _restarted_view(self, view, day):
        """``view``, an in-memory copy on another plan, with that plan's periods
        starting on ``day`` as ``_change_periods_now`` starts them."""
        view.update(dict(self._restart_vals(day, view.plan_id), state="active"))
        return view

    def _check_plan_change(self, plan):
        """Refuse a move to ``plan`` that this subscription cannot take: its state,
        the same plan, a plan of another company or currency."""
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
        currency = self._currency_of(self.pricelist_id, plan)
        if currency != self.currency_id:
            raise UserError(
                self.env._(
                    "%(plan)s sells in %(plan_currency)s and %(subscription)s bills in "
                    "%(currency)s: give the subscription a pricelist in %(currency)s "
                    "first, or choose a plan in %(currency)s.",
                    plan=plan.display_name,
                    plan_currency=currency.name,
                    subscription=self.name,
                    currency=self.currency_id.name,
                )
            )

    def action_set_addon_quantities(self, quantities, when=None):
        """Set add-on packages to the given quantities: {addon: quantity}, 0 removes
        the package. More now, fewer at the period end unless ``when`` is "now" (see
        ``_set_quantities``); the package maximum is checked by the line constraint.
        """
        self.ensure_one()
        self._check_states(("trial", "active"), self.env._("changed"))
        quantities = {
            record_argument(self.env, addon, "recurring.plan.addon"): quantity
            for addon, quantity in quantities.items()
        }
        foreign = [addon for addon in quantities if addon.plan_id != self.plan_id]
        if foreign:
            raise UserError(
                self.env._(
                    "%(package)s is not an add-on of %(plan)s.",
                    package=foreign[0].display_name,
                    plan=self.plan_id.display_name,
                )
            )
        negative = [addon for addon, quantity in quantities.items() if quantity < 0]
        if negative:
            raise UserError(
                self.env._(
                    "%(package)s cannot have a negative quantity: use 0 to remove it.",
                    package=negative[0].display_name,
                )
            )
        self._set_quantities(self._addon_targets(quantities), when)
        return True

    def _addon_targets(self, quantities):
        """``_set_quantities`` targets bringing add-ons to quantities, {addon: qty}."""
        return [
            (lines, quantity, self._addon_commands(addon, lines, quantity))
            for addon, quantity in quantities.items()
            for lines in [
                self.line_ids.filtered(lambda line, a=addon: line.addon_id == a)
            ]
        ]

    def _set_line_quantities(self, quantities, event_type=None):
        """Give lines new quantities, {line: quantity}: a quantity typed in the form
        is a change like the wizard's."""
        self.ensure_one()
        self._set_quantities(
            [
                (
                    line,
                    quantity,
                    [
                        Command.update(
                            line.id,
                            {
                                "quantity": quantity,
                                "has_pending_quantity": False,
                                "pending_quantity": 0.0,
                            },
                        )
                    ],
                )
                for line, quantity in quantities.items()
            ],
            event_type=event_type,
        )
        return True

    def _set_quantities(self, targets, when=None, event_type=None):
        """Bring each target to its quantity: ``targets`` are (lines holding the
        units, quantity, commands that set it now).

        More units apply now, billed for the rest of a period billed in advance, like
        a plan upgrade. Fewer units wait for the end of the current period of an active
        subscription, like a plan downgrade, unless ``when`` is "now": the unused days
        are then credited. A draft, a trial or a subscription without periods takes
        them at once.
        """
        now, later = self._split_targets(targets, when)
        for lines, quantity, _set_now in later:
            lines[0].write({"has_pending_quantity": True, "pending_quantity": quantity})
            lines[1:].write({"has_pending_quantity": True, "pending_quantity": 0.0})
        commands, more, less = [], False, False
        for lines, quantity, set_now in now:
            current = sum(lines.mapped("quantity"))
            more |= quantity > current
            less |= quantity < current
            commands += set_now
        if commands:
            self._change_now(
                event_type
                or (
                    "change" if more and less else ("upgrade" if more else "downgrade")
                ),
                {"line_ids": commands},
            )
        self._date_pending_changes()

    def _split_targets(self, targets, when=None):
        """The targets of ``_set_quantities`` that change now and those that wait for
        the next period: fewer units wait on an active subscription with periods,
        unless ``when`` is "now"; unchanged ones are left out."""
        later = when != "now" and self._waits_for_next_period()
        now, wait = [], []
        for target in targets:
            current = sum(target[0].mapped("quantity"))
            if target[1] != current:
                (wait if target[1] < current and later else now).append(target)
        return now, wait

    def _change_plan_preview(self, plan):
        """What ``action_change_plan(plan)`` would do today, without doing it: see
        ``_change_preview_for``."""
        self.ensure_one()
        plan = record_argument(self.env, plan, "recurring.plan")
        return self._change_preview_for(plan, {})

    def _addon_quantities_preview(self, quantities):
        """What ``action_set_addon_quantities(quantities)`` would do today, without
        doing it: see ``_change_preview_for``."""
        self.ensure_one()
        return self._change_preview_for(self.plan_id, quantities)

    def _change_preview_for(self, plan, quantities, when=None):
        """What moving to ``plan`` and then setting the add-ons of the plan in force
        to ``quantities``, {addon: quantity}, would do today, as the change wizard
        does them one after the other, without doing it.

        {"lines", "amount", "date_later", "mrr"}: the lines without tax invoiced
        today and their net (``recurring.invoice.maker._change_preview``, which the
        invoice of the change asks too), the day the part that waits for the next
        period comes into force, and the MRR once all of it is in force. Upgrades
        and more units apply now; a cheaper plan or fewer units wait unless ``when``
        is "now", as in ``action_change_plan`` and ``action_set_addon_quantities``;
        a plan that waits bills nothing now.
        """
        self.ensure_one()
        if plan == self.plan_id:
            now, later = self._split_targets(self._addon_targets(quantities), when)
            return self._change_preview(
                self._view_after(plan, [c for target in now for c in target[2]]),
                later=bool(later),
                commands=[c for target in now + later for c in target[2]],
            )
        commands = self._plan_line_commands(plan)
        carried = {
            command[2]["addon_id"]: command
            for command in commands
            if command[0] == Command.CREATE and command[2].get("addon_id")
        }
        for addon, quantity in quantities.items():
            if addon.id in carried:
                carried[addon.id][2]["quantity"] = quantity
            else:
                commands += self._addon_commands(
                    addon, self.env["recurring.subscription.line"], quantity
                )
        # An add-on set to 0 is not carried over.
        commands = [
            command
            for command in commands
            if command[0] != Command.CREATE
            or not command[2].get("addon_id")
            or command[2]["quantity"]
        ]
        upgrade = self._is_upgrade_to(plan)
        if not upgrade and when != "now" and self._waits_for_next_period():
            return self._change_preview(self, later=True, plan=plan, commands=commands)
        return self._change_preview(
            self._view_after(plan, commands), plan=plan, commands=commands
        )

    def _change_preview(self, view, later=False, plan=None, commands=()):
        """{"lines", "amount", "date_later", "mrr"}: the lines without tax a change
        into ``view`` invoices today and their net (recurring.invoice.maker), the day
        the part of it that waits for the next period comes into force, and the MRR
        once ``plan`` (or the current plan) and the line ``commands`` are all in
        force."""
        lines, amount = self.env["recurring.invoice.maker"]._change_preview(self, view)
        target = self._view_after(plan or self.plan_id, list(commands))
        # The copy is new: it computes its MRR as the subscription in its state.
        target.state = self.state
        return {
            "lines": lines,
            "amount": amount,
            "date_later": later and self._next_period_start(),
            "mrr": target.mrr,
        }

    def _addon_commands(self, addon, lines, quantity):
        """Commands giving ``addon`` ``quantity`` units now, on its first line."""
        if not quantity:
            return [Command.unlink(line.id) for line in lines]
        if not lines:
            return [
                Command.create(
                    {
                        "product_id": addon.product_id.id,
                        "addon_id": addon.id,
                        "quantity": quantity,
                    }
                )
            ]
        # A quantity set now replaces one planned for the next period.
        return [
            Command.update(
                lines[0].id,
                {
                    "quantity": quantity,
                    "has_pending_quantity": False,
                    "pending_quantity": 0.0,
                },
            )
        ] + [Command.unlink(line.id) for line in lines[1:]]

    def _change_periods_now(self, plan, event_type):
        """Move today to ``plan``, which bills on other periods (doc/BILLING.md).

        The current periods stop: the days used up to yesterday are billed and the
        days paid ahead from today are credited at the current price. The new plan's
        periods start today (or at its calendar anchor, the first one prorated); the
        first is invoiced at once if it is due. Scheduled changes are dropped: they
        were meant for a period that no longer comes.
        """
        self.ensure_one()
        if self.cancel_at_period_end:
            raise UserError(
                self.env._(
                    "%(subscription)s ends on %(date)s: keep the subscription first, "
                    "then change its plan.",
                    subscription=self.name,
                    date=self.date_end,
                )
            )
        today = self._today()
        yesterday = today - timedelta(days=1)
        self._bill_used_days(yesterday)
        # Credited before the new periods start, which forget the old ones.
        self._credit_unused_days(yesterday)
        self._pending_lines().write(NO_PENDING)
        with self._mrr_tracking(event_type, always=True) as tracked:
            tracked.write(
                dict(
                    self._restart_vals(today, plan),
                    plan_id=plan.id,
                    line_ids=self._plan_line_commands(plan),
                    pending_plan_id=False,
                    date_pending_change=False,
                )
            )
        self._invoice_due(today)

    def _change_now(self, event_type, vals):
        """Write ``vals`` today; bill or credit the rest of the periods billed in
        advance (the one holding today and any invoiced ahead of it).

        The periods due before today are billed first, on the terms they were sold on.
        Lines the change leaves as they were stay out of the prorated invoice
        (``recurring.invoice.maker._change_pieces``).
        """
        self.ensure_one()
        today = self._today()
        self._invoice_due(today - timedelta(days=1))
        self._bill_arrears_until(today)
        billed = self._billed_ahead(today)
        old = self._lines_by_period(billed)
        with self._mrr_tracking(event_type, always=True) as tracked:
            tracked.write(vals)
        if not billed:
            return
        self._invoice_change_ahead(today, old, self._lines_by_period(billed))

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

    @api.model
    def _pending_changes_due(self, today):
        """Subscriptions whose pending changes come into force by ``today``.

        A subscription ending before the day of its changes ends on its current terms.
        """
        return self.search(
            [("state", "in", LIVE_STATES), ("date_pending_change", "<=", today)]
        )._changes_due_by(today)

    def _changes_due_by(self, today):
        """Those of these subscriptions whose pending changes come into force by
        ``today``: live, not ending before the day of their changes."""
        return self.filtered(
            lambda sub: (
                sub.state in LIVE_STATES
                and sub.date_pending_change
                and sub.date_pending_change <= today
                and (not sub.date_end or sub.date_end >= sub.date_pending_change)
            )
        )

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
            if self.state in ("active", "paused") and self._changes_periods(plan):
                # The new plan's periods start on the day of the change (a paused
                # subscription resumes on them).
                vals.update(self._restart_vals(self.date_pending_change, plan))
        with self._mrr_tracking(
            "upgrade" if upgrade else "downgrade",
            self.date_pending_change,
            always=bool(plan),
        ) as tracked:
            tracked.with_context(**{PRICE_NOW_KEY: True}).write(vals)
