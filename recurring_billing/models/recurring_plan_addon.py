from odoo import api, fields, models


class RecurringPlanAddon(models.Model):
    _name = "recurring.plan.addon"
    _description = "Add-on Package of a Plan"
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
        "Price per Unit and Period", currency_field="currency_id", required=True
    )
    max_quantity = fields.Integer(
        "Maximum Quantity",
        required=True,
        default=1,
        help="Most units of this package one subscription may have.",
    )
    currency_id = fields.Many2one(related="plan_id.currency_id")

    _sql_constraints = [
        (
            "max_quantity_positive",
            "CHECK(max_quantity > 0)",
            "An add-on package needs a maximum quantity of at least 1: packages are "
            "never unlimited.",
        ),
        (
            "price_unit_positive",
            "CHECK(price_unit >= 0)",
            "The price of an add-on package cannot be negative.",
        ),
    ]

    @api.depends("product_id", "name", "max_quantity")
    def _compute_display_name(self):
        for addon in self:
            label = addon.name or addon.product_id.display_name or ""
            addon.display_name = f"{label} (max {addon.max_quantity})"

    @api.onchange("product_id")
    def _onchange_product_id(self):
        if self.product_id:
            self.name = self.product_id.display_name
            self.price_unit = self.product_id.lst_price
