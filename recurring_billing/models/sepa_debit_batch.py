from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from ..engine.sepa_calendar import (
    earliest_collection_date,
    planned_collection_date,
    submission_deadline,
)
from ..engine.sepa_file import FILE_VERSION_SELECTION
from ..engine.sepa_text import end_to_end_id
from .sepa_debit_batch_line import refuse_state_write, sepa_step
from .tools import check_state


class SepaDebitBatch(models.Model):
    """The debits of one pain.008 file, from the invoices it collects to the bank:
    the file and the pre-notifications, sending, the states. Matching the bank
    statement is in sepa_debit_batch_reconcile.py."""

    _name = "sepa.debit.batch"
    _description = "SEPA Direct Debit Batch"
    _inherit = ["mail.thread", "mail.activity.mixin", "recurring.value.check.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        "Reference", required=True, readonly=True, copy=False, default="/", index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    journal_id = fields.Many2one(
        "account.journal",
        "Collection Journal",
        required=True,
        check_company=True,
        domain="[('type', '=', 'bank')]",
        compute="_compute_journal_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.ref("base.EUR"), readonly=True
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("generated", "File Generated"),
            ("sent", "Sent"),
            ("reconciled", "Reconciled"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="draft",
        copy=False,
        tracking=True,
        index=True,
    )
    date_due_from = fields.Date("Due From", help="Leave empty to include overdue.")
    date_due_to = fields.Date(
        "Due Until",
        required=True,
        default=lambda self: fields.Date.context_today(self),
        help="Invoices due until this date are collected.",
    )
    date_collection = fields.Date(
        "Requested Collection Date",
        tracking=True,
        help="Collect no earlier than this date; empty: each invoice on its due "
        "date, once the pre-notification period has passed.",
    )
    file_version = fields.Selection(
        FILE_VERSION_SELECTION,
        required=True,
        compute="_compute_file_settings",
        store=True,
        readonly=False,
        precompute=True,
    )
    batch_booking = fields.Boolean(
        compute="_compute_file_settings", store=True, readonly=False, precompute=True
    )
    line_ids = fields.One2many("sepa.debit.batch.line", "batch_id", "Debits")
    line_count = fields.Integer("Debit Count", compute="_compute_totals", store=True)
    amount_total = fields.Monetary(
        "Total", compute="_compute_totals", store=True, currency_field="currency_id"
    )
    attachment_id = fields.Many2one("ir.attachment", "File", readonly=True, copy=False)
    file_name = fields.Char(related="attachment_id.name")
    date_sent = fields.Date("Sent On", readonly=True, copy=False)
    reconcile_mode = fields.Selection(related="company_id.sepa_reconcile_mode")
    statement_line_id = fields.Many2one(
        "account.bank.statement.line",
        "Bank Statement Line",
        readonly=True,
        copy=False,
        check_company=True,
        help="The credit of the bank for all the debits of the file, when it booked "
        "them on one line.",
    )
    has_return_to_match = fields.Boolean(
        "Return to Match", compute="_compute_has_return_to_match"
    )

    _sql_constraints = [
        (
            "name_company_unique",
            "UNIQUE(name, company_id)",
            "Another SEPA batch of this company has this reference.",
        ),
        (
            "due_window",
            "CHECK(date_due_from IS NULL OR date_due_from <= date_due_to)",
            "The due window of a SEPA batch cannot end before it starts.",
        ),
    ]

    @api.depends("company_id")
    def _compute_journal_id(self):
        for batch in self:
            if batch.company_id.sepa_journal_id:
                batch.journal_id = batch.company_id.sepa_journal_id

    @api.depends("company_id")
    def _compute_file_settings(self):
        for batch in self:
            batch.file_version = batch.company_id.sepa_file_version
            batch.batch_booking = batch.company_id.sepa_batch_booking

    @api.depends("line_ids.amount", "line_ids.state")
    def _compute_totals(self):
        for batch in self:
            lines = batch.line_ids.filtered(lambda line: line.state != "cancelled")
            batch.line_count = len(lines)
            batch.amount_total = sum(lines.mapped("amount"))

    @api.constrains("date_collection")
    def _check_date_collection(self):
        today = fields.Date.context_today(self)
        for batch in self.filtered("date_collection"):
            if batch.state not in ("draft", "generated"):
                continue
            earliest = batch._earliest_collection_date()
            if batch.date_collection < today:
                raise ValidationError(
                    self.env._(
                        "The requested collection date %(date)s of %(batch)s is in the "
                        "past: choose a date from %(earliest)s on, or leave it empty.",
                        date=batch.date_collection,
                        batch=batch.name,
                        earliest=earliest,
                    )
                )
            if batch.date_collection < earliest:
                raise ValidationError(
                    self.env._(
                        "The requested collection date %(date)s of %(batch)s is too "
                        "close: customers must be notified %(days)s days before, and "
                        "the bank needs the file the business day before. Choose a "
                        "date from %(earliest)s on, or leave it empty.",
                        date=batch.date_collection,
                        batch=batch.name,
                        days=batch.company_id.sepa_prenotification_days,
                        earliest=earliest,
                    )
                )

    def _earliest_collection_date(self):
        self.ensure_one()
        return earliest_collection_date(
            fields.Date.context_today(self), self.company_id.sepa_prenotification_days
        )

    @api.model_create_multi
    def create(self, vals_list):
        # Refused on the batch itself, before a reference is taken.
        self.check_access("create")
        refuse_state_write(self, vals_list, new=True)
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(vals.get("company_id"))
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(company or self.env.company)
                    .next_by_code("sepa.debit.batch")
                )
        return super().create(vals_list)

    def write(self, vals):
        refuse_state_write(self, [vals], new=False)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(batch.state not in ("draft", "cancelled") for batch in self):
            raise UserError(
                self.env._(
                    "Only draft or cancelled SEPA batches can be deleted: a generated "
                    "file may have reached the bank."
                )
            )

    # -- Picking the invoices --------------------------------------------------------

    def action_select_invoices(self):
        """Add the open invoices due in the window whose customer has a valid mandate."""
        check_state(self, ("draft",), self.env._("changed"))
        vals_list = []
        for batch in self:
            domain = [
                *self.env["account.move"]._sepa_eligible_domain(batch.company_id),
                ("invoice_date_due", "<=", batch.date_due_to),
                ("id", "not in", batch.line_ids.invoice_id.ids),
            ]
            if batch.date_due_from:
                domain.append(("invoice_date_due", ">=", batch.date_due_from))
            invoices = (
                self.env["account.move"]
                .search(domain, order="invoice_date_due, id")
                ._sepa_settled()
            )
            invoices = self.env["sepa.mandate"]._skip_used_up(invoices, vals_list)
            if not invoices:
                raise UserError(
                    self.env._(
                        "No invoice to collect in %(batch)s: no posted, unpaid EUR "
                        "invoice of a customer with a valid mandate is due until "
                        "%(date)s. Widen the due window or validate the mandates.",
                        batch=batch.name,
                        date=batch.date_due_to,
                    )
                )
            vals_list += [batch._prepare_line_vals(invoice) for invoice in invoices]
        self.env["sepa.debit.batch.line"].create(vals_list)
        self._update_lines()
        return True

    def _prepare_line_vals(self, invoice):
        self.ensure_one()
        attempt = len(invoice.sepa_line_ids.filtered(lambda li: li.state == "returned"))
        return {
            "batch_id": self.id,
            "invoice_id": invoice.id,
            "mandate_id": invoice._sepa_mandate().id,
            "amount": invoice.amount_residual,
            "end_to_end_id": end_to_end_id(invoice.name, attempt),
        }

    def _update_lines(self):
        """Set the sequence type and the collection date of the lines to send."""
        today = fields.Date.context_today(self)
        to_write = defaultdict(lambda: self.env["sepa.debit.batch.line"])
        for batch in self:
            days = batch.company_id.sepa_prenotification_days
            for line in batch.line_ids.filtered(lambda li: li.state == "draft"):
                invoice = line.invoice_id
                day = planned_collection_date(
                    [
                        invoice.invoice_date_due,
                        batch.date_collection,
                        invoice.sepa_date_retry,
                    ],
                    today,
                    days,
                    announced=invoice.sepa_date_collection_planned,
                )
                to_write[day, line.mandate_id._sequence_type().lower()] |= line
        for (day, sequence_type), lines in to_write.items():
            lines.write({"date_collection": day, "sequence_type": sequence_type})

    def action_draft(self):
        check_state(self, ("generated",), self.env._("reset to draft"))
        self.attachment_id.unlink()
        with sepa_step():
            self.state = "draft"
        return True

    def action_cancel(self):
        check_state(self, ("draft", "generated"), self.env._("cancelled"))
        with sepa_step():
            self.line_ids.state = "cancelled"
            self.state = "cancelled"
        return True

    def _add_lines(self, invoices):
        """Add the chosen ``invoices`` to the draft batch; they are checked like the
        invoices picked by the due window."""
        self.ensure_one()
        check_state(self, ("draft",), self.env._("changed"))
        self.line_ids = [
            Command.create(self._prepare_line_vals(invoice))
            for invoice in invoices._sepa_settled()
        ]
        self._update_lines()

    # -- Sending --------------------------------------------------------------------

    def action_confirm_sent(self):
        """The file reached the bank: record a payment per debit and move the
        mandates to recurring collections. The payments are reconciled with their
        invoices now, or when the bank statement is matched if the company says so."""
        check_state(self, ("generated",), self.env._("confirmed as sent"))
        for batch in self:
            lines = batch.line_ids.filtered(lambda li: li.state == "draft")
            lines._check_collectable(in_file=True)
            batch._check_submission_deadline(lines)
            method_line = batch.journal_id._sepa_payment_method_line()
            payments = self.env["account.payment"].create(
                [line._prepare_payment_vals(method_line) for line in lines]
            )
            payments.action_post()
            for line, payment in zip(lines, payments, strict=True):
                line.payment_id = payment
            lines._keep_reported_amendment()
            for mandate, debits in lines.grouped("mandate_id").items():
                mandate._register_collection(
                    max(debits.mapped("date_collection")),
                    last="fnal" in debits.mapped("sequence_type"),
                )
            with sepa_step():
                lines.state = "sent"
                batch.write(
                    {"state": "sent", "date_sent": fields.Date.context_today(batch)}
                )
        return True

    def _check_submission_deadline(self, lines):
        """Raise if the bank gets the file of ``lines`` too late: after D-1, the
        business day before a collection date."""
        today = fields.Date.context_today(self)
        late = lines.filtered(
            lambda li: submission_deadline(li.date_collection) < today
        )
        if late:
            line = late[0]
            raise UserError(
                self.env._(
                    "The bank needed the file of %(batch)s by %(deadline)s, the "
                    "business day before the collection date %(date)s of %(debit)s: "
                    "it would refuse the file now. Reset the batch to draft and "
                    "generate the file again; the collection dates move to the "
                    "earliest possible day and the customers are told the new date.",
                    batch=self.name,
                    deadline=format_date(
                        self.env, submission_deadline(line.date_collection)
                    ),
                    date=format_date(self.env, line.date_collection),
                    debit=line.end_to_end_id,
                )
            )

    def action_view_payments(self):
        self.ensure_one()
        return self.line_ids.payment_id._get_records_action(
            name=self.env._("Payments"), context={"create": False}
        )
