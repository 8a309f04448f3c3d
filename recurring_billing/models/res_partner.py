from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    subscription_count = fields.Integer(
        compute="_compute_subscription_count", groups="recurring_billing.group_user"
    )

    def _compute_subscription_count(self):
        partners = self.with_context(active_test=False).search(
            [("id", "child_of", self.ids)]
        )
        groups = self.env["recurring.subscription"]._read_group(
            [("partner_id", "in", partners.ids)], ["partner_id"], ["__count"]
        )
        counts = dict.fromkeys(self.ids, 0)
        for partner, count in groups:
            while partner:
                if partner.id in counts:
                    counts[partner.id] += count
                partner = partner.parent_id
        for partner in self:
            partner.subscription_count = counts[partner.id]

    def action_view_subscriptions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "recurring_billing.recurring_subscription_action"
        )
        action["domain"] = [("partner_id", "child_of", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action
