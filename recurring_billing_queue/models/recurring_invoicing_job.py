"""The scheduled invoicing spread over the job queue: the scheduled action only
enqueues one job per batch of due subscriptions, and the queue's workers invoice them
in parallel, each batch the way the scheduled job of ``recurring_billing`` does it."""

from odoo import api, fields, models
from odoo.tools import split_every

from odoo.addons.queue_job.job import (
    ENQUEUED,
    PENDING,
    WAIT_DEPENDENCIES,
    identity_exact,
)
from odoo.addons.recurring_billing.models.recurring_invoicing_job import BATCH_SIZE
from odoo.addons.recurring_billing.models.tools import may_commit

ENABLED_PARAM = "recurring_billing_queue.enabled"
BATCH_SIZE_PARAM = "recurring_billing_queue.batch_size"
# Small enough that each job ends well within the workers' time limits and that
# two workers share the due set evenly; large enough that each batch still makes its
# invoices in one create and one post.
DEFAULT_BATCH_SIZE = 100
# In the context of a queued batch: post its invoices one journal at a time.
LOCK_JOURNALS_KEY = "recurring_queue_lock_journals"
# The jobs of these states are still to run: what they hold is not enqueued again.
WAITING_STATES = (WAIT_DEPENDENCIES, PENDING, ENQUEUED)


class RecurringInvoicingJob(models.AbstractModel):
    _inherit = "recurring.invoicing.job"

    @api.model
    def _run(self, batch_size=BATCH_SIZE):
        """With the queue switched on, enqueue the due batches instead of
        invoicing them in the scheduled action itself (the size of its jobs' batches
        is the queue's own setting)."""
        if not self._queue_enabled():
            return super()._run(batch_size=batch_size)
        return self._enqueue_due_batches()

    @api.model
    def _queue_enabled(self):
        params = self.env["ir.config_parameter"].sudo()
        return bool(params.get_param(ENABLED_PARAM))

    @api.model
    def _queue_batch_size(self):
        params = self.env["ir.config_parameter"].sudo()
        size = int(params.get_param(BATCH_SIZE_PARAM) or DEFAULT_BATCH_SIZE)
        return size if size > 0 else DEFAULT_BATCH_SIZE

    @api.model
    def _enqueue_due_batches(self, today=None, batch_size=None):
        """Enqueue one job per batch of the subscriptions due by ``today``, per
        company; returns the number of jobs enqueued.

        A subscription held by a job still waiting to run is left to that job. The
        identity key refuses a batch already waiting in the queue, should two runs
        of the scheduled action meet."""
        today = today or fields.Date.context_today(self)
        batch_size = batch_size or self._queue_batch_size()
        waiting = self._waiting_subscription_ids()
        due = self.env["recurring.subscription"].search_fetch(
            self._due_domain(today) + [("id", "not in", list(waiting))],
            ["company_id"],
            order="company_id, date_next_invoice, id",
        )
        per_company = {}
        for sub in due:
            per_company.setdefault(sub.company_id, []).append(sub.id)
        enqueued = 0
        for company, ids in per_company.items():
            for chunk in split_every(batch_size, ids, list):
                self.with_company(company).with_delay(
                    identity_key=identity_exact,
                    description=self.env._(
                        "Recurring invoices of %(count)s subscriptions of %(company)s",
                        count=len(chunk),
                        company=company.name,
                    ),
                )._invoice_queued_batch(chunk, fields.Date.to_string(today))
                enqueued += 1
        return enqueued

    @api.model
    def _waiting_subscription_ids(self):
        """The subscriptions of the invoicing jobs not started yet."""
        # sudo: the scheduled action's user need not see the queue's jobs.
        jobs = (
            self.env["queue.job"]
            .sudo()
            .search(
                [
                    ("model_name", "=", self._name),
                    ("method_name", "=", "_invoice_queued_batch"),
                    ("state", "in", WAITING_STATES),
                ]
            )
        )
        return {sub_id for job in jobs for sub_id in job.args[0]}

    @api.model
    def _invoice_queued_batch(self, subscription_ids, today):
        """The job of one batch: invoice the periods of ``subscription_ids`` due by
        ``today`` (ISO date) as one locked batch of the scheduled job.

        Run again (a retry, a job requeued after its worker was killed), it finds
        the periods already billed in the ledger and the subscriptions no longer
        due, and bills nothing twice. Returns the subscriptions handled."""
        commit = may_commit(self.env)
        if commit:
            # A fresh transaction in READ COMMITTED: once it holds the lock of its
            # journals, it numbers its invoices after those another worker committed
            # meanwhile (see account_move.py).
            self.env.cr.commit()  # pylint: disable=invalid-commit
            self.env.cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        return self.with_context(**{LOCK_JOURNALS_KEY: True})._generate(
            today=fields.Date.to_date(today),
            batch_size=len(subscription_ids),
            commit=commit,
            domain=[("id", "in", subscription_ids)],
        )
