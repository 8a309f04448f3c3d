from odoo import api, fields, models

from ..engine.sepa_returns import (
    REASON_CODE_SELECTION,
    RETURN_TYPES,
    mandate_action,
    proposed_return_type,
)


class SepaReturnWizard(models.TransientModel):
    _name = "sepa.return.wizard"
    _inherit = ["recurring.value.check.mixin"]
    _description = "Record a SEPA Direct Debit Return"

    line_id = fields.Many2one(
        "sepa.debit.batch.line",
        "Direct Debit",
        required=True,
        domain="[('state', 'in', ('sent', 'collected'))]",
    )
    company_id = fields.Many2one(related="line_id.company_id")
    currency_id = fields.Many2one(related="line_id.currency_id")
    invoice_id = fields.Many2one(related="line_id.invoice_id")
    amount = fields.Monetary(related="line_id.amount", currency_field="currency_id")
    return_type = fields.Selection(
        list(RETURN_TYPES),
        required=True,
        compute="_compute_return_type",
        store=True,
        readonly=False,
        precompute=True,
        help="A reject comes before the collection date, a return from it to 5 "
        "TARGET2 business days after, a refund on the day the bank takes the money "
        "back.",
    )
    reason_code = fields.Selection(
        REASON_CODE_SELECTION,
        "Reason",
        required=True,
    )
    date_return = fields.Date(
        "Return Date", required=True, default=fields.Date.context_today
    )
    fee_amount = fields.Monetary("Bank Fees", currency_field="currency_id")
    fee_account_id = fields.Many2one(
        "account.account",
        "Bank Fee Account",
        check_company=True,
        domain="[('account_type', 'in', ('expense', 'expense_direct_cost'))]",
    )
    reason_effect = fields.Char(compute="_compute_reason_effect")

    @api.depends("line_id", "date_return")
    def _compute_return_type(self):
        for wizard in self:
            settled = wizard.line_id.date_collection
            wizard.return_type = (
                proposed_return_type(settled, wizard.date_return)
                if settled and wizard.date_return
                else "return"
            )

    @api.depends("reason_code", "company_id")
    def _compute_reason_effect(self):
        for wizard in self:
            action = wizard.reason_code and mandate_action(wizard.reason_code)
            wizard.reason_effect = {
                "stop": self.env._(
                    "The mandate is revoked: no more collections on it."
                ),
                "retry": self.env._(
                    "The invoice is debited again after %(days)s days, up to "
                    "%(retries)s times.",
                    days=wizard.company_id.sepa_retry_interval_days,
                    retries=wizard.company_id.sepa_retry_max,
                ),
                "manual": self.env._(
                    "The invoice is not debited again automatically: collect it "
                    "another way."
                ),
            }.get(action, False)

    def action_confirm(self):
        self.ensure_one()
        return self.line_id.record_return(
            self.return_type,
            self.reason_code,
            self.date_return,
            self.fee_amount,
            self.fee_account_id.id,
        )
