from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    subscription_id = fields.Many2one(
        "recurring.subscription", index="btree_not_null", copy=False, readonly=True
    )
    recurring_period_id = fields.Many2one(
        "recurring.period",
        "Billed Period",
        index="btree_not_null",
        copy=False,
        readonly=True,
    )
