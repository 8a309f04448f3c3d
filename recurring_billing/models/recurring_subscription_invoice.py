"""Recurring invoicing: the due periods of subscriptions become invoices.

The period math comes from ``engine.periods`` and the proration from
``engine.proration``; this layer only turns their periods into ``account.move`` values,
records each billed period in the ledger (``recurring.period``) and runs the scheduled
action in batches.
"""

import logging
import threading
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from markupsafe import Markup
from psycopg2 import errors as pg_errors

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, config, format_amount, format_date

from ..engine.periods import billing_date, due_periods, period_index_at
from ..engine.proration import upgrade_adjustment

_logger = logging.getLogger(__name__)

BATCH_SIZE = 500
LINE_DATE_FORMAT = "d MMM y"


class RecurringSubscription(models.Model):
    _inherit = "recurring.subscription"

    period_ids = fields.One2many(
        "recurring.period", "subscription_id", "Billed Periods", readonly=True
    )
    period_count = fields.Integer(compute="_compute_period_count")
    invoice_error = fields.Text(
        "Invoicing Error",
        readonly=True,
        copy=False,
        help="Why the last scheduled invoicing of this subscription failed; it is "
        "retried on the next run and cleared once invoiced.",
    )
    preview_date_start = fields.Date(
        "Next Period Start", compute="_compute_invoice_preview"
    )
    preview_date_end = fields.Date(
        "Next Period End", compute="_compute_invoice_preview"
    )
    preview_date_invoice = fields.Date(
        "Next Billing Date", compute="_compute_invoice_preview"
    )
    preview_html = fields.Html(
        "Next Invoice Preview", compute="_compute_invoice_preview", sanitize=False
    )

    def _compute_period_count(self):
        counts = dict(
            self.env["recurring.period"]._read_group(
                [("subscription_id", "in", self.ids)], ["subscription_id"], ["__count"]
            )
        )
        for sub in self:
            sub.period_count = counts.get(sub, 0)

    @api.depends(
        "state",
        "date_anchor",
        "next_period_index",
        "date_end",
        "plan_id",
        "partner_invoice_id",
        "line_ids.name",
        "line_ids.quantity",
        "line_ids.price_unit",
        "line_ids.discount",
        "line_ids.price_subtotal",
        "line_ids.tax_ids",
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
            sub.preview_html = sub._preview_table(period)

    def _preview_table(self, period):
        self.ensure_one()
        lang = self._invoice_lang()
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
                self.line_ids, self._invoice_line_vals(period, lang), strict=True
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

    # -- Periods ---------------------------------------------------------------------

    def _billing_date(self, period):
        return billing_date(period, self.plan_id.billing_mode == "advance")

    def _last_period_index(self):
        """Index of the last period to bill: the one holding the end date, if any."""
        self.ensure_one()
        if not self.date_end:
            return None
        if self.date_end < self.date_anchor:
            return -1
        plan = self.plan_id
        return period_index_at(
            self.date_anchor, plan.interval_unit, plan.interval_count, self.date_end
        )

    def _next_period(self):
        """The next period to invoice, or None when there is none (not active, ended)."""
        self.ensure_one()
        if self.state != "active" or not self.date_anchor:
            return None
        last = self._last_period_index()
        if last is not None and self.next_period_index > last:
            return None
        return self._period(self.next_period_index)

    def _due_periods(self, today):
        """The periods not invoiced yet whose billing date has come, oldest first."""
        self.ensure_one()
        if self.state != "active" or not self.date_anchor:
            return []
        plan = self.plan_id
        return due_periods(
            self.date_anchor,
            plan.interval_unit,
            plan.interval_count,
            self.next_period_index,
            today,
            plan.billing_mode == "advance",
            last_index=self._last_period_index(),
        )

    # -- Invoice values --------------------------------------------------------------

    def _invoice_journal(self):
        self.ensure_one()
        return self.plan_id.journal_id or self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(self.company_id),
                ("type", "=", "sale"),
            ],
            limit=1,
        )

    def _invoice_lang(self):
        return self.partner_invoice_id.lang or self.env.lang or "en_US"

    def _invoice_line_name(self, name, date_start, date_end, lang, unused=False):
        """Line description carrying the period: "Pro — 1 Mar 2026 to 31 Mar 2026"."""
        env = self.with_context(lang=lang).env
        values = {
            "name": name,
            "start": format_date(env, date_start, lang, LINE_DATE_FORMAT),
            "end": format_date(env, date_end, lang, LINE_DATE_FORMAT),
        }
        if unused:
            return env._("%(name)s, unused — %(start)s to %(end)s", **values)
        return env._("%(name)s — %(start)s to %(end)s", **values)

    def _invoice_line_vals(self, period, lang):
        self.ensure_one()
        return [
            {
                "product_id": line.product_id.id,
                "name": self._invoice_line_name(
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

    def _check_invoiceable(self, journal):
        """Raise a readable error for anything that would stop this invoice."""
        self.ensure_one()
        self._check_billable()
        company = self.company_id
        if not journal:
            raise UserError(
                self.env._(
                    "%(company)s has no sales journal: create one, or set a journal "
                    "on plan %(plan)s.",
                    company=company.name,
                    plan=self.plan_id.display_name,
                )
            )
        partner = self.partner_invoice_id
        if not (partner.street or partner.city):
            raise UserError(
                self.env._(
                    "The invoice address %(partner)s of %(subscription)s has no "
                    "address: fill in its street and city.",
                    partner=partner.display_name,
                    subscription=self.name,
                )
            )
        for line in self.line_ids:
            product = line.product_id
            if not product.active:
                raise UserError(
                    self.env._(
                        "%(subscription)s bills the archived product %(product)s: "
                        "restore the product or replace the line.",
                        subscription=self.name,
                        product=product.display_name,
                    )
                )
            foreign = line.tax_ids.filtered(
                lambda tax: tax.company_id not in company.parent_ids
            )
            if foreign:
                raise UserError(
                    self.env._(
                        "%(subscription)s applies the tax %(tax)s of another company "
                        "than %(company)s: pick a tax of %(company)s on the line "
                        "%(line)s.",
                        subscription=self.name,
                        tax=foreign[0].display_name,
                        company=company.name,
                        line=line.name,
                    )
                )
            account = (
                product.product_tmpl_id.with_company(company).get_product_accounts(
                    fiscal_pos=self.fiscal_position_id
                )["income"]
                or journal.default_account_id
            )
            if not account or account.deprecated or company not in account.company_ids:
                raise UserError(
                    self.env._(
                        "%(product)s has no usable income account in %(company)s: set "
                        "an active income account of the company on the product or its "
                        "category.",
                        product=product.display_name,
                        company=company.name,
                    )
                )

    def _prepare_invoice_vals(self, period, invoice_date, journal):
        """Values of the invoice of ``period``, without its ledger link yet."""
        self.ensure_one()
        self._check_invoiceable(journal)
        partner = self.partner_invoice_id
        lang = self._invoice_lang()
        return {
            "move_type": "out_invoice",
            "company_id": self.company_id.id,
            "journal_id": journal.id,
            "partner_id": partner.id,
            "invoice_date": invoice_date,
            "currency_id": self.currency_id.id,
            "fiscal_position_id": self.fiscal_position_id.id,
            "invoice_payment_term_id": partner.with_company(
                self.company_id
            ).property_payment_term_id.id,
            "invoice_origin": self.name,
            "invoice_user_id": self.user_id.id,
            "subscription_id": self.id,
            "recurring_kind": "period",
            "invoice_line_ids": [
                Command.create(vals) for vals in self._invoice_line_vals(period, lang)
            ],
        }

    @api.model
    def _link_period(self, vals, period_record):
        vals["recurring_period_id"] = period_record.id
        for command in vals["invoice_line_ids"]:
            command[2]["recurring_period_id"] = period_record.id
        return vals

    @api.model
    def _create_period_invoices(self, jobs):
        """Record the periods of ``jobs`` in the ledger and create their invoices.

        ``jobs`` is a list of ``(subscription, periods, vals_list)``; one ``create``
        for the ledger rows and one for the invoices of all of them.
        """
        pairs = [
            (sub, period, vals)
            for sub, periods, vals_list in jobs
            for period, vals in zip(periods, vals_list, strict=True)
        ]
        records = self.env["recurring.period"].create(
            [
                {
                    "subscription_id": sub.id,
                    "period_index": period.index,
                    "date_start": period.start,
                    "date_end": period.end,
                    "date_invoice": sub._billing_date(period),
                }
                for sub, period, _vals in pairs
            ]
        )
        return self.env["account.move"].create(
            [
                self._link_period(vals, record)
                for (_sub, _period, vals), record in zip(pairs, records, strict=True)
            ]
        )

    @api.model
    def _apply_invoice_policy(self, moves):
        """Leave in draft, post, or post and queue for sending, as each plan says."""
        policy = {move: move.subscription_id.plan_id.invoice_policy for move in moves}
        to_post = moves.filtered(lambda move: policy[move] in ("post", "send"))
        to_post.action_post()
        to_send = moves.filtered(lambda move: policy[move] == "send")
        if to_send:
            # Odoo's own sending job mails them in batches with the standard invoice
            # template and attachment.
            to_send.sending_data = {
                "author_user_id": self.env.user.id,
                "author_partner_id": self.env.user.partner_id.id,
            }
            self.env.ref("account.ir_cron_account_move_send")._trigger()

    def _invoice_periods(self, periods, period_record=None, invoice_date=None):
        """Invoice ``periods`` of this subscription now, raising on any problem.

        ``period_record`` is the ledger row when its period is billed again.
        """
        self.ensure_one()
        journal = self._invoice_journal()
        vals_list = [
            self._prepare_invoice_vals(
                period, invoice_date or self._billing_date(period), journal
            )
            for period in periods
        ]
        if period_record:
            moves = self.env["account.move"].create(
                [self._link_period(vals_list[0], period_record)]
            )
        else:
            moves = self._create_period_invoices([(self, periods, vals_list)])
        self._apply_invoice_policy(moves)
        return moves

    # -- Manual invoicing -------------------------------------------------------------

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
            try:
                with self.env.cr.savepoint():
                    key = (sub.plan_id, sub.company_id)
                    if key not in journals:
                        journals[key] = sub._invoice_journal()
                    journal = journals[key]
                    vals_list = [
                        sub._prepare_invoice_vals(p, sub._billing_date(p), journal)
                        for p in todo
                    ]
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

    # -- Mid-period changes -----------------------------------------------------------

    def _billed_current_period(self, day):
        """The period holding ``day`` if it is billed in advance and already invoiced."""
        self.ensure_one()
        plan = self.plan_id
        if (
            self.state != "active"
            or plan.billing_mode != "advance"
            or not self.date_anchor
            or day < self.date_anchor
        ):
            return None
        index = period_index_at(
            self.date_anchor, plan.interval_unit, plan.interval_count, day
        )
        if index >= self.next_period_index:
            return None
        return self._period(index)

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

    def _invoice_proration(self, old_lines, new_lines, period, day):
        """Invoice a change effective on ``day`` in the already billed ``period``.

        Old lines are credited and new ones charged for the days left; a negative net
        gives a credit note. Returns the invoice or credit note (none if all is zero).
        """
        self.ensure_one()
        sources = {("old", i): line for i, line in enumerate(old_lines)}
        sources.update({("new", i): line for i, line in enumerate(new_lines)})
        adjustments = upgrade_adjustment(
            [
                (key, line["subtotal"])
                for key, line in sources.items()
                if key[0] == "old"
            ],
            [
                (key, line["subtotal"])
                for key, line in sources.items()
                if key[0] == "new"
            ],
            period,
            day,
            precision=Decimal(str(self.currency_id.rounding)),
        )
        if not adjustments:
            return self.env["account.move"]
        refund = sum(adjustment.amount for adjustment in adjustments) < 0
        period_record = self.period_ids.filtered(
            lambda record: record.date_start == period.start
        )[:1]
        lang = self._invoice_lang()
        lines = []
        for adjustment in adjustments:
            source = sources[adjustment.key]
            amount = -adjustment.amount if refund else adjustment.amount
            lines.append(
                Command.create(
                    {
                        "product_id": source["product_id"],
                        "name": self._invoice_line_name(
                            source["name"],
                            day,
                            period.end,
                            lang,
                            unused=adjustment.kind == "credit",
                        ),
                        "quantity": 1.0,
                        "price_unit": float(amount),
                        "tax_ids": [Command.set(source["tax_ids"])],
                        "subscription_id": self.id,
                        "recurring_period_id": period_record.id,
                    }
                )
            )
        partner = self.partner_invoice_id
        move = self.env["account.move"].create(
            {
                "move_type": "out_refund" if refund else "out_invoice",
                "company_id": self.company_id.id,
                "journal_id": self._invoice_journal().id,
                "partner_id": partner.id,
                "invoice_date": fields.Date.context_today(self),
                "currency_id": self.currency_id.id,
                "fiscal_position_id": self.fiscal_position_id.id,
                "invoice_payment_term_id": partner.with_company(
                    self.company_id
                ).property_payment_term_id.id,
                "invoice_origin": self.name,
                "invoice_user_id": self.user_id.id,
                "subscription_id": self.id,
                "recurring_period_id": period_record.id,
                "recurring_kind": "adjustment",
                "invoice_line_ids": lines,
            }
        )
        self._apply_invoice_policy(move)
        return move

    def _credit_unused_days(self, old_lines, period, day_end):
        """Credit note for the days of ``period`` after the last day of service."""
        self.ensure_one()
        if day_end >= period.end:
            return self.env["account.move"]
        return self._invoice_proration(
            old_lines, [], period, day_end + timedelta(days=1)
        )
