"""Invoicing: what a period bills, the invoices made of it, and running the invoicing.

The lifecycle and change files invoice or credit only through the methods of this file
(``_invoice_periods``, ``_invoice_change``, ``_credit_unused_days``, ``_bill_used_days``,
``_billing_view``). Which periods are due and for which days comes from the schedule
(``_schedule``, engine/schedule.py); the moves are written by
``recurring.invoice.maker``, the scheduled job's batches run by
``recurring.invoicing.job``.
"""

from datetime import timedelta
from decimal import Decimal

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from ..engine.schedule import span_pieces, start_anchor
from .recurring_invoicing_job import BATCH_SIZE
from .recurring_mrr_tracking_mixin import TRACKING_KEY
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
        """First day of the next period; None without a current period."""
        self.ensure_one()
        if self.state == "trial":
            # Paid service, and with it the first period, starts when the trial ends.
            return self.date_trial_end
        return self.date_period_end and self.date_period_end + timedelta(days=1)

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

    # -- Invoicing -------------------------------------------------------------------

    def _invoice_periods(self, periods, period_record=None, invoice_date=None):
        """Invoice ``periods`` of this subscription now, raising on any problem.

        ``period_record`` is the ledger row when its period is billed again.
        """
        self.ensure_one()
        # The invoices follow from a step the user was allowed to take (a pause, a
        # change, "Invoice now"), with or without accounting rights: the system
        # writes them.
        moves = (
            self.env["recurring.invoice.maker"]
            .sudo()
            ._invoice_periods(self.sudo(), periods, period_record, invoice_date)
        )
        return moves.with_env(self.env)

    def _proration_lines(self):
        """What each line bills per period, for crediting or charging part of it."""
        self.ensure_one()
        return [
            {
                "product_id": line.product_id.id,
                "name": line.name or line.product_id.display_name,
                "tax_ids": line.tax_ids.ids,
                "subtotal": line.price_subtotal,
            }
            for line in self.line_ids
        ]

    def _invoice_change(self, old_lines, new_lines, period, day, until=None):
        """Invoice a change effective on ``day`` in the already billed ``period``.

        Old lines are credited and new ones charged for the days left (up to
        ``until`` if given); a negative net gives a credit note. Returns the invoice
        or credit note (none if all is zero).
        """
        self.ensure_one()
        # As for period invoices: the step was allowed, the system writes the move.
        move = (
            self.env["recurring.invoice.maker"]
            .sudo()
            ._invoice_change(self.sudo(), old_lines, new_lines, period, day, until)
        )
        return move.with_env(self.env)

    def _lines_billed_in(self, period):
        """What each line bills per period in ``period``: the changes waiting for the
        next period count in the periods starting on or after their day (a period
        invoiced ahead was billed with them)."""
        self.ensure_one()
        pending = self.date_pending_change and self.date_pending_change <= period.start
        return (self._next_period_view() if pending else self)._proration_lines()

    def _lines_by_period(self, periods):
        """[(period, the lines that bill it)] for ``periods``."""
        return [(period, self._lines_billed_in(period)) for period in periods]

    def _invoice_change_ahead(self, day, old, new):
        """Credit the old and charge the new lines of each period billed ahead for its
        days from ``day``: ``old`` and ``new`` are [(period, lines)], either may be
        empty. One invoice or credit note per period."""
        for period, start, old_lines, new_lines in self._changes_ahead(day, old, new):
            self._invoice_change(old_lines, new_lines, period, start)

    def _changes_ahead(self, day, old, new):
        """(period, first day billed, old lines, new lines) of a change on ``day`` in
        each period billed ahead: what its invoices and its preview bill."""
        olds, news = dict(old), dict(new)
        return [
            (period, max(day, period.start), olds.get(period, []), news.get(period, []))
            for period in list(olds) + [p for p in news if p not in olds]
        ]

    def _credit_unused_days(self, day_end, billed=None):
        """Credit the days after ``day_end``, the last day of service, of the periods
        billed ahead, at what billed them: ``billed`` as given by ``_lines_by_period``,
        by default that of this active subscription now."""
        self.ensure_one()
        after = day_end + timedelta(days=1)
        if billed is None:
            billed = self._lines_by_period(self._billed_ahead(after))
        billed = [(period, lines) for period, lines in billed if period.end > day_end]
        paid_until = self._credited_after([period for period, _lines in billed])
        if not billed or (paid_until and paid_until <= day_end):
            # Nothing paid after the last day of service: credited already, or
            # billed only up to it (_bill_used_days).
            return
        self.date_paid_until = day_end
        self._invoice_change_ahead(after, billed, [])
        self._mark_credited([period for period, _lines in billed], after)

    def _credited_after(self, periods):
        """The last day paid before the credit of ``periods`` (``date_paid_until``): the
        days billed ahead after it were credited. None when nothing was."""
        paid_until = self.date_paid_until
        if not periods or not paid_until:
            return None
        # Every start of new periods clears it; a date before the anchor was left by
        # periods that no longer run.
        if paid_until < self.date_anchor - timedelta(days=1):
            return None
        return paid_until

    def _credit_paid_days_from(self, day):
        """Credit the days from ``day`` paid ahead on the current periods, before new
        periods start that day (a resume or a reactivation restarting them): no day
        is paid twice. Days credited already (``date_paid_until``) are left out."""
        for sub in self:
            schedule = sub._schedule()
            periods = schedule.billed_from(day) if schedule else []
            credited_after = sub._credited_after(periods)
            for period, lines in sub._lines_by_period(periods):
                start = max(day, period.start)
                until = (
                    min(period.end, credited_after) if credited_after else period.end
                )
                if start <= until:
                    sub._invoice_change(lines, [], period, start, until=until)
            sub._mark_credited(periods, day)

    def _ledger(self):
        """The ledger rows holding their periods: not those credited in full."""
        return self.period_ids.filtered(lambda record: not record.is_credited)

    def _mark_credited(self, periods, day):
        """Record that the ledger rows within ``periods`` starting on or after ``day``
        are credited in full, the days of ``periods`` from ``day`` just credited: new
        periods may start on their first days (doc/BILLING.md). A row may hold only
        part of its period (prorated from a calendar anchor or a resume)."""
        rows = self._ledger().filtered(
            lambda record: record.date_start >= day and _within(record, periods)
        )
        # sudo: users only read the ledger; the credit was the step's to make.
        rows.sudo().is_credited = True

    def _unmark_credited(self, periods):
        """Rows within ``periods`` credited in full and charged again hold their starts
        again, unless newer periods starting the same day hold them."""
        held = set(self._ledger().mapped("date_start"))
        rows = self.period_ids.filtered(
            lambda record: (
                record.is_credited
                and record.date_start not in held
                and _within(record, periods)
            )
        )
        # sudo: users only read the ledger; the charge was the step's to make.
        rows.sudo().is_credited = False

    def _charge_credited_days_from(self, day, periods):
        """Charge again the days from ``day`` of ``periods`` that a pause credited: the
        subscription serves them after all (a resume keeping its periods)."""
        self.ensure_one()
        credited_after = self._credited_after(periods)
        if credited_after:
            self._unmark_credited(periods)
            for period, lines in self._lines_by_period(periods):
                start = max(day, period.start, credited_after + timedelta(days=1))
                if start <= period.end:
                    self._invoice_change([], lines, period, start)
        self.date_paid_until = False

    def _invoice_due(self, today):
        """Invoice the due spans the ledger does not hold yet, oldest first.

        The lifecycle and change steps call it before they change what is billed, so
        that the periods due before the step are billed on the terms they were sold
        on, as if the invoicing job had already run.
        """
        for sub in self:
            spans = sub._due_periods(today)
            if not spans:
                continue
            billed = set(sub._ledger().mapped("date_start"))
            todo = [span for span in spans if span.start not in billed]
            if todo and not sub.plan_id.is_free:
                sub._invoice_periods(todo)
            sub.next_period_index = spans[-1].index + 1

    def _move_to_period(self, index):
        """Make period ``index`` the next one to invoice: the ledger holds those
        before it.

        Moving on changes no amount and no tracked field, so neither the change log
        nor the chatter has anything to record; they are not asked to compare the
        values before and after (the invoicing job moves every subscription it
        bills, hundreds per batch).
        """
        self.with_context(mail_notrack=True, **{TRACKING_KEY: True}).write(
            {"next_period_index": index}
        )

    def _bill_arrears_until(self, day):
        """Bill now, on the current terms, the days before ``day`` of a period billed in
        arrears; the rest of it is billed at its end from ``day``, prorated, on the
        terms changed that day. Each part of the period is billed at the price and
        quantity that applied to it."""
        for sub in self:
            schedule = sub.state == "active" and sub._schedule()
            if not schedule or schedule.in_advance or sub.plan_id.is_free:
                continue
            if day <= schedule.anchor:
                continue
            # Also on the first day of a period: the one that ended yesterday is due
            # today, maybe not billed yet, and was sold on the current terms.
            sub._bill_used_days(day - timedelta(days=1))
            sub.date_service_start = day

    def _bill_used_days(self, last_day):
        """Invoice now the days served up to ``last_day`` that are not billed yet: the
        one home of what a stop of service (pause, suspension, cancellation, a move to
        other periods) bills before it, whatever the billing mode.

        The periods over by then are invoiced whole, each with its own dates, and the
        one holding ``last_day`` only for its days used, prorated: in arrears it would
        never be billed otherwise; in advance, a period due but not billed yet (the
        job had not run) bills only the days used, never the days after the stop
        (doc/BILLING.md, Cancel now / pause). In arrears, a period cut short stays
        the next one to invoice (its rest is billed at its end if service goes on);
        in advance, it is billed, paid until ``last_day`` (``date_paid_until``), as
        if its days after it had been credited: no credit takes them, and a resume
        or a reactivation inside it charges or credits exactly as after a credit.
        """
        today = self._today()
        for sub in self:
            if sub.state != "active" or sub.plan_id.is_free:
                continue
            schedule = sub._schedule()
            spans = [
                span
                for span in schedule.used(last_day)
                if sub._billed_on_these_periods(span)
            ]
            for span in spans:
                sub._invoice_periods(
                    [span], invoice_date=min(schedule.billing_date(span), today)
                )
            if spans:
                last = spans[-1]
                cut_short = last.end != schedule.period(last.index).end
                if cut_short and not schedule.in_advance:
                    sub.next_period_index = last.index
                else:
                    sub.next_period_index = last.index + 1
                if cut_short and schedule.in_advance:
                    sub.date_paid_until = last.end

    def action_invoice_now(self):
        """Invoice the due periods now; if none is due yet, the next period, dated today."""
        # Invoicing on request is for those who may create invoices; the steps that
        # bill on their own (pause, change) do it as the system.
        self.env["account.move"].check_access("create")
        self._check_states(("active",), self.env._("invoiced"))
        today = fields.Date.context_today(self)
        moves = self.env["account.move"]
        for sub in self:
            if sub.plan_id.is_free:
                raise UserError(
                    self.env._(
                        "%(subscription)s is on the free plan %(plan)s: there is "
                        "nothing to invoice.",
                        subscription=sub.name,
                        plan=sub.plan_id.display_name,
                    )
                )
            periods = sub._due_periods(today)
            invoice_date = None
            if not periods:
                next_period = sub._next_period()
                if not next_period:
                    raise UserError(
                        self.env._(
                            "%(subscription)s ends on %(date)s: all its periods are "
                            "invoiced.",
                            subscription=sub.name,
                            date=sub.date_end,
                        )
                    )
                periods, invoice_date = [next_period], today
            billed = sub._ledger().filtered(
                lambda record, periods=periods: (
                    record.date_start in {p.start for p in periods}
                )
            )
            if billed:
                raise UserError(
                    self.env._(
                        "The period %(period)s of %(subscription)s is already invoiced; "
                        "re-invoice it from the period if its invoice was cancelled.",
                        period=billed[0].display_name,
                        subscription=sub.name,
                    )
                )
            moves |= sub._invoice_periods(periods, invoice_date=invoice_date)
            sub.write(
                {"next_period_index": periods[-1].index + 1, "invoice_error": False}
            )
        if len(self) == 1 and len(moves) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "account.move",
                "res_id": moves.id,
                "view_mode": "form",
                "views": [(False, "form")],
            }
        return True

    def _register_invoices_as_data(self, module, prefix):
        """Make the invoices of these subscriptions records of ``module`` (xml ids
        ``<prefix>_<id>``). A data file replaying a history (demo data) bills the
        periods due before its steps; as its records, the module's uninstallation
        removes them before the customers and products they name."""
        self.env["ir.model.data"].create(
            [
                {
                    "module": module,
                    "name": f"{prefix}_{move.id}",
                    "model": "account.move",
                    "res_id": move.id,
                    "noupdate": True,
                }
                for move in self.invoice_ids
            ]
        )
        return True

    def action_view_periods(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "recurring_billing.recurring_period_action"
        )
        action["domain"] = [("subscription_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    @api.model
    def _cron_generate_invoices(self, batch_size=BATCH_SIZE):
        """Daily: invoice every due period, oldest first, company by company."""
        return self.env["recurring.invoicing.job"]._run(batch_size=batch_size)

    @api.model
    def _generate_recurring_invoices(self, **kwargs):
        """Run the invoicing job (see ``recurring.invoicing.job._generate``)."""
        return self.env["recurring.invoicing.job"]._generate(**kwargs)


def _within(record, periods):
    """Whether the ledger row ``record`` starts within one of ``periods``."""
    return any(period.start <= record.date_start <= period.end for period in periods)
