from odoo import api, fields, models


class RecurringCancelWizard(models.TransientModel):
    _name = "recurring.cancel.wizard"
    _inherit = ["recurring.value.check.mixin"]
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
    credit_unused = fields.Boolean(
        "Credit unused days",
        help="Issue a credit note for the days of the current period, already "
        "invoiced, after today.",
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
        self.subscription_ids.action_cancel(
            reason=self.reason_id,
            at_period_end=self.when == "period_end",
            credit_unused=self.when == "now" and self.credit_unused,
            override_limits=self.override_limits,
        )
        return {"type": "ir.actions.act_window_close"}
