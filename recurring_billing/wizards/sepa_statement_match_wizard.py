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
        "Collected",
        compute="_compute_amount",
        currency_field="currency_id",
        help="Total of the debits of the batch that were not returned.",
    )
    statement_line_id = fields.Many2one(
        "account.bank.statement.line",
        "Bank Statement Line",
        check_company=True,
        compute="_compute_statement_line_id",
        store=True,
        readonly=False,
        domain="[('journal_id', '=', journal_id), ('is_reconciled', '=', False), "
        "('amount', '=', amount)]",
        help="The credit of the bank for the batch: an unreconciled line of the "
        "collection journal of the collected amount.",
    )
    line_ids = fields.One2many(
        "sepa.statement.match.wizard.line",
        "wizard_id",
        "Debits",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
        help="Without batch booking, the bank credits each debit on a line of its "
        "own: the line naming the debit is proposed.",
    )

    @api.depends("batch_id")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = wizard.batch_id._amount_collected()

    @api.depends("batch_id")
    def _compute_statement_line_id(self):
        for wizard in self:
            if not wizard.batch_booking:
                wizard.statement_line_id = False
                continue
            # Proposed when there is no doubt about it.
            candidates = self.env["account.bank.statement.line"].search(
                wizard.batch_id._statement_line_domain(), limit=2
            )
            wizard.statement_line_id = candidates if len(candidates) == 1 else False

    @api.depends("batch_id")
    def _compute_line_ids(self):
        for wizard in self:
            batch = wizard.batch_id
            if batch.batch_booking:
                wizard.line_ids = [Command.clear()]
                continue
            wizard.line_ids = [Command.clear()] + [
                Command.create(
                    {"debit_line_id": debit.id, "statement_line_id": st_line.id}
                )
                for debit, st_line in batch._proposed_statement_lines().items()
            ]

    def action_confirm(self):
        self.ensure_one()
        batch = self.batch_id
        if not batch.batch_booking:
            batch._match_debit_statement_lines(
                [
                    (row.debit_line_id, row.statement_line_id)
                    for row in self.line_ids
                    if row.statement_line_id
                ]
            )
            return True
        if not self.statement_line_id:
            raise UserError(
                self.env._(
                    "Choose the bank statement line of the credit for %(batch)s.",
                    batch=batch.name,
                )
            )
        batch._match_statement_line(self.statement_line_id)
        return True
