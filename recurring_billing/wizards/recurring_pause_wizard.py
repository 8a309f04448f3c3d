from odoo import fields, models


class RecurringPauseWizard(models.TransientModel):
    _name = "recurring.pause.wizard"
    _description = "Pause Subscriptions"

    subscription_ids = fields.Many2many(
        "recurring.subscription",
        default=lambda self: self.env.context.get("active_ids"),
        required=True,
    )
    date_resume = fields.Date(
        "Resume On", help="Leave empty to resume the subscriptions by hand."
    )

    def action_confirm(self):
        self.ensure_one()
        self.subscription_ids.action_pause(date_resume=self.date_resume)
        return {"type": "ir.actions.act_window_close"}
