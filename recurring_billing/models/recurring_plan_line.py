from odoo import api, fields, models


class RecurringPlanLine(models.Model):
    _name = "recurring.plan.line"
    _inherit = "recurring.plan.item"
    _description = "Subscription Plan Line"

    quantity = fields.Float(default=1.0, digits="Product Unit of Measure")
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
