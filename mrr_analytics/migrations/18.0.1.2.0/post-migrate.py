"""The monthly MRR per customer is no longer kept: no report read it.

Its model goes with the update, but not its table (the model is no longer in the
registry to say which) nor its company rule, loaded once (``noupdate``).
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    rule = env.ref(
        "mrr_analytics.mrr_customer_month_rule_company", raise_if_not_found=False
    )
    if rule:
        rule.unlink()
    cr.execute("DROP TABLE IF EXISTS mrr_customer_month")
