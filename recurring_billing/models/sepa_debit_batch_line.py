from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_amount

from ..engine.sepa_ids import AMOUNT_MAX
from ..engine.sepa_returns import REASON_CODE_SELECTION, RETURN_TYPES
from ..engine.sepa_text import E2E_ID_MAX, check_identifier

# The debits that hold their invoice and their mandate: waiting to be sent, sent and
# waiting for their settlement date, or collected.
PENDING_STATES = ("draft", "sent", "collected")
CRON_BATCH_SIZE = 500
# True inside the own methods of the batches and their debits: unlike a context key, a
# caller of the external API cannot set it, so only those methods move a state.
IN_SEPA_STEP = ContextVar("sepa_in_step", default=False)


@contextmanager
def sepa_step():
    """Let the block write the state of batches and debits: for their own methods,
    which checked that the move is allowed."""
    token = IN_SEPA_STEP.set(True)
    try:
        yield
    finally:
        IN_SEPA_STEP.reset(token)


def refuse_state_write(model, vals_list, new):
    """Raise if ``vals_list`` sets the state of ``model`` records outside their own
    methods: a ``new`` record starts as a draft, an existing one never takes a state
    that its file, its sending and the bank's answers did not give it."""
    if IN_SEPA_STEP.get():
        return
    for vals in vals_list:
        if (vals.get("state", "draft") != "draft") if new else "state" in vals:
            raise UserError(
                model.env._(
                    "The state of a %(model)s follows its life: a new one is a draft, "
                    "and the buttons of the batch (Generate, Confirm Sent, Cancel, "
                    "Back to Draft) and the bank's answers move it. Leave the state "
                    "out and use them.",
                    model=model._description,
                )
            )


class SepaDebitBatchLine(models.Model):
    _name = "sepa.debit.batch.line"
    _inherit = ["recurring.value.check.mixin"]
    _description = "SEPA Direct Debit"
    _order = "batch_id desc, date_collection, id"
    _rec_name = "end_to_end_id"
    _check_company_auto = True

    batch_id = fields.Many2one(
        "sepa.debit.batch",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one(related="batch_id.company_id", store=True, index=True)
    invoice_id = fields.Many2one(
        "account.move",
        required=True,
        ondelete="restrict",
        index=True,
        check_company=True,
    )
    partner_id = fields.Many2one(
        related="invoice_id.commercial_partner_id", string="Customer", store=True
    )
    mandate_id = fields.Many2one(
        "sepa.mandate", required=True, ondelete="restrict", index=True
    )
    mandate_type = fields.Selection(related="mandate_id.mandate_type", store=True)
    currency_id = fields.Many2one(related="invoice_id.currency_id", store=True)
    amount = fields.Monetary(currency_field="currency_id", required=True)
    end_to_end_id = fields.Char("End-to-End Id", required=True, readonly=True)
    sequence_type = fields.Selection(
        [("frst", "FRST"), ("rcur", "RCUR"), ("fnal", "FNAL"), ("ooff", "OOFF")]
    )
    date_collection = fields.Date("Collection Date")
    state = fields.Selection(
        [
            ("draft", "To Send"),
            ("sent", "Sent"),
            ("collected", "Collected"),
            ("returned", "Payment Returned"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="draft",
        copy=False,
        index=True,
        help="Sent: the file went to the bank, the debit waits for its collection "
        "date. Collected: the collection date has come. Payment Returned: the bank "
        "rejected the debit before its collection date, or returned it after.",
    )
    payment_id = fields.Many2one(
        "account.payment", readonly=True, copy=False, check_company=True
    )
    statement_line_id = fields.Many2one(
        "account.bank.statement.line",
        "Bank Statement Line",
        readonly=True,
        copy=False,
        check_company=True,
        help="The bank's credit for this debit: of the debit alone without batch "
        "booking, of its payment block or of the whole file with it.",
    )
    return_statement_line_id = fields.Many2one(
        "account.bank.statement.line",
        "Bank Statement Line of the Return",
        readonly=True,
        copy=False,
        check_company=True,
        help="The bank's debit of this returned debit and of its fee.",
    )
    return_type = fields.Selection(list(RETURN_TYPES), readonly=True, copy=False)
    return_reason_code = fields.Selection(
        REASON_CODE_SELECTION,
        "Return Reason",
        readonly=True,
        copy=False,
    )
    # The amendment the debit reported, given back to the mandate if it is rejected.
    amendment_previous_umr = fields.Char(
        "Reported Previous Reference", readonly=True, copy=False
    )
    amendment_previous_iban = fields.Char(
        "Reported Previous IBAN", readonly=True, copy=False
    )
    amendment_previous_creditor_identifier = fields.Char(
        "Reported Previous Creditor Identifier", readonly=True, copy=False
    )
    amendment_smnda = fields.Boolean(
        "Reported Change of Bank", readonly=True, copy=False
    )
    date_return = fields.Date("Return Date", readonly=True, copy=False)
    return_fee = fields.Monetary(
        "Bank Fees", currency_field="currency_id", readonly=True, copy=False
    )
    return_move_id = fields.Many2one(
        "account.move", "Reversal Entry", readonly=True, copy=False
    )
    fee_move_id = fields.Many2one(
        "account.move", "Bank Fee Entry", readonly=True, copy=False
    )

    _sql_constraints = [
        (
            "amount_positive",
            "CHECK(amount > 0)",
            "A SEPA Direct Debit collects an amount above zero.",
        ),
        (
            "amount_sepa_maximum",
            f"CHECK(amount <= {AMOUNT_MAX})",
            "A SEPA Direct Debit collects at most 999,999,999.99.",
        ),
    ]

    def init(self):
        # An invoice is in at most one debit waiting or collected at a time, and an
        # end-to-end id identifies one debit of the creditor (retries get a suffix).
        self.env.cr.execute(
            SQL("DROP INDEX IF EXISTS sepa_debit_batch_line_invoice_open")
        )
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS "
                "sepa_debit_batch_line_invoice_pending "
                "ON sepa_debit_batch_line (invoice_id) "
                "WHERE state IN ('draft', 'sent', 'collected')"
            )
        )
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS sepa_debit_batch_line_e2e_unique "
                "ON sepa_debit_batch_line (company_id, end_to_end_id) "
                "WHERE state != 'cancelled'"
            )
        )
        # A one-off mandate is collected once: one debit waiting or collected on it;
        # and a recurrent mandate has one last collection.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS sepa_debit_batch_line_oneoff_once "
                "ON sepa_debit_batch_line (mandate_id) "
                "WHERE mandate_type = 'oneoff' AND state IN ('draft', 'sent', 'collected')"
            )
        )
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS sepa_debit_batch_line_fnal_once "
                "ON sepa_debit_batch_line (mandate_id) "
                "WHERE sequence_type = 'fnal' AND state IN ('draft', 'sent', 'collected')"
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        refuse_state_write(self, vals_list, new=True)
        # Checked before the insert, which the database would refuse with a less
        # helpful message.
        for vals in vals_list:
            if "amount" in vals:
                invoice = self.env["account.move"].browse(vals.get("invoice_id"))
                self._check_debit_amount(vals["amount"], invoice)
            if not vals.get("mandate_id") and vals.get("invoice_id"):
                invoice = self.env["account.move"].browse(vals["invoice_id"])
                invoice._sepa_refuse_without_mandate()
        self._check_not_in_other_batch(vals_list)
        self.env["sepa.mandate"]._check_one_collection_left(vals_list)
        return super().create(vals_list)

    def _check_not_in_other_batch(self, vals_list):
        """One waiting or collected debit per invoice (the unique index says it too)."""
        invoice_ids = [
            vals["invoice_id"] for vals in vals_list if vals.get("invoice_id")
        ]
        taken = self.search(
            [("invoice_id", "in", invoice_ids), ("state", "in", PENDING_STATES)],
            limit=1,
        )
        if taken:
            raise ValidationError(
                self.env._(
                    "Invoice %(invoice)s is already in debit batch %(batch)s: remove it "
                    "from that batch first, or wait for its collection or return.",
                    invoice=taken.invoice_id.name,
                    batch=taken.batch_id.name,
                )
            )
        twice = {i for i in invoice_ids if invoice_ids.count(i) > 1}
        if twice:
            invoice = self.env["account.move"].browse(twice.pop())
            raise ValidationError(
                self.env._(
                    "Invoice %(invoice)s is listed twice: it can be debited once.",
                    invoice=invoice.name,
                )
            )

    def write(self, vals):
        refuse_state_write(self, [vals], new=False)
        if "amount" in vals:
            for line in self:
                line._check_debit_amount(vals["amount"], line.invoice_id)
        return super().write(vals)

    @api.model
    def _check_debit_amount(self, amount, invoice):
        """Raise unless a debit of ``invoice`` may collect ``amount``: above zero, at
        most what is left to pay on the invoice and at most the SEPA maximum."""
        if not amount > 0:
            raise ValidationError(
                self.env._(
                    "A SEPA Direct Debit collects an amount above zero, not "
                    "%(amount)s: remove this debit.",
                    amount=amount,
                )
            )
        currency = invoice.currency_id
        if invoice and currency.compare_amounts(amount, invoice.amount_residual) > 0:
            raise ValidationError(
                self.env._(
                    "A debit of %(amount)s on invoice %(invoice)s would collect more "
                    "than the %(residual)s left to pay on it: enter at most "
                    "%(residual)s.",
                    amount=format_amount(self.env, amount, currency),
                    invoice=invoice.name,
                    residual=format_amount(self.env, invoice.amount_residual, currency),
                )
            )
        if Decimal(str(amount)) > AMOUNT_MAX:
            raise ValidationError(
                self.env._(
                    "A debit of %(amount)s is above the SEPA maximum of "
                    "999,999,999.99 per debit: collect this invoice another way.",
                    amount=format_amount(self.env, amount, currency),
                )
            )

    @api.constrains("end_to_end_id")
    def _check_end_to_end_id(self):
        # Made from the invoice number by the batch, but the external API may send
        # its own: the file would be refused by the bank, or by its XSD when generated.
        for line in self:
            try:
                check_identifier(line.end_to_end_id, E2E_ID_MAX, "end-to-end id")
            except ValueError as error:
                raise ValidationError(
                    self.env._(
                        "%(error)s Fix the end-to-end id of the debit.",
                        error=error,
                    )
                ) from error

    @api.constrains("invoice_id", "mandate_id", "amount", "batch_id")
    def _check_collectable_constraint(self):
        self.filtered(lambda li: li.state == "draft")._check_collectable()

    def _check_collectable(self, in_file=False):
        """Raise unless each debit can be sent: an open, posted EUR customer invoice
        of the batch's company, debited under a valid mandate of its customer. A
        debit already ``in_file`` is sent even if its mandate was revoked since."""
        for line in self:
            invoice = line.invoice_id
            if invoice.currency_id.name != "EUR":
                raise ValidationError(
                    self.env._(
                        "Invoice %(invoice)s is in %(currency)s: SEPA Direct Debits "
                        "collect euros only. Collect it another way.",
                        invoice=invoice.name,
                        currency=invoice.currency_id.name,
                    )
                )
            if (
                invoice.move_type != "out_invoice"
                or invoice.state != "posted"
                or invoice.payment_state not in ("not_paid", "partial")
            ):
                raise ValidationError(
                    self.env._(
                        "%(invoice)s is not a posted, unpaid customer invoice: it "
                        "cannot be debited.",
                        invoice=invoice.display_name,
                    )
                )
            if in_file and line.mandate_id.state == "revoked":
                continue
            line.mandate_id._check_usable(invoice.partner_id, line.company_id)

    def _prepare_payment_vals(self, method_line):
        self.ensure_one()
        invoice = self.invoice_id
        receivable = invoice.line_ids.filtered(
            lambda li: li.account_id.account_type == "asset_receivable"
        )
        return {
            "payment_type": "inbound",
            "partner_type": "customer",
            "partner_id": invoice.commercial_partner_id.id,
            "amount": self.amount,
            "currency_id": self.currency_id.id,
            "journal_id": self.batch_id.journal_id.id,
            "company_id": self.company_id.id,
            "payment_method_line_id": method_line.id,
            "date": self.date_collection,
            "memo": f"{self.batch_id.name} {self.end_to_end_id}",
            "destination_account_id": receivable.account_id[:1].id,
            "invoice_ids": [Command.set(invoice.ids)],
        }

    def _reconcile_payment(self):
        """Reconcile the payment of each debit with its invoice."""
        plan = []
        for line in self:
            account = line.payment_id.destination_account_id
            plan.append(
                (line.payment_id.move_id.line_ids + line.invoice_id.line_ids).filtered(
                    lambda li, account=account: (
                        li.account_id == account and not li.reconciled
                    )
                )
            )
        # One plan: the partials of all the debits are created together.
        self.env["account.move.line"]._reconcile_plan(plan)

    def _mark_collected(self):
        """The collection date of the sent debits has come: they are collected, and
        their invoices paid if the company reconciles them without the statement."""
        lines = self.filtered(lambda li: li.state == "sent")
        with sepa_step():
            lines.state = "collected"
        lines.filtered(
            lambda li: (
                li.company_id.sepa_reconcile_mode == "sent"
                and not li.payment_id.is_reconciled
            )
        )._reconcile_payment()

    @api.model
    def _cron_mark_collected(self):
        """Mark collected the sent debits whose collection date has come.

        One batch per run: the cron runner commits and runs the job again while
        debits remain.
        """
        domain = [
            ("state", "=", "sent"),
            ("date_collection", "<=", fields.Date.context_today(self)),
        ]
        total = self.search_count(domain)
        lines = self.search(domain, limit=CRON_BATCH_SIZE)
        lines._mark_collected()
        self.env["ir.cron"]._notify_progress(
            done=len(lines), remaining=total - len(lines)
        )

    def action_return(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "recurring_billing.sepa_return_wizard_action"
        )
        action["context"] = {"default_line_id": self.id}
        return action
