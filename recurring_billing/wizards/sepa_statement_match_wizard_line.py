from odoo import api, fields, models


class SepaStatementMatchWizardLine(models.TransientModel):
    _name = "sepa.statement.match.wizard.line"
    _description = "Bank Booking to Match with its Bank Statement Line"

    wizard_id = fields.Many2one(
        "sepa.statement.match.wizard", required=True, ondelete="cascade"
    )
    kind = fields.Selection(
        [("credit", "Credit"), ("return", "Return")],
        "Booking",
        required=True,
        readonly=True,
    )
    name = fields.Char("Booked For", readonly=True)
    debit_line_ids = fields.Many2many(
        "sepa.debit.batch.line", string="Debits", required=True, readonly=True
    )
    partner_id = fields.Many2one("res.partner", "Customer", compute="_compute_debit")
    invoice_id = fields.Many2one("account.move", compute="_compute_debit")
    company_id = fields.Many2one(related="wizard_id.company_id")
    journal_id = fields.Many2one(related="wizard_id.journal_id")
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    amount = fields.Monetary(
        readonly=True, help="Credited above zero, debited by the bank below."
    )
    statement_line_id = fields.Many2one(
        "account.bank.statement.line",
        "Bank Statement Line",
        check_company=True,
        domain="[('journal_id', '=', journal_id), ('is_reconciled', '=', False), "
        "('amount', '=', amount)]",
        help="The bank's line for this booking; leave empty if it is not on a "
        "statement yet.",
    )

    @api.depends("debit_line_ids")
    def _compute_debit(self):
        for row in self:
            # The customer and invoice of a booking for one debit.
            debits = row.debit_line_ids
            single = debits if len(debits) == 1 else debits.browse()
            row.partner_id = single.partner_id
            row.invoice_id = single.invoice_id
