# Fed to ``odoo shell`` by tests/run.sh: uninstall the dependent addons first.
ADDONS = (
    "recurring_billing_queue",
    "mrr_analytics_dashboard",
    "mrr_analytics",
    "recurring_billing",
)
for name in ADDONS:
    env["ir.module.module"].search([("name", "=", name)]).button_immediate_uninstall()
    env.cr.commit()
states = env["ir.module.module"].search([("name", "in", ADDONS)]).mapped("state")
if set(states) == {"uninstalled"}:
    print(
        "uninstalled: recurring_billing mrr_analytics mrr_analytics_dashboard "
        "recurring_billing_queue"
    )
