from odoo import fields, models


class SepaMandateAccountWizard(models.TransientModel):
    _name = "sepa.mandate.account.wizard"
    _description = "Move a SEPA Mandate to Another Account"

    mandate_id = fields.Many2one(
        "sepa.mandate",
        required=True,
        default=lambda self: self.env.context.get("active_id"),
    )
    holder = fields.Char("Account Holder", required=True)
    iban = fields.Char("New IBAN", required=True)
    bic = fields.Char(
        "BIC",
        help="Optional within SEPA: the IBAN is enough. Without it, an account at "
        "the bank of the current one keeps its BIC.",
    )

    def action_confirm(self):
        self.ensure_one()
        self.mandate_id.action_change_account(self.holder, self.iban, self.bic)
        return {"type": "ir.actions.act_window_close"}
