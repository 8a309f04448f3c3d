from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    subscription_count = fields.Integer(
        compute="_compute_subscription_count", groups="recurring_billing.group_user"
    )
    sepa_mandate_ids = fields.One2many(
        "sepa.mandate", "commercial_partner_id", "SEPA Mandates"
    )
    sepa_mandate_count = fields.Integer(
        "Mandates",
        compute="_compute_sepa_mandate_count",
        groups="recurring_billing.group_user,account.group_account_invoice",
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

    def _compute_sepa_mandate_count(self):
        # A mandate is signed for the commercial entity: its contacts show it too.
        counts = dict(
            self.env["sepa.mandate"]._read_group(
                [("commercial_partner_id", "in", self.commercial_partner_id.ids)],
                ["commercial_partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.sepa_mandate_count = counts.get(partner.commercial_partner_id, 0)

    def action_view_sepa_mandates(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "recurring_billing.sepa_mandate_action"
        )
        customer = self.commercial_partner_id
        action["domain"] = [("commercial_partner_id", "=", customer.id)]
        # All the customer's mandates, revoked and expired ones included, as counted.
        action["context"] = {"default_partner_id": customer.id}
        return action
