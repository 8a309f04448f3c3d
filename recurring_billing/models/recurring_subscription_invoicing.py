"""Running the invoicing: "Invoice now" and the scheduled action, in batches."""

import logging
import threading
from collections import defaultdict

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, config

_logger = logging.getLogger(__name__)

BATCH_SIZE = 500


class RecurringSubscription(models.Model):
    _inherit = "recurring.subscription"

    def action_invoice_now(self):
        """Invoice the due periods now; if none is due yet, the next period, dated today."""
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
            billed = sub.period_ids.filtered(
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

    def action_view_periods(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "recurring_billing.recurring_period_action"
        )
        action["domain"] = [("subscription_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    # -- Scheduled action -------------------------------------------------------------

    @api.model
    def _cron_generate_invoices(self, batch_size=BATCH_SIZE):
        """Daily: invoice every due period, oldest first, company by company."""
        testing = (
            config["test_enable"]
            or self.env.registry.in_test_mode()
            or getattr(threading.current_thread(), "testing", False)
        )
        return self._generate_recurring_invoices(
            batch_size=batch_size, commit=not testing
        )

    @api.model
    def _generate_recurring_invoices(
        self, today=None, batch_size=BATCH_SIZE, commit=False, domain=None
    ):
        """Invoice the due periods of all companies; returns the subscriptions handled.

        Each batch locks its subscriptions (``SKIP LOCKED``: another worker takes the
        next ones), is invoiced, and with ``commit`` committed, so a run killed half-way
        loses only its current batch, which the next run does again. ``domain``
        restricts the run to some subscriptions.
        """
        today = today or fields.Date.context_today(self)
        due_domain = [("state", "=", "active"), ("date_next_invoice", "<=", today)]
        per_company = self._read_group(
            due_domain + (domain or []), ["company_id"], ["__count"]
        )
        only_ids = self.search(domain).ids if domain else None
        remaining = sum(count for _company, count in per_company)
        handled = []
        for company, _count in per_company:
            subs = self.with_company(company)
            while True:
                batch = subs._lock_due_batch(
                    today, company, handled, batch_size, commit, only_ids
                )
                if not batch:
                    break
                handled += batch.ids
                batch._invoice_due_batch(today)
                remaining = max(remaining - len(batch), 0)
                self.env["ir.cron"]._notify_progress(
                    done=len(handled), remaining=remaining
                )
                if commit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                else:
                    self.env.flush_all()
                # Keeps memory flat however many batches the run has.
                self.env.invalidate_all()
        return len(handled)

    @api.model
    def _lock_due_batch(
        self, today, company, exclude_ids, batch_size, commit, only_ids=None
    ):
        """Lock and return the next due subscriptions nobody else is invoicing."""
        self.flush_model(["state", "date_next_invoice", "company_id"])
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
            return self.browse(row[0] for row in self.env.cr.fetchall())

    def _invoice_due_batch(self, today):
        """Invoice the due periods of these locked subscriptions; one bad one is skipped."""
        failures = {}
        next_index = {}
        jobs = []
        journals = {}
        due = {sub: sub._due_periods(today) for sub in self}
        billed = {
            (record.subscription_id.id, record.date_start)
            for record in self.env["recurring.period"].search(
                [
                    ("subscription_id", "in", self.ids),
                    ("date_start", "in", [p.start for ps in due.values() for p in ps]),
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
                    journals[key] = sub._invoice_journal()
                journal = journals[key]
                vals_list = [
                    sub._prepare_invoice_vals(p, sub._billing_date(p), journal)
                    for p in todo
                ]
            except pg_errors.Error:
                raise
            except Exception as error:  # noqa: BLE001 - stored on the subscription
                failures[sub] = error
                del next_index[sub]
                continue
            jobs.append((sub, todo, vals_list))
        self._create_and_post(jobs, failures, next_index)
        for index, subs in self._group_by_index(next_index).items():
            subs.write({"next_period_index": index})
        succeeded = self.browse(sub.id for sub in next_index)
        succeeded.filtered("invoice_error").write({"invoice_error": False})
        self._record_invoice_errors(failures)

    @api.model
    def _group_by_index(self, next_index):
        groups = defaultdict(lambda: self.browse())
        for sub, index in next_index.items():
            groups[index] |= sub
        return groups

    @api.model
    def _create_and_post(self, jobs, failures, next_index):
        """All jobs in one create and one post; on failure, one savepoint per job."""
        try:
            with self.env.cr.savepoint():
                moves = self._create_period_invoices(jobs)
                self._apply_invoice_policy(moves)
            return
        except Exception:  # noqa: BLE001 - retried one by one to find the culprit
            _logger.info("Invoice batch failed, retrying its subscriptions one by one")
        for job in jobs:
            sub = job[0]
            try:
                with self.env.cr.savepoint():
                    moves = self._create_period_invoices([job])
                    self._apply_invoice_policy(moves)
            except pg_errors.UniqueViolation:
                # Another worker billed it meanwhile; it moves the index itself.
                next_index.pop(sub, None)
            except Exception as error:  # noqa: BLE001 - stored on the subscription
                failures[sub] = error
                next_index.pop(sub, None)

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
