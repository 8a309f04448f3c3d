from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    sepa_mandate_ids = fields.One2many(
        "sepa.mandate", "commercial_partner_id", "SEPA Mandates"
    )
    sepa_mandate_count = fields.Integer(
        "Mandates",
        compute="_compute_sepa_mandate_count",
        groups="recurring_billing.group_user,account.group_account_invoice",
    )

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
