from odoo import fields, models

FREE_TO_PAID = [
    ("reactivation", "Reactivation"),
    ("new", "New"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    mrr_free_to_paid = fields.Selection(
        FREE_TO_PAID,
        "Free to Paid Counts As",
        required=True,
        default="reactivation",
        help="A customer on a freemium plan who starts paying: a reactivation (as the "
        "customer was already there) or new MRR (the ChartMogul convention).",
    )

    def write(self, vals):
        changed = self.env["res.company"]
        if "mrr_free_to_paid" in vals:
            changed = self.filtered(
                lambda company: company.mrr_free_to_paid != vals["mrr_free_to_paid"]
            )
        result = super().write(vals)
        if changed:
            # The movements are derived data: whoever may change the setting may
            # have them reclassified, without access to the reports themselves.
            self.env["mrr.movement"].sudo()._rebuild_movements(changed)
        return result
