from odoo import fields, models


class RecurringCancelWizard(models.TransientModel):
    _name = "recurring.cancel.wizard"
    _description = "Cancel Subscriptions"

    subscription_ids = fields.Many2many(
        "recurring.subscription",
        default=lambda self: self.env.context.get("active_ids"),
        required=True,
    )
    when = fields.Selection(
        [
            ("period_end", "At the end of the current period"),
            ("now", "Now"),
        ],
        required=True,
        default="period_end",
    )
    reason_id = fields.Many2one("recurring.cancel.reason", required=True)

    def action_confirm(self):
        self.ensure_one()
        self.subscription_ids.action_cancel(
            reason=self.reason_id, at_period_end=self.when == "period_end"
        )
        return {"type": "ir.actions.act_window_close"}
