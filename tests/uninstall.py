# Fed to ``odoo shell`` by tests/run.sh: uninstall the dependent addon first.
for name in ("mrr_analytics", "recurring_billing"):
    env["ir.module.module"].search([("name", "=", name)]).button_immediate_uninstall()
    env.cr.commit()
states = (
    env["ir.module.module"]
    .search([("name", "in", ("mrr_analytics", "recurring_billing"))])
    .mapped("state")
)
if set(states) == {"uninstalled"}:
    print("uninstalled: recurring_billing mrr_analytics")
