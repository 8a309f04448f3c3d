from odoo import api, fields, models

from odoo.addons.base.models.res_bank import sanitize_account_number


class ResPartnerBank(models.Model):
    _inherit = "res.partner.bank"

    sepa_mandate_ids = fields.One2many(
        "sepa.mandate", "partner_bank_id", "SEPA Mandates"
    )

    @api.constrains("acc_number", "bank_id")
    def _check_sepa_mandates(self):
        # The account of a mandate that may still be collected keeps what a SEPA
        # Direct Debit needs: a SEPA IBAN and, if any, a well-formed BIC.
        self.sepa_mandate_ids.filtered(
            lambda m: m.state in ("draft", "valid")
        )._check_partner_bank_id()

    def write(self, vals):
        if vals.get("acc_number"):
            self._remember_sepa_account_change(vals)
        return super().write(vals)

    def _remember_sepa_account_change(self, vals):
        """The collected mandates of the accounts whose IBAN ``vals`` changes report
        the change in their next collection."""
        new_iban = sanitize_account_number(vals["acc_number"])
        new_bank = self.env["res.bank"].browse(vals.get("bank_id"))
        for account in self:
            if new_iban == account.sanitized_acc_number:
                continue
            account.sepa_mandate_ids.filtered(
                lambda m: m.state == "valid"
            )._remember_account_change(
                account.sanitized_acc_number,
                account.bank_bic,
                new_iban,
                new_bank.bic if "bank_id" in vals else account.bank_bic,
            )
