from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    mrr_free_to_paid = fields.Selection(
        related="company_id.mrr_free_to_paid", readonly=False
    )

    def action_mrr_rebuild(self):
        """Rebuild the MRR analytics of the settings' company."""
        self.ensure_one()
        return self.env["mrr.movement"].action_rebuild(self.company_id)
