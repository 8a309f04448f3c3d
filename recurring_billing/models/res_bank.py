from odoo import api, models


class ResBank(models.Model):
    _inherit = "res.bank"

    @api.constrains("bic")
    def _check_bic_of_sepa_mandates(self):
        # The BIC of an account is its bank's: written on the bank, or through an
        # account, it must stay one a SEPA Direct Debit can send.
        # sudo: a bank serves the accounts of every company, some the user cannot read.
        self.env["res.partner.bank"].sudo().search(
            [("bank_id", "in", self.ids)]
        )._check_sepa_mandates()
