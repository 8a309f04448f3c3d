from odoo import api, models


class RecurringSubscriptionEvent(models.Model):
    _inherit = "recurring.subscription.event"

    @api.model_create_multi
    def create(self, vals_list):
        events = super().create(vals_list)
        if events:
            # Analytics are derived from every change, whoever makes it: users who
            # change subscriptions do not have (and need no) access to the reports.
            self.env["mrr.movement"].sudo()._update_from_events(events.sudo())
        return events
