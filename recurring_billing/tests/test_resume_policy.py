from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .invoicing_common import InvoicingCommon


@tagged("post_install", "-at_install")
class TestResumePolicy(InvoicingCommon):
    """Basic 30/month from 2026-01-10, paused on 01-20, resumed as the plan says.

    The pause credits the days paid ahead: 01-20 .. 02-09 is 21 of the 31 days of
    01-10 .. 02-09, 30 x 21/31 = 20.32.
    """

    CREDIT = ("2026-01-20", "Basic, unused — 20 Jan 2026 to 9 Feb 2026", 20.32)

    def _paused_basic(self):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        self._run_cron("2026-01-10")
        with freeze_time("2026-01-20"):
            sub.action_pause()
        return sub

    def test_restart_starts_a_new_full_period_on_the_resume_day(self):
        self.assertEqual(self.plan_basic.resume_policy, "restart")
        sub = self._paused_basic()
        with freeze_time("2026-02-15"):
            sub.action_resume()
        self.assertEqual(sub.date_anchor, date(2026, 2, 15))
        self.assertEqual(sub.date_next_invoice, date(2026, 2, 15))
        self._run_cron("2026-02-15")
        self._run_cron("2026-03-15")
        self.assertEqual(
            self._invoice_lines(sub),
            [
                ("2026-01-10", "Basic — 10 Jan 2026 to 9 Feb 2026", 30.0),
                self.CREDIT,
                ("2026-02-15", "Basic — 15 Feb 2026 to 14 Mar 2026", 30.0),
                ("2026-03-15", "Basic — 15 Mar 2026 to 14 Apr 2026", 30.0),
            ],
        )
        self.assertEvents(
            sub,
            [
                ("2026-01-10", "start", 0.0, 30.0),
                ("2026-01-20", "pause", 30.0, 0.0),
                ("2026-02-15", "resume", 0.0, 30.0),
            ],
        )

    def test_keep_anchor_prorates_the_first_period_to_the_next_anchor_date(self):
        with Form(self.plan_basic) as plan:
            plan.resume_policy = "keep_anchor"
        sub = self._paused_basic()
        with freeze_time("2026-02-15"):
            sub.action_resume()
            self.assertEqual(sub.date_anchor, date(2026, 1, 10))
            self.assertEqual(sub.date_service_start, date(2026, 2, 15))
            self.assertEqual(sub.date_next_invoice, date(2026, 2, 15))
            self.assertEqual(sub.preview_date_start, date(2026, 2, 15))
            self.assertEqual(sub.preview_date_end, date(2026, 3, 9))
            self.assertIn("24.64", sub.preview_html)
        self._run_cron("2026-02-15")
        self._run_cron("2026-03-10")
        # 02-15 .. 03-09 is 23 of the 28 days of 02-10 .. 03-09: 30 × 23/28.
        self.assertEqual(
            self._invoice_lines(sub),
            [
                ("2026-01-10", "Basic — 10 Jan 2026 to 9 Feb 2026", 30.0),
                self.CREDIT,
                ("2026-02-15", "Basic — 15 Feb 2026 to 9 Mar 2026", 24.64),
                ("2026-03-10", "Basic — 10 Mar 2026 to 9 Apr 2026", 30.0),
            ],
        )
        prorated = sub.period_ids.filtered(lambda p: p.period_index == 1)
        self.assertEqual(
            (prorated.date_start, prorated.date_end),
            (date(2026, 2, 15), date(2026, 3, 9)),
        )
        self.assertEqual(sub.mrr, 30.0)
        self.assertEvents(
            sub,
            [
                ("2026-01-10", "start", 0.0, 30.0),
                ("2026-01-20", "pause", 30.0, 0.0),
                ("2026-02-15", "resume", 0.0, 30.0),
            ],
        )

    def test_keep_anchor_in_the_period_paid_before_the_pause_bills_its_days_again(
        self,
    ):
        # Credited at the pause from 01-20; resumed on 02-05: 02-05 .. 02-09 are
        # served again, 5 of 31 days, 30 x 5/31 = 4.84. The period stays the same.
        self.plan_basic.resume_policy = "keep_anchor"
        sub = self._paused_basic()
        with freeze_time("2026-02-05"):
            sub.action_resume()
        self.assertFalse(sub.date_service_start)
        self.assertEqual(sub.date_next_invoice, date(2026, 2, 10))
        self._run_cron("2026-02-05")
        self._run_cron("2026-02-10")
        self.assertEqual(
            self._invoice_lines(sub),
            [
                ("2026-01-10", "Basic — 10 Jan 2026 to 9 Feb 2026", 30.0),
                self.CREDIT,
                ("2026-02-05", "Basic — 5 Feb 2026 to 9 Feb 2026", 4.84),
                ("2026-02-10", "Basic — 10 Feb 2026 to 9 Mar 2026", 30.0),
            ],
        )

    def test_keep_anchor_skips_the_periods_of_a_long_pause(self):
        self.plan_basic.resume_policy = "keep_anchor"
        sub = self._paused_basic()
        with freeze_time("2026-04-20"):
            sub.action_resume()
        self._run_cron("2026-04-20")
        # 04-20 .. 05-09 is 20 of the 30 days of 04-10 .. 05-09.
        self.assertEqual(
            self._invoice_lines(sub),
            [
                ("2026-01-10", "Basic — 10 Jan 2026 to 9 Feb 2026", 30.0),
                self.CREDIT,
                ("2026-04-20", "Basic — 20 Apr 2026 to 9 May 2026", 20.0),
            ],
        )
        self.assertEqual(sub.date_next_invoice, date(2026, 5, 10))

    def test_changes_waiting_for_the_next_period_start_with_the_restart(self):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        self._run_cron("2026-01-10")
        with freeze_time("2026-01-15"):
            sub.line_ids.price_unit = 36.0
            sub.action_pause()
        self.assertEqual(sub.date_pending_change, date(2026, 2, 10))
        with freeze_time("2026-01-25"):
            sub.action_resume()
        self.assertEqual(sub.line_ids.price_unit, 36.0)
        self.assertFalse(sub.date_pending_change)
        self._run_cron("2026-01-25")
        self.assertEqual(
            self._invoice_lines(sub)[-1],
            ("2026-01-25", "Basic — 25 Jan 2026 to 24 Feb 2026", 36.0),
        )
        self.assertEvents(
            sub,
            [
                ("2026-01-10", "start", 0.0, 30.0),
                ("2026-01-15", "pause", 30.0, 0.0),
                ("2026-01-25", "resume", 0.0, 36.0),
            ],
        )
