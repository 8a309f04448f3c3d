{
    "name": "MRR Analytics Dashboard",
    "summary": "MRR, churn, retention and cohorts of subscriptions in the Dashboards app",
    "version": "18.0.1.2.0",
    "category": "Accounting/Subscriptions",
    "author": "Recurring Billing Contributors",
    "license": "LGPL-3",
    "depends": ["mrr_analytics", "spreadsheet_dashboard"],
    "data": [
        "data/dashboards.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "mrr_analytics_dashboard/static/tests/tours/**/*",
        ],
    },
    "installable": True,
    "auto_install": True,
}
