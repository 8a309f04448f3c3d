"""Invoicing: the invoices and credit notes made of the periods, and running the
invoicing.

The lifecycle and change files invoice or credit only through the methods of this file
(``_invoice_periods``, ``_invoice_change``, ``_credit_unused_days``, ``_bill_used_days``).
Which periods are due and what each bills is said by ``recurring_subscription_billing``,
which rows of the ledger hold their periods by ``recurring.period``; the moves are
written by ``recurring.invoice.maker``, the scheduled job's batches run by
``recurring.invoicing.job``.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from .recurring_invoicing_job import BATCH_SIZE
from .recurring_mrr_tracking_mixin import TRACKING_KEY


class RecurringSubscription(models.Model):
    _inherit = "recurring.subscription"

    # -- Credits ---------------------------------------------------------------------

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
        self.period_ids._mark_credited([period for period, _lines in billed], after)

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
        """Credit the days from ``day`` already billed on the current periods, before
        new periods start that day (a resume or a reactivation restarting them): no
        day is paid twice. Days credited already (``date_paid_until``) are left out."""
        for sub in self:
            schedule = sub._schedule()
            billed = sub._billed_from(day, schedule) if schedule else {}
            for period, lines in sub._lines_by_period(list(billed)):
                start = max(day, period.start)
                if start <= billed[period]:
                    sub._invoice_change(lines, [], period, start, until=billed[period])
            sub.period_ids._mark_credited(list(billed), day)

    def _billed_from(self, day, schedule):
        """{period: its last day billed} of the periods billed with days from ``day``
        on: in advance, those paid ahead (less the days credited already); in
        arrears, the one a stop billed up to its last day of service
        (``_bill_used_days``), ``day`` included when the stop was that day."""
        if not schedule.in_advance:
            return {
                schedule.period_at(row.date_start): row.date_end
                for row in self._ledger()
                if row.date_end >= day
            }
        periods = schedule.billed_from(day)
        credited_after = self._credited_after(periods)
        return {
            period: min(period.end, credited_after) if credited_after else period.end
            for period in periods
        }

    def _charge_credited_days_from(self, day, periods):
        """Charge again the days from ``day`` of ``periods`` that a pause credited: the
        subscription serves them after all (a resume keeping its periods)."""
        self.ensure_one()
        credited_after = self._credited_after(periods)
        if credited_after:
            self.period_ids._unmark_credited(periods)
            for period, lines in self._lines_by_period(periods):
                start = max(day, period.start, credited_after + timedelta(days=1))
                if start <= period.end:
                    self._invoice_change([], lines, period, start)
        self.date_paid_until = False

    def _ledger(self):
        """The ledger rows holding their periods: not those credited in full."""
        return self.period_ids._holding()

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
