from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestDashboardTour(HttpCase):
    """The dashboard in the real web client, in a headless browser, on the demo data."""

    def test_mrr_tile_of_the_last_closed_month(self):
        if not self.env.ref(
            "recurring_billing.demo_subscription_a", raise_if_not_found=False
        ):
            self.skipTest("the tour reads the demo data of the worked example")
        # The figure the tour expects, worked out by hand in mrr_analytics/doc/METRICS.md
        # (April 2026: MRR end 142, March 110), is the one the metrics list shows.
        metrics = self.env["mrr.metric"].search(
            [
                ("company_id", "=", self.env.ref("base.main_company").id),
                ("month", "in", ("2026-03-01", "2026-04-01")),
            ],
            order="month",
        )
        self.assertEqual(metrics.mapped("mrr_end"), [110.0, 142.0])
        # The tour sets the browser's clock to 15 May 2026: April is the last closed
        # month whatever the day the test runs.
        self.start_tour(
            "/odoo/dashboards",
            "mrr_analytics_dashboard_tour",
            login="admin",
            timeout=120,
        )
