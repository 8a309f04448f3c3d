"""The scheduled invoicing job: due subscriptions in locked batches, one invoice per
due period, recorded in the period ledger.

What a period bills is the subscription's to say (``recurring_subscription_invoicing``),
the moves are made by ``recurring.invoice.maker``; this model only runs them for many
subscriptions at once, fast and safely: ``SKIP LOCKED`` batches for parallel workers,
one create and one post per batch, a commit per batch.
"""

import logging
from collections import defaultdict

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .tools import may_commit

_logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# The unique index of the period ledger: violated, the period was billed by another
# worker; any other unique violation (an invoice number) is worth another try.
LEDGER_CONSTRAINT = "recurring_period_subscription_start_unique"
NUMBER_ATTEMPTS = 3


class RecurringInvoicingJob(models.AbstractModel):
    _name = "recurring.invoicing.job"
    _description = "Recurring Invoicing Job"

    @api.model
    def _run(self, batch_size=BATCH_SIZE):
        """Invoice every due period, committing each batch outside of tests."""
        return self._generate(batch_size=batch_size, commit=may_commit(self.env))

    @api.model
    def _generate(self, today=None, batch_size=BATCH_SIZE, commit=False, domain=None):
        """Invoice the due periods of all companies; returns the subscriptions handled.

        Each batch locks its subscriptions (``SKIP LOCKED``: another worker takes the
        next ones), is invoiced, and with ``commit`` committed, so a run killed half-way
        loses only its current batch, which the next run does again. ``domain``
        restricts the run to some subscriptions.
        """
        today = today or fields.Date.context_today(self)
        subscriptions = self.env["recurring.subscription"]
        per_company = subscriptions._read_group(
            self._due_domain(today) + (domain or []), ["company_id"], ["__count"]
        )
        only_ids = subscriptions.search(domain).ids if domain else None
        handled = []
        for company, _count in per_company:
            # Its invoices are charged by the job itself, once committed.
            job = self.with_company(company).with_context(recurring_charge_inline=True)
            while True:
                batch = job._lock_due_batch(
                    today, company, handled, batch_size, commit, only_ids
                )
                if not batch:
                    break
                handled += batch.ids
                moves = job._invoice_due_batch(batch, today)
                # Posting flagged those to charge; read now, before the commit
                # empties the cache, so that a batch with none commits only once.
                to_charge = moves.filtered("recurring_charge_due")
                # Counted again: other workers may have done some meanwhile, and the
                # scheduler calls the job again while something is said to remain.
                remaining = job._count_due(today, handled, only_ids)
                self.env["ir.cron"]._notify_progress(
                    done=len(handled), remaining=remaining
                )
                if commit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                else:
                    self.env.flush_all()
                # Charged once the invoices are committed: a charge that fails rolls
                # back to its own savepoint and never undoes them.
                if to_charge:
                    to_charge._recurring_charge_token(commit=commit)
                # Keeps memory flat however many batches the run has.
                self.env.invalidate_all()
        return len(handled)

    @api.model
    def _due_domain(self, today):
        """The subscriptions whose next invoice is due by ``today``: the ones a run
        invoices, whoever runs it (the scheduled action or a queue of workers)."""
        return [("state", "=", "active"), ("date_next_invoice", "<=", today)]

    @api.model
    def _count_due(self, today, exclude_ids, only_ids=None):
        """How many subscriptions are still due, this run's own left out (those that
        failed stay due until fixed: running again would not bill them)."""
        self.env["recurring.subscription"].flush_model(["state", "date_next_invoice"])
        self.env.cr.execute(
            SQL(
                """
                SELECT COUNT(*) FROM recurring_subscription
                 WHERE state = 'active'
                   AND date_next_invoice <= %s
                   AND id != ALL(%s)
                   %s
                """,
                today,
                list(exclude_ids),
                SQL("AND id = ANY(%s)", only_ids) if only_ids is not None else SQL(),
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _lock_due_batch(
        self, today, company, exclude_ids, batch_size, commit, only_ids=None
    ):
        """Lock and return the next due subscriptions nobody else is invoicing."""
        subscriptions = self.env["recurring.subscription"]
        subscriptions.flush_model(["state", "date_next_invoice", "company_id"])
        query = SQL(
            """
            SELECT id FROM recurring_subscription
             WHERE state = 'active'
               AND date_next_invoice <= %s
               AND company_id = %s
               AND id != ALL(%s)
               %s
             ORDER BY date_next_invoice, id
             LIMIT %s
               FOR UPDATE SKIP LOCKED
            """,
            today,
            company.id,
            list(exclude_ids),
            SQL("AND id = ANY(%s)", only_ids) if only_ids is not None else SQL(),
            batch_size,
        )
        while True:
            try:
                self.env.cr.execute(query)
            except pg_errors.SerializationFailure:
                if not commit:
                    raise
                # Another worker committed rows of our snapshot: start a fresh one.
                self.env.cr.rollback()
                continue
            return subscriptions.browse(row[0] for row in self.env.cr.fetchall())

    @api.model
    def _invoice_due_batch(self, batch, today):
        """Invoice the due periods of the locked subscriptions of ``batch``; one bad
        one is skipped. Returns the invoices made."""
        maker = self.env["recurring.invoice.maker"]
        failures = {}
        next_index = {}
        jobs = []
        journals = {}
        # What the lines sell, checked once for the batch (_check_invoiceable).
        checked = set()
        due = {sub: sub._due_periods(today) for sub in batch}
        billed = {
            (record.subscription_id.id, record.date_start)
            for record in self.env["recurring.period"].search(
                [
                    ("subscription_id", "in", batch.ids),
                    ("date_start", "in", [p.start for ps in due.values() for p in ps]),
                    ("is_credited", "=", False),
                ]
            )
        }
        for sub, periods in due.items():
            if not periods:
                continue
            next_index[sub] = periods[-1].index + 1
            # Periods already in the ledger (a previous run, another worker) are done.
            todo = [p for p in periods if (sub.id, p.start) not in billed]
            if sub.plan_id.is_free or not todo:
                continue
            # Building the values only reads: a subscription that fails here leaves
            # nothing to roll back, so it needs no savepoint. A database error
            # aborts the transaction: it ends the run, the next one redoes the batch.
            try:
                key = (sub.plan_id, sub.company_id)
                if key not in journals:
                    journals[key] = maker._journal(sub)
                journal = journals[key]
                vals_list = [
                    maker._period_vals(sub, p, sub._billing_date(p), journal, checked)
                    for p in todo
                ]
            except pg_errors.Error:
                raise
            except Exception as error:  # noqa: BLE001 - stored on the subscription
                failures[sub] = error
                del next_index[sub]
                continue
            jobs.append((sub, todo, vals_list))
        moves = self._create_and_post(jobs, failures, next_index)
        for index, subs in self._group_by_index(next_index).items():
            subs._move_to_period(index)
        succeeded = batch.browse(sub.id for sub in next_index)
        succeeded.filtered("invoice_error").write({"invoice_error": False})
        self._record_invoice_errors(failures)
        return moves

    @api.model
    def _group_by_index(self, next_index):
        groups = defaultdict(lambda: self.env["recurring.subscription"])
        for sub, index in next_index.items():
            groups[index] |= sub
        return groups

    @api.model
    def _create_and_post(self, jobs, failures, next_index):
        """All jobs in one create and one post; on failure, one savepoint per job.
        Returns the invoices made."""
        maker = self.env["recurring.invoice.maker"]
        try:
            with self.env.cr.savepoint():
                moves = maker._create_period_invoices(jobs)
                maker._apply_invoice_policy(moves)
            return moves
        except Exception:  # noqa: BLE001 - retried one by one to find the culprit
            _logger.info("Invoice batch failed, retrying its subscriptions one by one")
        made = self.env["account.move"]
        for job in jobs:
            sub = job[0]
            for attempt in range(1, NUMBER_ATTEMPTS + 1):
                try:
                    with self.env.cr.savepoint():
                        moves = maker._create_period_invoices([job])
                        maker._apply_invoice_policy(moves)
                    made |= moves
                    break
                except pg_errors.UniqueViolation as error:
                    if error.diag.constraint_name == LEDGER_CONSTRAINT:
                        # Another worker billed it meanwhile; it moves the index
                        # itself.
                        next_index.pop(sub, None)
                        break
                    if attempt < NUMBER_ATTEMPTS:
                        # Another worker posting in the same journal committed the
                        # invoice number first: made again, the invoice takes the
                        # next one instead of waiting for another run.
                        continue
                    failures[sub] = error
                    next_index.pop(sub, None)
                except Exception as error:  # noqa: BLE001 - stored on the subscription
                    failures[sub] = error
                    next_index.pop(sub, None)
                    break
        return made

    @api.model
    def _record_invoice_errors(self, failures):
        for sub, error in failures.items():
            if isinstance(error, UserError):
                message = error.args[0]
                _logger.warning("Subscription %s not invoiced: %s", sub.name, message)
            else:
                message = self.env._(
                    "Unexpected error (%(type)s): %(error)s",
                    type=type(error).__name__,
                    error=error,
                )
                _logger.warning(
                    "Subscription %s not invoiced", sub.name, exc_info=error
                )
            first_failure = not sub.invoice_error
            sub.invoice_error = message
            if first_failure:
                sub.activity_schedule(
                    "mail.mail_activity_data_warning",
                    summary=self.env._("Recurring invoice not created"),
                    note=message,
                    user_id=(sub.user_id or self.env.user).id,
                )
