"""What is billed when: the periods of the schedule due and to come, the subscription as
it bills a period (its pending changes, the share of a period started late), the invoice
lines made of it, and the preview of the next invoice.

Which periods are due and for which days comes from the schedule (``_schedule``,
engine/schedule.py). The invoicing (``recurring_subscription_invoicing``) asks this file;
this file asks only the main one.
"""

from datetime import timedelta
from decimal import Decimal

from markupsafe import Markup

from odoo import Command, api, models
from odoo.tools import format_amount

from ..engine.schedule import span_pieces, start_anchor
from .recurring_subscription import LIVE_STATES, SCHEDULE_FIELDS
from .recurring_subscription_line import NO_PENDING


class RecurringSubscription(models.Model):
    _inherit = "recurring.subscription"

    # -- Schedule --------------------------------------------------------------------

    @api.depends("state", *SCHEDULE_FIELDS)
    def _compute_date_next_invoice(self):
        for sub in self:
            span = sub.state == "active" and sub._next_period()
            sub.date_next_invoice = span and sub._billing_date(span)

    def _compute_current_period(self):
        today = self._today()
        for sub in self:
            schedule = sub.state in LIVE_STATES and sub._schedule()
            current = schedule and schedule.period_at(today)
            sub.date_period_start = current and current.start
            sub.date_period_end = current and current.end

    def _billing_date(self, period):
        return self._schedule().billing_date(period)

    def _next_period(self):
        """The next span to invoice, or None when there is none (not active, ended)."""
        self.ensure_one()
        schedule = self.state == "active" and self._schedule()
        span = schedule and schedule.next()
        return span if span and self._billed_on_these_periods(span) else None

    def _due_periods(self, today):
        """The spans not invoiced yet whose billing date has come, oldest first."""
        self.ensure_one()
        schedule = self.state == "active" and self._schedule()
        spans = schedule.due(today) if schedule else []
        return [span for span in spans if self._billed_on_these_periods(span)]

    def _billed_on_these_periods(self, span):
        """Whether ``span`` is billed on the current periods: not when a scheduled plan
        with other periods (interval, billing mode) is in force by its first day; the
        new plan's own periods start then (``_bring_pending_into_force``)."""
        plan = self.pending_plan_id
        return not (
            plan
            and self._changes_periods(plan)
            and self.date_pending_change
            and span.start >= self.date_pending_change
        )

    def _changes_periods(self, plan):
        """Whether ``plan`` bills on other periods than the current plan."""
        current = self.plan_id
        return (plan.interval_unit, plan.interval_count, plan.billing_mode) != (
            current.interval_unit,
            current.interval_count,
            current.billing_mode,
        )

    def _next_period_start(self):
        """First day of the next period not invoiced yet, where the changes waiting for
        the next period come into force; None without a current period.

        A period invoiced ahead ("Invoice now") was billed on the current terms and
        is served on them: the changes start after it.
        """
        self.ensure_one()
        if self.state == "trial":
            # Paid service, and with it the first period, starts when the trial ends.
            return self.date_trial_end
        start = self.date_period_end and self.date_period_end + timedelta(days=1)
        if start and self.state == "active":
            schedule = self._schedule()
            start = max(start, schedule.period(schedule.next_index).start)
        return start

    def _restart_vals(self, day, plan=None):
        """Values that start the periods of ``plan`` (default: the current one) on
        ``day``: a new anchor, period 0, the end of a fixed term.

        An anchor aligned to the calendar may be earlier than ``day``: the first
        period is then billed from ``day``, prorated.
        """
        self.ensure_one()
        plan = plan or self.plan_id
        anchor = start_anchor(day, plan.interval_unit, plan.anchor_policy == "aligned")
        term_end = self._term_end(anchor, plan)
        return {
            "date_anchor": anchor,
            "next_period_index": 0,
            "date_end": term_end,
            "date_term_end": term_end,
            "date_service_start": day if anchor < day else False,
            "date_paid_until": False,
        }

    def _term_end(self, anchor, plan=None):
        """Last day of a fixed term starting at ``anchor``; False if it renews."""
        self.ensure_one()
        plan = plan or self.plan_id
        if plan.term_type != "fixed":
            return False
        schedule = self._schedule(
            anchor=anchor, unit=plan.interval_unit, count=plan.interval_count
        )
        return schedule.term_end(plan.term_periods)

    def _billed_ahead(self, day):
        """Periods of this active subscription invoiced in advance that hold days from
        ``day`` on: the one holding ``day`` and any invoiced ahead of it."""
        self.ensure_one()
        schedule = self.state == "active" and self._schedule()
        return schedule.billed_from(day) if schedule else []

    # -- What a period bills -----------------------------------------------------------

    @api.depends(
        "state",
        *SCHEDULE_FIELDS,
        "plan_id",
        "partner_invoice_id",
        "pending_plan_id",
        "date_pending_change",
        "line_ids.name",
        "line_ids.quantity",
        "line_ids.price_unit",
        "line_ids.discount",
        "line_ids.price_subtotal",
        "line_ids.tax_ids",
        "line_ids.pending_quantity",
        "line_ids.pending_price_unit",
        "line_ids.pending_discount",
    )
    def _compute_invoice_preview(self):
        for sub in self:
            period = sub._next_period()
            if not period or sub.plan_id.is_free:
                sub.preview_date_start = sub.preview_date_end = False
                sub.preview_date_invoice = False
                sub.preview_html = False
                continue
            sub.preview_date_start = period.start
            sub.preview_date_end = period.end
            sub.preview_date_invoice = sub._billing_date(period)
            sub.preview_html = sub._billing_view(period)._preview_table(period)

    def _period_amounts(self, period, lang):
        """(description, amount without tax) of each invoice line of ``period``, as
        its invoice bills them: with the changes and the share in force then."""
        self.ensure_one()
        view = self._billing_view(period)
        return [
            (vals["name"], line.price_subtotal)
            for line, vals in zip(
                view.line_ids, view._own_invoice_line_vals(period, lang), strict=True
            )
        ]

    def _preview_table(self, period):
        """The lines this record bills for ``period``, as a table (see _billing_view)."""
        lang = self.env["recurring.invoice.maker"]._lang(self)
        rows = Markup("").join(
            Markup(
                "<tr><td>%s</td><td class='text-end'>%s</td>"
                "<td class='text-end'>%s</td><td>%s</td><td class='text-end'>%s</td></tr>"
            )
            % (
                vals["name"],
                vals["quantity"],
                format_amount(self.env, vals["price_unit"], self.currency_id, lang),
                ", ".join(line.tax_ids.mapped("name")),
                format_amount(self.env, line.price_subtotal, self.currency_id, lang),
            )
            for line, vals in zip(
                self.line_ids, self._own_invoice_line_vals(period, lang), strict=True
            )
        )
        header = Markup(
            "<thead><tr><th>%s</th><th class='text-end'>%s</th>"
            "<th class='text-end'>%s</th><th>%s</th><th class='text-end'>%s</th>"
            "</tr></thead>"
        ) % (
            self.env._("Description"),
            self.env._("Quantity"),
            self.env._("Unit Price"),
            self.env._("Taxes"),
            self.env._("Amount"),
        )
        footer = Markup(
            "<tfoot><tr><td colspan='4' class='text-end'>%s</td>"
            "<td class='text-end'>%s</td></tr>"
            "<tr><td colspan='4' class='text-end fw-bold'>%s</td>"
            "<td class='text-end fw-bold'>%s</td></tr></tfoot>"
        ) % (
            self.env._("Untaxed Amount"),
            format_amount(self.env, self.amount_untaxed, self.currency_id, lang),
            self.env._("Total"),
            format_amount(self.env, self.amount_total, self.currency_id, lang),
        )
        return Markup(
            "<table class='table table-sm o_recurring_preview'>%s%s%s</table>"
        ) % (
            header,
            Markup("<tbody>%s</tbody>") % rows,
            footer,
        )

    def _plan_line_commands(self, plan):
        """Commands replacing the lines by ``plan``'s.

        Add-on units carry over to the add-on of ``plan`` that sells the same product,
        at that add-on's price; the others end with the old plan. Base lines are priced
        by the subscription's pricelist when it has one, else by the plan, converted.
        """
        self.ensure_one()
        kept = self.line_ids.filtered(lambda line: line.addon_id.plan_id == plan)
        commands = [Command.unlink(line.id) for line in self.line_ids - kept]
        for line in (self.line_ids - kept).filtered("addon_id"):
            addon = plan.addon_ids.filtered(
                lambda a, line=line: a.product_id == line.product_id
            )[:1]
            if addon:
                commands.append(
                    Command.create(
                        {
                            "product_id": addon.product_id.id,
                            "addon_id": addon.id,
                            "quantity": line.quantity,
                        }
                    )
                )
        for plan_line in plan.line_ids:
            vals = {
                "product_id": plan_line.product_id.id,
                "name": plan_line.name or plan_line.product_id.display_name,
                "quantity": plan_line.quantity,
            }
            if not self.pricelist_id:
                vals["price_unit"] = plan_line.currency_id._convert(
                    plan_line.price_unit,
                    self.currency_id,
                    self.company_id,
                    self._today(),
                )
            commands.append(Command.create(vals))
        return commands

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
                "pricelist_id": self.pricelist_id.id,
                "fiscal_position_id": self.fiscal_position_id.id,
                "plan_id": plan.id,
                "line_ids": [Command.create(vals) for vals in line_vals_list],
            }
        )

    def _next_period_view(self):
        """This subscription once its pending changes are in force, in memory."""
        self.ensure_one()
        return self._view_after(
            self.pending_plan_id or self.plan_id, self._pending_line_commands()
        )

    def _view_after(self, plan, commands):
        """This subscription on ``plan`` with ``commands`` applied to its lines, in
        memory."""
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
        return self._view(plan, vals_list)

    def _billing_view(self, period):
        """The subscription as it bills ``period``: itself, or an in-memory copy.

        A period starting on or after the day of the pending changes bills them, so it
        does not matter whether the invoicing or the lifecycle job runs first that day.
        A period whose service starts after its first day (resumed keeping the anchor)
        bills each line prorated by days, as doc/BILLING.md prorates changes.
        """
        self.ensure_one()
        pending = self.date_pending_change and self.date_pending_change <= period.start
        schedule = self._schedule()
        share = schedule.share(period)
        if not (pending or share):
            return self
        if pending:
            view = self._next_period_view()
        else:
            view = self._view(
                self.plan_id, [line._billing_values() for line in self.line_ids]
            )
        if share:
            pieces = span_pieces(
                [(line, line.price_subtotal) for line in view.line_ids],
                period,
                schedule.period(period.index),
                Decimal(str(self.currency_id.rounding)),
            )
            amounts = {piece.key: piece.amount for piece in pieces}
            for line in view.line_ids:
                amount = amounts.get(line, Decimal(0))
                price = self._price_billing(amount, line.product_id, line.tax_ids)
                line.update({"quantity": 1.0, "discount": 0.0, "price_unit": price})
        return view

    # -- Invoice values --------------------------------------------------------------

    def _price_billing(self, amount, product, taxes):
        """The unit price that bills ``amount`` without tax on a line with ``taxes``:
        a tax included in prices is added back (doc/BILLING.md: proration and MRR
        use the amount without tax)."""
        Tax = self.env["account.tax"]
        return Tax._adapt_price_unit_to_another_taxes(
            float(amount), product, Tax, taxes
        )

    def _invoice_line_vals(self, period, lang):
        """Invoice lines of ``period``, with the changes and the share in force then."""
        self.ensure_one()
        return [
            dict(vals, subscription_id=self.id)
            for vals in self._billing_view(period)._own_invoice_line_vals(period, lang)
        ]

    def _own_invoice_line_vals(self, period, lang):
        """Invoice lines of ``period`` from this record's lines as they are."""
        return [
            {
                "product_id": line.product_id.id,
                "name": self.env["recurring.invoice.maker"]._line_name(
                    line.name or line.product_id.display_name,
                    period.start,
                    period.end,
                    lang,
                ),
                "quantity": line.quantity,
                "price_unit": line.price_unit,
                "discount": line.discount,
                "tax_ids": [Command.set(line.tax_ids.ids)],
                "subscription_id": self.id,
            }
            for line in self.line_ids
        ]
