from odoo import api, fields, models


class RecurringPauseWizard(models.TransientModel):
    _name = "recurring.pause.wizard"
    _inherit = ["recurring.value.check.mixin"]
    _description = "Pause Subscriptions"

    subscription_ids = fields.Many2many(
        "recurring.subscription",
        default=lambda self: self.env.context.get("active_ids"),
        required=True,
    )
    date_resume = fields.Date(
        "Resume On", help="Leave empty to resume the subscriptions by hand."
    )

    # Shown to subscription managers only; the model method refuses anyone else.
    override_limits = fields.Boolean(
        "Override the Plan's Limits",
        help="Lift the minimum term and the longest pause of the plan for this time.",
    )

    @api.constrains("subscription_ids")
    def _check_subscription_ids(self):
        # sudo: the wizard reads back only the subscriptions its user may read; the
        # others must be refused, not left out without a word.
        self.sudo().subscription_ids.with_env(self.env).check_access("write")

    def action_confirm(self):
        self.ensure_one()
        self.subscription_ids.action_pause(
            date_resume=self.date_resume, override_limits=self.override_limits
        )
        return {"type": "ir.actions.act_window_close"}
