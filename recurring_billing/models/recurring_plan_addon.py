from odoo import api, fields, models


class RecurringPlanAddon(models.Model):
    _name = "recurring.plan.addon"
    _inherit = "recurring.plan.item"
    _description = "Add-on Package of a Plan"
    price_unit = fields.Monetary(
        "Price per Unit and Period", currency_field="currency_id", required=True
    )
    max_quantity = fields.Integer(
        "Maximum Quantity",
        required=True,
        default=1,
        help="Most units of this package one subscription may have.",
    )

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
