{
    "name": "MRR Analytics",
    "summary": "MRR movements, churn, NRR/GRR, ARPA, LTV and cohorts of subscriptions",
    "version": "18.0.1.2.0",
    "category": "Accounting/Subscriptions",
    "author": "Recurring Billing Contributors",
    "license": "LGPL-3",
    "depends": ["account", "recurring_billing"],
    "data": [
        "security/ir.model.access.csv",
        "security/rules.xml",
        "data/ir_cron_data.xml",
        "views/mrr_movement_views.xml",
        "views/mrr_snapshot_views.xml",
        "views/mrr_metric_views.xml",
        "views/mrr_cohort_views.xml",
        "views/res_config_settings_views.xml",
        "views/menus.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "mrr_analytics/static/src/fields/*",
        ],
        # Beside the graph view it extends, which the web client loads when needed.
        "web.assets_backend_lazy": [
            "mrr_analytics/static/src/graph/*",
        ],
    },
    "installable": True,
}
