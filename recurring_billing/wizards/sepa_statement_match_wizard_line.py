from odoo import fields, models


class SepaStatementMatchWizardLine(models.TransientModel):
    _name = "sepa.statement.match.wizard.line"
    _description = "Debit to Match with its Bank Statement Line"

    wizard_id = fields.Many2one(
        "sepa.statement.match.wizard", required=True, ondelete="cascade"
    )
    debit_line_id = fields.Many2one(
        "sepa.debit.batch.line", "Debit", required=True, readonly=True
    )
    partner_id = fields.Many2one(related="debit_line_id.partner_id")
    invoice_id = fields.Many2one(related="debit_line_id.invoice_id")
    company_id = fields.Many2one(related="wizard_id.company_id")
    journal_id = fields.Many2one(related="wizard_id.journal_id")
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    amount = fields.Monetary(related="debit_line_id.amount")
    statement_line_id = fields.Many2one(
        "account.bank.statement.line",
        "Bank Statement Line",
        check_company=True,
        domain="[('journal_id', '=', journal_id), ('is_reconciled', '=', False), "
        "('amount', '=', amount)]",
        help="The credit of the bank for this debit; leave empty if it is not on a "
        "statement yet.",
    )
