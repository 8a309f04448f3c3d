from datetime import date

from odoo.tests import tagged

from .invoicing_common import InvoicingCommon


@tagged("post_install", "-at_install")
class TestAlignedAnchor(InvoicingCommon):
    """Plans aligned to the calendar bill the first period from the start, prorated."""

    def test_mid_month_start_bills_the_rest_of_the_month_then_whole_months(self):
        self.plan_basic.anchor_policy = "aligned"
        sub = self._active(self.plan_basic, date(2026, 2, 15))
        self.assertEqual(sub.date_anchor, date(2026, 2, 1))
        self.assertEqual(sub.date_service_start, date(2026, 2, 15))
        self.assertEqual(sub.date_next_invoice, date(2026, 2, 15))
        self._run_cron("2026-02-15")
        self._run_cron("2026-03-01")
        # 02-15 .. 02-28 is 14 of February's 28 days: 30 × 14/28.
        self.assertEqual(
            self._invoice_lines(sub),
            [
                ("2026-02-15", "Basic — 15 Feb 2026 to 28 Feb 2026", 15.0),
                ("2026-03-01", "Basic — 1 Mar 2026 to 31 Mar 2026", 30.0),
            ],
        )
        self.assertEqual(sub.date_next_invoice, date(2026, 4, 1))
        self.assertEvents(sub, [("2026-02-15", "start", 0.0, 30.0)])

    def test_start_on_the_first_of_the_month_is_not_prorated(self):
        self.plan_basic.anchor_policy = "aligned"
        sub = self._active(self.plan_basic, date(2026, 3, 1))
        self.assertFalse(sub.date_service_start)
        self._run_cron("2026-03-01")
        self.assertEqual(
            self._invoice_lines(sub),
            [("2026-03-01", "Basic — 1 Mar 2026 to 31 Mar 2026", 30.0)],
        )

    def test_yearly_plan_started_in_april_bills_the_rest_of_the_year(self):
        self.plan_annual.anchor_policy = "aligned"
        sub = self._active(self.plan_annual, date(2026, 4, 1))
        self._run_cron("2026-04-01")
        # 04-01 .. 12-31 is 275 of 365 days: 1200 × 275/365.
        self.assertEqual(
            self._invoice_lines(sub),
            [("2026-04-01", "Pro — 1 Apr 2026 to 31 Dec 2026", 904.11)],
        )
        self.assertEqual(sub.date_next_invoice, date(2027, 1, 1))
