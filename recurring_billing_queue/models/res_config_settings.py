from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    recurring_invoice_queue = fields.Boolean(
        string="Invoice through the job queue",
        config_parameter="recurring_billing_queue.enabled",
        help="The scheduled invoicing enqueues one job per batch of due "
        "subscriptions; the job queue's workers invoice them in parallel.",
    )
    recurring_invoice_queue_batch_size = fields.Integer(
        string="Subscriptions per job",
        config_parameter="recurring_billing_queue.batch_size",
        default=100,
    )

    @api.constrains("recurring_invoice_queue_batch_size")
    def _check_recurring_invoice_queue_batch_size(self):
        for settings in self:
            if settings.recurring_invoice_queue_batch_size < 1:
                raise ValidationError(
                    self.env._(
                        "Subscriptions per job must be at least 1: give the number "
                        "of subscriptions each job of the queue invoices, e.g. 100."
                    )
                )
