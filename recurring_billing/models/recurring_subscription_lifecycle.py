"""The state machine of subscriptions: start, trial, pause, resume, cancel, reactivate,
renew, and the daily job that runs the steps whose day has come. Each step writes its
row in the change log; invoices and credits go through the invoicing file."""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date, split_every

from ..engine.commitments import (
    CommitmentError,
    PauseTooLongError,
    cancellation_end,
    latest_resume,
)
from .tools import date_argument, may_commit, record_argument

_logger = logging.getLogger(__name__)

STEP_BATCH_SIZE = 200


class RecurringSubscription(models.Model):
    _inherit = "recurring.subscription"

    def _paid_period_vals(self, day):
        """Values that start paid service on ``day``: a new anchor, period 0."""
        return dict(
            self._restart_vals(day),
            state="active",
            date_pause=False,
            date_resume=False,
            is_suspended=False,
            cancel_at_period_end=False,
            cancel_reason_id=False,
        )

    def action_start(self):
        """Start draft subscriptions: in trial if the plan has one, else active."""
        self._check_states(("draft",), self.env._("started"))
        self._check_startable()
        self._check_sepa_mandate()
        # One change-log block per kind of start and day: starting many subscriptions
        # at once (a migration) updates the analytics once, not once per subscription.
        groups = self.grouped(
            lambda sub: (
                bool(sub.plan_id.trial_days and not sub.plan_id.is_free),
                sub.date_start,
            )
        )
        for (in_trial, day), subs in groups.items():
            event_type = "trial_start" if in_trial else "start"
            with subs._mrr_tracking(event_type, day, True) as tracked:
                for sub in tracked:
                    if in_trial:
                        trial_end = day + timedelta(days=sub.plan_id.trial_days)
                        sub.write({"state": "trial", "date_trial_end": trial_end})
                    else:
                        sub.write(sub._paid_period_vals(day))
        return True

    def action_convert_trial(self, day=None):
        """End the trial on ``day``: paid service, and its first period, begin then.

        By default the trial ends today ("End trial now"), or on its planned end when
        that day is past (the daily job catching up): service is never billed from a
        day after it began.
        """
        self._check_states(("trial",), self.env._("converted"))
        today = self._today()
        for sub in self:
            when = day or min(sub.date_trial_end or today, today)
            if (
                sub.plan_id.trial_requires_payment_method
                and sub.payment_method == "manual"
            ):
                raise UserError(
                    self.env._(
                        "%(subscription)s needs a payment method before its trial can "
                        "convert: choose SEPA Direct Debit on it first.",
                        subscription=sub.name,
                    )
                )
            with sub._mrr_tracking("conversion", when, True) as tracked:
                # The first period is the next period the pending changes wait for.
                tracked._bring_pending_into_force()
                tracked.write(dict(sub._paid_period_vals(when), date_trial_end=when))
        return True

    def action_pause(self, date_resume=None, override_limits=False):
        """Pause active subscriptions; they resume on ``date_resume`` if given, which
        their plan's longest pause may require (``override_limits``: a subscription
        manager lifts it)."""
        self._check_states(("active",), self.env._("paused"))
        self._check_override(override_limits)
        today = self._today()
        date_resume = date_argument(self.env, date_resume, self.env._("resume date"))
        if date_resume and date_resume <= today:
            raise UserError(
                self.env._(
                    "The resume date must be after today: leave it empty to resume by hand."
                )
            )
        if not override_limits:
            for plan in self.plan_id:
                try:
                    latest_resume(today, date_resume, plan.pause_max_days)
                except PauseTooLongError as error:
                    raise UserError(
                        self.env._(
                            "Plan %(plan)s allows pauses of %(days)s days at most: "
                            "choose a resume date until %(date)s.",
                            plan=plan.name,
                            days=plan.pause_max_days,
                            date=format_date(self.env, error.date_latest),
                        )
                    ) from error
        # The days paid ahead from today are credited (doc/BILLING.md, Pause).
        yesterday = self._bill_service_until_yesterday(today)
        for sub in self:
            sub._credit_unused_days(yesterday)
        with self._mrr_tracking("pause", today, True) as tracked:
            tracked.write(
                {"state": "paused", "date_pause": today, "date_resume": date_resume}
            )
        return True

    def _bill_service_until_yesterday(self, today):
        """Service stops ``today`` (a pause, a suspension): the periods due before it
        are billed as if the invoicing job had run, and the days used of a period
        billed in arrears now. Returns the last day of service."""
        yesterday = today - timedelta(days=1)
        self._bill_used_days(yesterday)
        return yesterday

    def _suspend(self):
        """Pause for non-payment: the last day of the payment follow-up passed unpaid.

        No invoice is made until the overdue invoices are paid, which resumes it.
        Unlike a pause the customer asks for, nothing is credited: the period invoiced
        before stays due as invoiced (doc/BILLING.md, Payment follow-up).
        """
        self._check_states(("active",), self.env._("suspended"))
        today = self._today()
        self._bill_service_until_yesterday(today)
        with self._mrr_tracking("suspension", today, True) as tracked:
            tracked.write(
                {
                    "state": "paused",
                    "is_suspended": True,
                    "date_pause": today,
                    "date_resume": False,
                }
            )
        for sub in self:
            sub.message_post(
                body=self.env._(
                    "Suspended for non-payment: it resumes once its overdue invoices "
                    "are paid."
                )
            )
        return True

    def action_resume(self):
        """Resume paused subscriptions as their plan says.

        "restart": a new period starts today. "keep_anchor": periods keep their dates
        and the one holding today is billed from today, prorated; if it was billed
        before the pause, its days from today, credited at the pause, are charged
        again. Changes waiting for the next period come into force if the first
        period billed from now starts today.
        """
        self._check_states(("paused",), self.env._("resumed"))
        unpaid = self.filtered(lambda sub: sub.is_suspended and sub.dunning_id)
        if unpaid and not self.env.user.has_group("recurring_billing.group_manager"):
            raise UserError(
                self.env._(
                    "%(subscription)s is suspended for non-payment: it resumes by "
                    "itself once its overdue invoices are paid. A subscription manager "
                    "may resume it before.",
                    subscription=unpaid[0].name,
                )
            )
        # A manager resuming before the payment ends its follow-up: the reminders and
        # the outcome would contradict that decision.
        unpaid.dunning_id._end("closed")
        today = self._today()
        for sub in self:
            restart = sub.plan_id.resume_policy != "keep_anchor" or not sub.date_anchor
            paid = []
            if restart:
                # Days paid ahead that a pause made before this rule did not credit.
                sub._credit_paid_days_from(today)
            else:
                paid = sub._schedule().billed_from(today)
            with sub._mrr_tracking("resume", today, True) as tracked:
                tracked.write(sub._resume_vals(today))
                first = tracked._next_period()
                if first and first.start <= today:
                    tracked._bring_pending_into_force()
            if not restart:
                sub._charge_credited_days_from(today, paid)
        return True

    def _resume_vals(self, day):
        self.ensure_one()
        plan = self.plan_id
        if plan.resume_policy != "keep_anchor" or not self.date_anchor:
            # A fixed term keeps its end: the pause does not buy a new term.
            vals = self._paid_period_vals(day)
            if self.date_term_end:
                vals.update(date_end=self.date_end, date_term_end=self.date_term_end)
            if self.cancel_at_period_end:
                # The customer's planned departure stands: the new periods stop on
                # the day they asked for, the last one billed up to it.
                vals.update(
                    cancel_at_period_end=True,
                    date_end=self.date_end,
                    cancel_reason_id=self.cancel_reason_id.id,
                )
            return vals
        vals = {
            "state": "active",
            "date_pause": False,
            "date_resume": False,
            "date_service_start": False,
            "is_suspended": False,
        }
        resumed = self._schedule().resumed(day)
        vals.update(
            next_period_index=resumed.next_index,
            date_service_start=resumed.service_start or False,
        )
        return vals

    def action_cancel(
        self,
        reason=None,
        at_period_end=False,
        credit_unused=False,
        override_limits=False,
    ):
        """Cancel now, or at the end of the current period (active ones, revocable):
        of the next period when the plan's notice period has started. A cancellation
        ending the service within the plan's minimum term is refused unless a
        subscription manager overrides the limits (``override_limits``).

        With ``credit_unused``, cancelling now credits the days of the current period,
        already invoiced in advance, after today.
        """
        self._check_states(("trial", "active", "paused"), self.env._("cancelled"))
        self._check_override(override_limits)
        reason = record_argument(self.env, reason, "recurring.cancel.reason")
        today = self._today()
        if at_period_end:
            self._check_states(("active",), self.env._("cancelled at period end"))
        ends = {
            sub: not override_limits and sub._cancellation_end(today, at_period_end)
            for sub in self
        }
        if at_period_end:
            for sub in self:
                end = ends[sub] or sub.date_period_end
                sub.write(
                    {
                        "cancel_at_period_end": True,
                        "date_end": end,
                        "cancel_reason_id": reason.id,
                    }
                )
                body = self.env._(
                    "Ends at the end of the current period, on %(date)s.",
                    date=fields.Date.to_string(end),
                )
                if end != sub.date_period_end:
                    body = self.env._(
                        "Ends at the end of the next period, on %(date)s: the notice "
                        "period of %(days)s days had started for the current one.",
                        date=fields.Date.to_string(end),
                        days=sub.plan_id.notice_period_days,
                    )
                sub.message_post(body=body)
            return True
        # The days used up to today (today counts as used, as it does for the credit
        # of unused days) are billed first: the periods over in full, the one holding
        # today for its days used if it was not billed yet; on the terms in force
        # today, a change due today included, as if the daily job had run.
        for sub in self._changes_due_by(today):
            sub._apply_pending_change()
        self._bill_used_days(today)
        unused = {}
        if credit_unused:
            # What billed them, taken before the changes planned for them are dropped.
            for sub in self:
                unused[sub] = sub._lines_by_period(sub._billed_ahead(today))
        # Without a next period, the changes planned for it never come.
        self.filtered("date_pending_change").action_cancel_pending_change()
        with self._mrr_tracking("cancel", today, True) as tracked:
            tracked.write(
                {
                    "state": "cancelled",
                    "date_end": today,
                    "cancel_at_period_end": False,
                    "cancel_reason_id": reason.id,
                    "date_resume": False,
                }
            )
        # A customer leaving ends the reminders of its payment follow-up.
        self.dunning_id._end("closed")
        for sub, billed in unused.items():
            sub._credit_unused_days(today, billed)
        return True

    def _check_override(self, override_limits):
        """Only subscription managers lift the limits of plans; never the portal."""
        if override_limits and not self.env.user.has_group(
            "recurring_billing.group_manager"
        ):
            raise AccessError(
                self.env._(
                    "Only a subscription manager may override the minimum term or the "
                    "longest pause of a plan."
                )
            )

    def _cancellation_end(self, today, at_period_end):
        """The last day of service of the subscription cancelled on ``today``, as
        its plan's minimum term and notice period allow (engine/commitments.py);
        a UserError when the minimum term refuses it."""
        self.ensure_one()
        plan = self.plan_id
        period_end = next_end = None
        if at_period_end:
            period_end = self.date_period_end
            schedule = self._schedule(date_end=None)
            if period_end and schedule:
                next_end = schedule.period_at(period_end + timedelta(days=1)).end
                if self.date_term_end:
                    next_end = min(next_end, self.date_term_end)
        try:
            return cancellation_end(
                today,
                period_end,
                next_end,
                self.date_start,
                plan.minimum_term_months,
                plan.notice_period_days,
            )
        except CommitmentError as error:
            raise UserError(
                self.env._(
                    "%(subscription)s is committed until %(date)s by the minimum term "
                    "of %(months)s months of plan %(plan)s: it cannot end before. "
                    "Cancel it once its current period ends on or after that day.",
                    subscription=self.name,
                    date=format_date(self.env, error.date_commitment_end),
                    months=plan.minimum_term_months,
                    plan=plan.name,
                )
            ) from error

    def action_revoke_cancel(self):
        """Keep subscriptions that were to end at the end of their period."""
        pending = self.filtered("cancel_at_period_end")
        if pending != self:
            raise UserError(
                self.env._("Only a cancellation planned at period end can be revoked.")
            )
        for sub in pending:
            sub.write(
                {
                    "cancel_at_period_end": False,
                    "cancel_reason_id": False,
                    "date_end": sub.date_term_end,
                }
            )
        return True

    def action_reactivate(self):
        """Bring cancelled subscriptions back: a new period starts today."""
        self._check_states(("cancelled",), self.env._("reactivated"))
        self._check_startable()
        today = self._today()
        self._credit_paid_days_from(today)
        with self._mrr_tracking("reactivation", today, True) as tracked:
            for sub in tracked:
                sub.write(sub._paid_period_vals(today))
        return True

    def action_renew(self):
        """Extend fixed-term subscriptions by one more term of their plan."""
        self._check_states(("active", "paused"), self.env._("renewed"))
        for sub in self:
            if sub.plan_id.term_type != "fixed" or not sub.date_end:
                raise UserError(
                    self.env._(
                        "%(subscription)s renews automatically: only fixed terms are "
                        "renewed by hand.",
                        subscription=sub.name,
                    )
                )
            new_end = sub._schedule().renewed_end(sub.plan_id.term_periods)
            with sub._mrr_tracking("renewal", always=True) as tracked:
                tracked.write({"date_end": new_end, "date_term_end": new_end})
        return True

    # -- Scheduled actions ---------------------------------------------------------------

    @api.model
    def _cron_lifecycle(self, batch_size=STEP_BATCH_SIZE):
        """Daily: scheduled changes, trials ending, resumes, ends of service.

        Each kind of step is searched after the previous one ran (a change in force
        today may end a trial…); each subscription runs in its own savepoint and,
        outside of tests, each batch is committed, so one broken subscription or a
        run stopped half-way costs only itself or its batch.
        """
        today = self._today()
        steps = (
            (lambda: self._pending_changes_due(today), "_apply_pending_change"),
            (
                lambda: self.search(
                    [("state", "=", "trial"), ("date_trial_end", "<=", today)]
                ),
                "action_convert_trial",
            ),
            (
                lambda: self.search(
                    [("state", "=", "paused"), ("date_resume", "<=", today)]
                ),
                "action_resume",
            ),
            (
                lambda: self.search(
                    [("state", "in", ("active", "paused")), ("date_end", "<", today)]
                ),
                "_end_of_service",
            ),
        )
        for find, step in steps:
            find()._run_steps(step, batch_size)
        self._send_trial_reminders(today)

    def _run_steps(self, step, batch_size):
        """Run the method ``step`` on each of these subscriptions, batch by batch."""
        commit = may_commit(self.env)
        done = 0
        for batch in split_every(batch_size, self.ids, self.browse):
            for sub in batch:
                sub._run_step(getattr(sub, step))
            done += len(batch)
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(self) - done)
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit

    def _send_trial_reminders(self, today):
        """E-mail customers whose trial ends within their plan's reminder days.

        Trials ending by today were converted by the steps before (or could not be,
        and say why): a job that did not run for days announces no end that is past.
        """
        template = self.env.ref("recurring_billing.mail_template_trial_ending")
        trials = self.search(
            [
                ("state", "=", "trial"),
                ("trial_reminder_sent", "=", False),
                ("date_trial_end", ">", today),
            ]
        )
        due = trials.filtered(
            lambda sub: (
                sub.date_trial_end - timedelta(days=sub.plan_id.trial_reminder_days)
                <= today
            )
        )
        for sub in due:
            sub.message_post_with_source(template, subtype_xmlid="mail.mt_comment")
        due.write({"trial_reminder_sent": True})

    def _end_of_service(self):
        self.ensure_one()
        # Periods billed in arrears are invoiced the day after they end: the last one
        # is due now, and must be billed before the subscription stops being active.
        due = self._due_periods(self._today())
        if due:
            self._invoice_periods(due)
        self.filtered("date_pending_change").action_cancel_pending_change()
        event_type = "cancel" if self.cancel_at_period_end else "end"
        with self._mrr_tracking(event_type, self.date_end, True) as tracked:
            tracked.write({"state": "cancelled", "cancel_at_period_end": False})
        self.dunning_id._end("closed")

    def _run_step(self, step):
        """Run one scheduled step in its own savepoint: a failure stops only this one,
        and is told in the subscription's chatter."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                step()
        except UserError as error:
            self.message_post(
                body=self.env._("Scheduled step not done: %(error)s", error=error)
            )
        except Exception as error:  # noqa: BLE001 - reported, the others go on
            _logger.exception("Scheduled step of %s failed", self.name)
            self.message_post(
                body=self.env._(
                    "Scheduled step not done, unexpected error (%(type)s): %(error)s",
                    type=type(error).__name__,
                    error=error,
                )
            )
