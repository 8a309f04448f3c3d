"""The follow-up of a subscription whose automatic payment failed (dunning).

One follow-up per subscription at a time holds its unpaid invoices. On the days of its
policy (``engine/dunning.py``) it tries the payment again when the payment method
allows it and sends the customer a reminder with a link to pay; after the last day
it applies the policy's outcome. A payment of its invoices, by any way, ends it as
recovered and resumes a subscription it suspended.
"""

import logging
from datetime import timedelta

import psycopg2

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, split_every

from ..engine.dunning import OUTCOMES, Policy, step_due
from .tools import may_commit

_logger = logging.getLogger(__name__)

OPEN_STATES = ("running", "suspended")
BATCH_SIZE = 100


class RecurringDunning(models.Model):
    _name = "recurring.dunning"
    _description = "Payment Follow-up"
    _inherit = ["mail.thread"]
    _order = "date_next_step, id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    subscription_id = fields.Many2one(
        "recurring.subscription",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    partner_id = fields.Many2one(
        related="subscription_id.partner_id", string="Customer", store=True
    )
    company_id = fields.Many2one(
        related="subscription_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="subscription_id.currency_id")
    invoice_ids = fields.Many2many(
        "account.move", string="Unpaid Invoices", readonly=True, copy=False
    )
    state = fields.Selection(
        [
            ("running", "Running"),
            ("suspended", "Subscription suspended"),
            ("recovered", "Recovered"),
            ("closed", "Closed"),
        ],
        default="running",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    reason = fields.Char(
        readonly=True, help="Why the last automatic payment failed, as it was told."
    )
    retry_allowed = fields.Boolean(
        default=True,
        readonly=True,
        help="The payment method may be charged again. Cleared when the bank or the "
        "provider said it never will (no mandate, closed account…): the customer "
        "is asked for another payment method.",
    )
    date_failure = fields.Date("Failed On", required=True, readonly=True)
    step = fields.Integer(
        "Reminders Sent", readonly=True, help="Steps of the policy taken so far."
    )
    date_last_step = fields.Date("Last Step On", readonly=True)
    date_next_step = fields.Date("Next Step On", readonly=True, index=True)
    date_done = fields.Date("Ended On", readonly=True)
    retry_days = fields.Char(
        required=True,
        readonly=True,
        help="Days after the failure on which the payment is tried again and the "
        "customer reminded, as the policy said when the follow-up started.",
    )
    outcome = fields.Selection(
        OUTCOMES,
        required=True,
        readonly=True,
        help="What happens once the last retry day passed unpaid.",
    )
    amount_due = fields.Monetary(
        compute="_compute_amount_due", currency_field="currency_id"
    )
    mrr = fields.Monetary(
        "MRR at Failure",
        readonly=True,
        currency_field="currency_id",
        help="MRR of the subscription when its payment failed.",
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    mrr_company = fields.Monetary(
        "MRR at Failure (company currency)",
        readonly=True,
        currency_field="company_currency_id",
        help="The recovered MRR of the analytics.",
    )
    date_suspended = fields.Date("Suspended On", readonly=True)

    _sql_constraints = [
        (
            "step_positive",
            "CHECK(step >= 0)",
            "A follow-up cannot have taken a negative number of steps.",
        ),
    ]

    def init(self):
        # One open follow-up per subscription, even with two workers recording
        # failures at once.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (subscription_id) "
                "WHERE state IN ('running', 'suspended')",
                SQL.identifier("recurring_dunning_one_open_per_subscription"),
                SQL.identifier(self._table),
            )
        )

    @api.depends("subscription_id.name", "date_failure")
    def _compute_name(self):
        for dunning in self:
            dunning.name = f"{dunning.subscription_id.name} ({dunning.date_failure})"

    @api.depends("invoice_ids.amount_residual")
    def _compute_amount_due(self):
        for dunning in self:
            dunning.amount_due = sum(dunning._open_invoices().mapped("amount_residual"))

    def _open_invoices(self):
        return self.invoice_ids.filtered(
            lambda inv: (
                inv.state == "posted"
                and inv.payment_state not in ("paid", "in_payment", "reversed")
                and not inv.currency_id.is_zero(inv.amount_residual)
            )
        )

    def _policy(self):
        self.ensure_one()
        return Policy.parse(self.retry_days, self.outcome)

    # -- Starting -------------------------------------------------------------------------

    @api.model
    def _start(self, invoices, reason, retry_allowed=True):
        """Follow up the unpaid ``invoices`` whose automatic payment failed.

        The invoices of a subscription already followed up join its follow-up, which
        keeps its days; others start one today. Returns the follow-ups.
        """
        # sudo: a failure is recorded by whoever learns of it (an accountant entering
        # a bank return, a provider's notification); the follow-up is the system's.
        self = self.sudo()  # noqa: PLW0642
        invoices = invoices.sudo()
        today = fields.Date.context_today(self)
        followups = self.browse()
        for sub, sub_invoices in (
            invoices.filtered("subscription_id").grouped("subscription_id").items()
        ):
            dunning = sub.dunning_id
            if dunning:
                vals = {"invoice_ids": [(4, inv.id) for inv in sub_invoices]}
                vals["reason"] = reason
                if not retry_allowed:
                    vals["retry_allowed"] = False
                dunning.write(vals)
            else:
                policy = sub.plan_id._dunning_policy()
                dunning = self.create(
                    {
                        "subscription_id": sub.id,
                        "invoice_ids": [(6, 0, sub_invoices.ids)],
                        "reason": reason,
                        "retry_allowed": retry_allowed,
                        "date_failure": today,
                        "date_next_step": policy.step_date(today, 0),
                        "retry_days": ",".join(map(str, policy.days)),
                        "outcome": policy.outcome,
                        "mrr": sub.mrr,
                        "mrr_company": sub.mrr_company,
                    }
                )
                sub.dunning_id = dunning
                dunning._schedule_activity()
                # A failure joining a running follow-up (a retry declined again)
                # waits for the follow-up's next step to be told.
                dunning._send_reminder()
            followups |= dunning
        return followups

    def _schedule_activity(self):
        for dunning in self:
            sub = dunning.subscription_id
            sub.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Automatic payment failed"),
                note=(
                    self.env._(
                        "%(reason)s The customer was sent a link to pay; the payment "
                        "is tried again on the days of the dunning policy (%(days)s).",
                        reason=dunning.reason or "",
                        days=dunning.retry_days,
                    )
                    if dunning.retry_allowed
                    else self.env._(
                        "%(reason)s The payment method can no longer be used: the "
                        "customer was sent a link to pay; ask for another payment "
                        "method.",
                        reason=dunning.reason or "",
                    )
                ),
                user_id=(sub.user_id or self.env.user).id,
            )

    def _send_reminder(self):
        template = self.env.ref("recurring_billing.mail_template_dunning_reminder")
        for dunning in self:
            invoices = dunning._open_invoices()
            # A debit in a batch, or a payment under way (the step's retry waiting
            # for the provider), collects the invoice: a link to pay it online
            # would have the customer pay it twice.
            if (
                not invoices
                or invoices._recurring_debit_pending()
                or invoices._recurring_being_paid()
            ):
                continue
            # The access tokens of the pay links are made before the mail renders.
            for invoice in invoices:
                invoice._portal_ensure_token()
            dunning.message_post_with_source(
                template, message_type="comment", subtype_xmlid="mail.mt_comment"
            )

    # -- The daily steps ------------------------------------------------------------------

    @api.model
    def _cron_dunning(self, batch_size=BATCH_SIZE):
        """Daily: take the steps whose day has come, one savepoint per follow-up."""
        today = fields.Date.context_today(self)
        due = self.search([("state", "=", "running"), ("date_next_step", "<=", today)])
        done = 0
        commit = may_commit(self.env)
        for batch in split_every(batch_size, due.ids, self.browse):
            retries = batch._each_step(lambda dunning: dunning._take_step(today))
            charging = self.env["account.move"].union(*retries.values())
            if charging:
                # A retry is charged as every charge is, once the step asking for
                # it is committed: sent inside the step's savepoint, a charge the
                # rollback of a failing step forgets would be sent again.
                if commit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                charging._recurring_charge_token(commit=commit)
                self.browse(
                    [dunning.id for dunning, invoices in retries.items() if invoices]
                )._each_step(lambda dunning: dunning._end_step(today))
            done += len(batch)
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(due) - done)
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit

    def _each_step(self, step):
        """Run ``step`` for each follow-up of ``self`` in its own savepoint, a
        failing one logged and left for the next run; returns what each one
        answered."""
        answers = {}
        for dunning in self:
            try:
                with self.env.cr.savepoint():
                    answers[dunning] = step(dunning)
            except (UserError, psycopg2.Error):
                _logger.exception("Payment follow-up %s not advanced", dunning.id)
        return answers

    def _take_step(self, today):
        """Retry, remind, and after the last day apply the outcome; returns the
        invoices of a retry to charge first, after which ``_end_step`` ends the
        step (the follow-up closed if the retry paid).

        A SEPA debit returned for insufficient funds is presented again by the debit
        batches, after its pre-notification: the outcome waits for that presentation
        (checked daily) until its return says it will not be presented again.
        """
        self.ensure_one()
        retry = self.env["account.move"]
        if self._close_if_settled():
            return retry
        policy = self._policy()
        if self.step < len(policy.days):
            if not step_due(
                policy, self.date_failure, self.step, today, self.date_last_step or None
            ):
                return retry
            if self.retry_allowed:
                retry = self._retry_payment()
                if retry:
                    return retry
        self._end_step(today)
        return retry

    def _end_step(self, today):
        """The step of ``today`` once its retry, if any, is charged: the next
        reminder, or after the last day the outcome."""
        self.ensure_one()
        if self._close_if_settled():
            return
        policy = self._policy()
        if self.step < len(policy.days):
            self.write({"step": self.step + 1, "date_last_step": today})
            if self.step < len(policy.days):
                self.date_next_step = policy.step_date(self.date_failure, self.step)
                self._send_reminder()
                return
        if self._waits_for_payment(today):
            self.date_next_step = today + timedelta(days=1)
            return
        self._apply_outcome()

    def _waits_for_payment(self, today):
        """Whether the outcome waits, checked daily: for a SEPA debit to be
        presented again, or for the outcome of a payment of the open invoices
        under way (a retry charge the provider has not answered yet). Cancelled
        meanwhile, the customer would be credited the unused days and charged them
        too."""
        invoices = self._open_invoices()
        if invoices._recurring_being_paid():
            return True
        return (
            self.retry_allowed
            and self.subscription_id.payment_method == "sepa"
            and any(not inv.sepa_no_retry for inv in invoices)
        )

    def _retry_payment(self):
        """The open invoices to charge again to the saved payment method, marked
        to charge (the charging job charges them if this run stops before); a SEPA
        invoice is presented again by the debit batches on the retry date its
        return set."""
        invoices = self._open_invoices()
        if self.subscription_id.payment_method != "token" or not invoices:
            return invoices.browse()
        invoices._recurring_charge_later()
        return invoices

    def _close_if_settled(self):
        """End the follow-up when nothing is left to pay; True if it ended."""
        if self._open_invoices():
            return False
        paid = self.invoice_ids.filtered(
            lambda inv: inv.payment_state in ("paid", "in_payment")
        )
        self._end("recovered" if paid else "closed")
        return True

    def _apply_outcome(self):
        sub = self.subscription_id
        if self.outcome == "suspend" and sub.state == "active":
            self.write(
                {
                    "state": "suspended",
                    "date_suspended": fields.Date.context_today(self),
                }
            )
            sub._suspend()
            return
        if self.outcome == "cancel" and sub.state in ("trial", "active", "paused"):
            # The cancellation ends the follow-up (closed) before its credit note is
            # set against the invoice. The company's policy, not the customer's
            # choice: a minimum term binds the customer's cancellations, not this
            # one. As the superuser (a subscription manager), who may lift it.
            sub.with_user(SUPERUSER_ID).action_cancel(
                reason=self.env.ref("recurring_billing.cancel_reason_payment"),
                credit_unused=True,
                override_limits=True,
            )
            self._open_invoices()._recurring_settle_credits()
            return
        self._end("closed")

    def _end(self, state):
        today = fields.Date.context_today(self)
        # sudo: follow-ups are written by their own steps only; a user cancelling a
        # subscription, or a manager stopping the follow-up, ends it through here.
        for dunning in self.sudo():
            dunning.write({"state": state, "date_done": today, "date_next_step": False})
            dunning.subscription_id.dunning_id = False

    # -- Paid another way ---------------------------------------------------------------

    @api.model
    def _invoices_paid(self, invoices):
        """End the follow-ups that ``invoices`` settle; resume what they suspended."""
        followups = self.search(
            [("state", "in", OPEN_STATES), ("invoice_ids", "in", invoices.ids)]
        )
        for dunning in followups:
            suspended = dunning.state == "suspended"
            if not dunning._close_if_settled():
                continue
            dunning.message_post(body=self.env._("Paid: the follow-up ends."))
            if suspended and dunning.subscription_id.state == "paused":
                dunning.subscription_id.action_resume()

    def action_stop(self):
        """Stop following up: no more retries, reminders or outcome."""
        if not self.env.user.has_group("recurring_billing.group_manager"):
            raise UserError(
                self.env._("Only subscription managers can stop a payment follow-up.")
            )
        running = self.filtered(lambda d: d.state in OPEN_STATES)
        if running != self:
            raise UserError(self.env._("Only a running follow-up can be stopped."))
        for dunning in running:
            dunning._end("closed")
            dunning.sudo().message_post(
                body=self.env._("Stopped by %(user)s.", user=self.env.user.name)
            )
        return True
