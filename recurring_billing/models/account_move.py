from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    subscription_id = fields.Many2one(
        "recurring.subscription",
        index="btree_not_null",
        copy=False,
        readonly=True,
        check_company=True,
    )
