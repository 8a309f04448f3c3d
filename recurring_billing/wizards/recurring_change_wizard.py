from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class RecurringChangeWizard(models.TransientModel):
    _name = "recurring.change.wizard"
    _inherit = ["recurring.value.check.mixin"]
    _description = "Change Plan or Quantities"

    subscription_id = fields.Many2one(
        "recurring.subscription",
        required=True,
        default=lambda self: self.env.context.get("active_id"),
    )
    subscription_state = fields.Selection(related="subscription_id.state")
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
            ("period_end", "At the end of the current period"),
            ("now", "Now, crediting the unused days"),
        ],
        "Decreases Apply",
        required=True,
        default="period_end",
        help="A cheaper plan or fewer add-on units wait for the end of the current "
        "period, where they can still be cancelled, or apply now with a credit note "
        "for the days left. Upgrades and more units always apply now.",
    )
    has_decrease = fields.Boolean(compute="_compute_has_decrease")
    dropped_addons = fields.Char(
        "Add-ons Ending",
        compute="_compute_dropped_addons",
        help="Add-ons the new plan does not offer: they end with the current plan.",
    )
    addon_line_ids = fields.One2many(
        "recurring.change.wizard.line",
        "wizard_id",
        "Add-on Packages",
        compute="_compute_addon_line_ids",
        store=True,
        readonly=False,
    )
    currency_id = fields.Many2one(related="subscription_id.currency_id")
    mrr = fields.Monetary(related="subscription_id.mrr", string="Current MRR")
    preview_mrr = fields.Monetary(
        "New MRR",
        compute="_compute_preview",
        help="The MRR once the whole change is in force.",
    )
    mrr_difference = fields.Monetary("MRR Difference", compute="_compute_preview")
    amount_now = fields.Monetary(
        "Invoiced Now",
        compute="_compute_preview",
        help="Without tax: the new lines charged and the old ones credited for the "
        "rest of the periods already invoiced, as the invoice of the change will "
        "bill them; negative for a credit note.",
    )
    date_later = fields.Date(
        "Decreases Apply On",
        compute="_compute_preview",
        help="The start of the next period, when the decreases that wait come into "
        "force.",
    )

    preview_warning = fields.Char(
        compute="_compute_preview",
        help="Why Apply would refuse the new plan; no amount is shown then.",
    )

    @api.depends("subscription_id", "plan_id", "when", "addon_line_ids.quantity")
    def _compute_preview(self):
        for wizard in self:
            sub = wizard.subscription_id
            wizard.preview_mrr = wizard.mrr_difference = wizard.amount_now = 0.0
            wizard.date_later = wizard.preview_warning = False
            if not sub:
                continue
            if wizard.plan_id:
                try:
                    sub._check_plan_change(wizard.plan_id)
                except UserError as error:
                    wizard.preview_warning = error.args[0]
                    continue
            preview = sub._change_preview_for(
                wizard.plan_id or sub.plan_id,
                {line.addon_id: line.quantity for line in wizard.addon_line_ids},
                wizard.when,
            )
            wizard.preview_mrr = preview["mrr"]
            wizard.mrr_difference = preview["mrr"] - sub.mrr
            wizard.amount_now = preview["amount"]
            wizard.date_later = preview["date_later"] or False

    @api.depends("subscription_id", "plan_id")
    def _compute_addon_line_ids(self):
        """The add-ons of the plan the subscription will be on, with the units it has
        of each product now: the units that carry over to the new plan."""
        for wizard in self:
            sub = wizard.subscription_id
            lines = []
            for addon in (wizard.plan_id or sub.plan_id).addon_ids:
                current = sum(
                    sub.line_ids.filtered(
                        lambda line, a=addon: (
                            line.addon_id and line.product_id == a.product_id
                        )
                    ).mapped("quantity")
                )
                lines.append(
                    Command.create(
                        {
                            "addon_id": addon.id,
                            "current_quantity": current,
                            "quantity": current,
                        }
                    )
                )
            wizard.addon_line_ids = [Command.clear()] + lines

    @api.depends("subscription_id", "plan_id")
    def _compute_dropped_addons(self):
        for wizard in self:
            products = wizard.plan_id.addon_ids.product_id
            dropped = wizard.subscription_id.line_ids.filtered(
                lambda line, products=products: (
                    line.addon_id and line.product_id not in products
                )
            )
            names = ", ".join(dropped.mapped("name"))
            wizard.dropped_addons = names if wizard.plan_id else False

    @api.depends("subscription_id", "plan_id", "addon_line_ids.quantity")
    def _compute_has_decrease(self):
        for wizard in self:
            wizard.has_decrease = (
                wizard.plan_id
                and not wizard.subscription_id._is_upgrade_to(wizard.plan_id)
            ) or any(
                line.quantity < line.current_quantity for line in wizard.addon_line_ids
            )

    def action_confirm(self):
        """Change the plan first (add-on units carry over), then the add-on units of
        the plan in force, so that what the wizard shows is what happens."""
        self.ensure_one()
        sub = self.subscription_id
        quantities = {line.addon_id: line.quantity for line in self.addon_line_ids}
        if self.plan_id:
            upgrade = sub._is_upgrade_to(self.plan_id)
            sub.action_change_plan(self.plan_id, when="now" if upgrade else self.when)
            if sub.plan_id != self.plan_id:
                changed = [
                    line.addon_id.display_name
                    for line in self.addon_line_ids
                    if line.quantity != line.current_quantity
                ]
                if changed:
                    raise UserError(
                        self.env._(
                            "%(plan)s starts at the end of the current period: its "
                            "add-ons (%(addons)s) can be changed once it is in force. "
                            "Keep their quantities, or apply the plan now.",
                            plan=self.plan_id.display_name,
                            addons=", ".join(changed),
                        )
                    )
                return {"type": "ir.actions.act_window_close"}
        if quantities:
            sub.action_set_addon_quantities(quantities, when=self.when)
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
    current_quantity = fields.Integer(readonly=True)
    quantity = fields.Integer("New Quantity")
