from odoo import api, fields, models


class SepaStatementMatchWizard(models.TransientModel):
    _name = "sepa.statement.match.wizard"
    _description = "Match a SEPA Direct Debit Batch with the Bank Statement"

    batch_id = fields.Many2one(
        "sepa.debit.batch", "Debit Batch", required=True, readonly=True
    )
    company_id = fields.Many2one(related="batch_id.company_id")
    journal_id = fields.Many2one(related="batch_id.journal_id")
    currency_id = fields.Many2one(related="batch_id.currency_id")
    amount = fields.Monetary(
        "Collected",
        compute="_compute_amount",
        currency_field="currency_id",
        help="Total of the debits of the batch that were not returned.",
    )
    statement_line_id = fields.Many2one(
        "account.bank.statement.line",
        "Bank Statement Line",
        required=True,
        check_company=True,
        compute="_compute_statement_line_id",
        store=True,
        readonly=False,
        domain="[('journal_id', '=', journal_id), ('is_reconciled', '=', False), "
        "('amount', '=', amount)]",
        help="The credit of the bank for the batch: an unreconciled line of the "
        "collection journal of the collected amount.",
    )

    @api.depends("batch_id")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = wizard.batch_id._amount_collected()

    @api.depends("batch_id")
    def _compute_statement_line_id(self):
        for wizard in self:
            # Proposed when there is no doubt about it.
            candidates = self.env["account.bank.statement.line"].search(
                wizard.batch_id._statement_line_domain(), limit=2
            )
            wizard.statement_line_id = candidates if len(candidates) == 1 else False

    def action_confirm(self):
        self.ensure_one()
        self.batch_id._match_statement_line(self.statement_line_id)
        return True
