from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    sepa_mandate_ids = fields.One2many(
        "sepa.mandate", "commercial_partner_id", "SEPA Mandates"
    )
