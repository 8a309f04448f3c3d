from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class SepaStatementMatchWizard(models.TransientModel):
    _name = "sepa.statement.match.wizard"
    _description = "Match a SEPA Direct Debit Batch with the Bank Statement"

    batch_id = fields.Many2one(
        "sepa.debit.batch", "Debit Batch", required=True, readonly=True
    )
    company_id = fields.Many2one(related="batch_id.company_id")
    journal_id = fields.Many2one(related="batch_id.journal_id")
    currency_id = fields.Many2one(related="batch_id.currency_id")
    batch_booking = fields.Boolean(related="batch_id.batch_booking")
    amount = fields.Monetary(
        "To Be Credited",
        compute="_compute_amount",
        currency_field="currency_id",
        help="Total of the debits of the batch waiting for their bank credit; "
        "rejected debits are not credited.",
    )
    line_ids = fields.One2many(
        "sepa.statement.match.wizard.line",
        "wizard_id",
        "Bank Bookings",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
        help="What the bank books on the statement: a credit per payment block with "
        "batch booking, per debit without, and a debit per return. The line of the "
        "amount naming it is proposed.",
    )
    statement_line_id = fields.Many2one(
        "account.bank.statement.line",
        "Whole File Credited On",
        check_company=True,
        compute="_compute_statement_line_id",
        store=True,
        readonly=False,
        domain="[('journal_id', '=', journal_id), ('is_reconciled', '=', False), "
        "('amount', '=', amount)]",
        help="With batch booking, some banks credit the whole file on one line "
        "rather than one line per payment block: choose that line here.",
    )

    @api.depends("batch_id")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = wizard.batch_id._amount_to_match()

    @api.depends("batch_id")
    def _compute_line_ids(self):
        for wizard in self:
            batch = wizard.batch_id
            wizard.line_ids = [Command.clear()] + [
                Command.create(
                    {
                        "kind": kind,
                        "name": batch._group_label(kind, debits),
                        "debit_line_ids": [Command.set(debits.ids)],
                        "amount": amount,
                        "statement_line_id": st_line.id,
                    }
                )
                for kind, debits, amount, st_line in batch._statement_proposals()
            ]

    @api.depends("line_ids")
    def _compute_statement_line_id(self):
        for wizard in self:
            credits = wizard.line_ids.filtered(lambda row: row.kind == "credit")
            wizard.statement_line_id = False
            if (
                not wizard.batch_booking
                or len(credits) < 2
                or credits.statement_line_id
            ):
                continue
            # Proposed when no block has a line of its own and there is no doubt.
            candidates = self.env["account.bank.statement.line"].search(
                [
                    ("journal_id", "=", wizard.journal_id.id),
                    ("is_reconciled", "=", False),
                    ("amount", "=", wizard.amount),
                ],
                limit=2,
            )
            wizard.statement_line_id = candidates if len(candidates) == 1 else False

    @api.onchange("statement_line_id")
    def _onchange_statement_line_id(self):
        if self.statement_line_id:
            for row in self.line_ids.filtered(lambda row: row.kind == "credit"):
                row.statement_line_id = False

    def action_confirm(self):
        self.ensure_one()
        batch = self.batch_id
        rows = self.line_ids.filtered("statement_line_id")
        credits = [
            (row.debit_line_ids, row.statement_line_id)
            for row in rows
            if row.kind == "credit"
        ]
        returns = [
            (row.debit_line_ids, row.statement_line_id)
            for row in rows
            if row.kind == "return"
        ]
        if self.statement_line_id:
            if credits:
                raise UserError(
                    self.env._(
                        "Choose either one bank statement line for the whole file of "
                        "%(batch)s or a line per payment block, not both.",
                        batch=batch.name,
                    )
                )
            credits = [(batch._debits_to_match(), self.statement_line_id)]
        batch._match_statement_lines(credits, returns)
        return True
