{
    "name": "Recurring Billing Job Queue",
    "summary": "Spread the scheduled invoicing of subscriptions over several workers "
    "with the job queue",
    "version": "18.0.1.0.0",
    "category": "Accounting/Subscriptions",
    "author": "Recurring Billing Contributors",
    "license": "LGPL-3",
    "depends": ["recurring_billing", "queue_job"],
    "data": [
        "data/queue_job_data.xml",
        "views/res_config_settings_views.xml",
    ],
    "installable": True,
}
