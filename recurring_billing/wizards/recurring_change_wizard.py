from odoo import Command, api, fields, models


class RecurringChangeWizard(models.TransientModel):
    _name = "recurring.change.wizard"
    _description = "Change Plan or Quantities"

    subscription_id = fields.Many2one(
        "recurring.subscription",
        required=True,
        default=lambda self: self.env.context.get("active_id"),
    )
    current_plan_id = fields.Many2one(related="subscription_id.plan_id")
    plan_id = fields.Many2one(
        "recurring.plan",
        "New Plan",
        domain="[('id', '!=', current_plan_id), ('company_id', '=', company_id)]",
        help="Leave empty to keep the plan and only change add-on quantities.",
    )
    company_id = fields.Many2one(related="subscription_id.company_id")
    when = fields.Selection(
        [
            ("auto", "Upgrade now, downgrade at period end"),
            ("now", "Now"),
            ("period_end", "At the end of the current period"),
        ],
        required=True,
        default="auto",
    )
    addon_line_ids = fields.One2many(
        "recurring.change.wizard.line",
        "wizard_id",
        "Add-on Packages",
        compute="_compute_addon_line_ids",
        store=True,
        readonly=False,
    )

    @api.depends("subscription_id")
    def _compute_addon_line_ids(self):
        for wizard in self:
            sub = wizard.subscription_id
            wizard.addon_line_ids = [Command.clear()] + [
                Command.create(
                    {
                        "addon_id": addon.id,
                        "quantity": sum(
                            sub.line_ids.filtered(
                                lambda line, a=addon: line.addon_id == a
                            ).mapped("quantity")
                        ),
                    }
                )
                for addon in sub.plan_id.addon_ids
            ]

    def action_confirm(self):
        self.ensure_one()
        sub = self.subscription_id
        quantities = {line.addon_id: line.quantity for line in self.addon_line_ids}
        if quantities:
            sub.action_set_addon_quantities(quantities)
        if self.plan_id:
            sub.action_change_plan(
                self.plan_id, when=None if self.when == "auto" else self.when
            )
        return {"type": "ir.actions.act_window_close"}


class RecurringChangeWizardLine(models.TransientModel):
    _name = "recurring.change.wizard.line"
    _description = "Add-on Quantity to Set"

    wizard_id = fields.Many2one(
        "recurring.change.wizard", required=True, ondelete="cascade"
    )
    addon_id = fields.Many2one(
        "recurring.plan.addon", "Add-on Package", required=True, readonly=True
    )
    max_quantity = fields.Integer(related="addon_id.max_quantity")
    quantity = fields.Integer()
