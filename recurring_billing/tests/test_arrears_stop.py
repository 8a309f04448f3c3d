from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .invoicing_common import InvoicingCommon


@tagged("post_install", "-at_install")
class TestArrearsStop(InvoicingCommon):
    """Basic 30/month billed in arrears from 2026-01-10: every day served is billed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan_basic.billing_mode = "arrears"

    def test_pause_bills_the_days_used_before_it(self):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        with freeze_time("2026-01-20"):
            sub.action_pause()
        with freeze_time("2026-02-15"):
            sub.action_resume()
        self._run_cron("2026-03-15")
        # 01-10 .. 01-19 is 10 of the 31 days of 01-10 .. 02-09: 30 × 10/31.
        self.assertEqual(
            self._invoice_lines(sub),
            [
                ("2026-01-20", "Basic — 10 Jan 2026 to 19 Jan 2026", 9.68),
                ("2026-03-15", "Basic — 15 Feb 2026 to 14 Mar 2026", 30.0),
            ],
        )

    def test_resume_keeping_the_anchor_bills_the_rest_of_the_paused_period(self):
        self.plan_basic.resume_policy = "keep_anchor"
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        with freeze_time("2026-01-20"):
            sub.action_pause()
        with freeze_time("2026-02-01"):
            sub.action_resume()
        self._run_cron("2026-02-10")
        # Before the pause 10 days, after the resume 9 (02-01 .. 02-09), of 31.
        self.assertEqual(
            self._invoice_lines(sub),
            [
                ("2026-01-20", "Basic — 10 Jan 2026 to 19 Jan 2026", 9.68),
                ("2026-02-10", "Basic — 1 Feb 2026 to 9 Feb 2026", 8.71),
            ],
        )
        self.assertEqual(sub.date_next_invoice, date(2026, 3, 10))

    def test_cancel_now_bills_the_periods_over_and_the_days_used_until_today(self):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        with freeze_time("2026-02-20"):
            sub.action_cancel()
        # The job had not run: January's period is billed too, with its own date.
        self.assertEqual(
            self._invoice_lines(sub),
            [
                ("2026-02-10", "Basic — 10 Jan 2026 to 9 Feb 2026", 30.0),
                ("2026-02-20", "Basic — 10 Feb 2026 to 20 Feb 2026", 11.79),
            ],
        )
        self._run_cron("2026-03-10")
        self.assertEqual(len(self._invoices(sub)), 2)
