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
    recurring_period_id = fields.Many2one(
        "recurring.period",
        "Billed Period",
        index="btree_not_null",
        copy=False,
        readonly=True,
        check_company=True,
        help="The subscription period this invoice or credit note bills or corrects.",
    )
    recurring_kind = fields.Selection(
        [("period", "Period invoice"), ("adjustment", "Mid-period change")],
        "Recurring Invoice Type",
        copy=False,
        readonly=True,
    )

    def _reverse_moves(self, default_values_list=None, cancel=False):
        # Credit notes stay attached to the subscription and period they correct.
        if not default_values_list:
            default_values_list = [{} for _move in self]
        for move, default_values in zip(self, default_values_list, strict=True):
            if move.subscription_id:
                default_values.setdefault("subscription_id", move.subscription_id.id)
                default_values.setdefault(
                    "recurring_period_id", move.recurring_period_id.id
                )
        return super()._reverse_moves(default_values_list, cancel=cancel)
