from odoo import api, fields, models


class RecurringPlanItem(models.AbstractModel):
    """What a plan's base lines and its add-on packages have in common."""

    _name = "recurring.plan.item"
    _description = "Product Priced on a Plan"
    _order = "plan_id, sequence, id"

    plan_id = fields.Many2one(
        "recurring.plan", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    product_id = fields.Many2one(
        "product.product",
        required=True,
        domain="[('sale_ok', '=', True)]",
        ondelete="restrict",
    )
    name = fields.Char("Description", translate=True)
    price_unit = fields.Monetary(
        "Price per Period", currency_field="currency_id", required=True
    )
    currency_id = fields.Many2one(related="plan_id.currency_id")

    @api.onchange("product_id")
    def _onchange_product_id(self):
        if self.product_id:
            self.name = self.product_id.display_name
            self.price_unit = self.product_id.lst_price
