"""Cancellations for a failed payment count as involuntary churn.

The reason comes from data loaded once (``noupdate``): an existing database gets the
new flag here.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    reason = env.ref(
        "recurring_billing.cancel_reason_payment", raise_if_not_found=False
    )
    if reason:
        reason.is_involuntary = True
