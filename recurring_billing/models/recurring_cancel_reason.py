from odoo import fields, models


class RecurringCancelReason(models.Model):
    _name = "recurring.cancel.reason"
    _description = "Subscription Cancellation Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    is_involuntary = fields.Boolean(
        "Involuntary",
        help="The customer did not choose to leave (the payment failed): its "
        "cancellations count as involuntary churn in the MRR analytics.",
    )
