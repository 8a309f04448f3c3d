from odoo import api, models

SEPA_DIRECT_DEBIT = "sepa_direct_debit"


class AccountPaymentMethod(models.Model):
    _inherit = "account.payment.method"

    @api.model
    def _get_payment_method_information(self):
        res = super()._get_payment_method_information()
        euro = self.env.ref("base.EUR", raise_if_not_found=False)
        res[SEPA_DIRECT_DEBIT] = {
            "mode": "multi",
            "type": ("bank",),
            "currency_ids": euro.ids if euro else [],
        }
        return res

    @api.model
    def _get_sdd_payment_method_code(self):
        return [*super()._get_sdd_payment_method_code(), SEPA_DIRECT_DEBIT]
