from odoo import api, fields, models


class RecurringPlanLine(models.Model):
    _name = "recurring.plan.line"
    _description = "Subscription Plan Line"
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
    quantity = fields.Float(default=1.0, digits="Product Unit of Measure")
    price_unit = fields.Monetary(
        "Price per Period", currency_field="currency_id", required=True
    )
    currency_id = fields.Many2one(related="plan_id.currency_id")
    price_subtotal = fields.Monetary(
        compute="_compute_price_subtotal", currency_field="currency_id"
    )

    _sql_constraints = [
        (
            "quantity_positive",
            "CHECK(quantity > 0)",
            "The quantity of a plan line must be positive.",
        ),
        (
            "price_unit_positive",
            "CHECK(price_unit >= 0)",
            "The price of a plan line cannot be negative: use a discount on the "
            "subscription or a credit note instead.",
        ),
    ]

    @api.depends("quantity", "price_unit")
    def _compute_price_subtotal(self):
        for line in self:
            line.price_subtotal = line.currency_id.round(
                line.quantity * line.price_unit
            )

    @api.onchange("product_id")
    def _onchange_product_id(self):
        if self.product_id:
            self.name = self.product_id.display_name
            self.price_unit = self.product_id.lst_price
