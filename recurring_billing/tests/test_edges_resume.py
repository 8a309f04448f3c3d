"""Resume and reactivation in the period paid ahead: the days paid before a pause or a
cancellation are never billed twice, a fixed term keeps its end (doc/BILLING.md, Pause;
"Edge paths" row 8)."""

from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .invoicing_common import InvoicingCommon


@tagged("post_install", "-at_install")
class TestResumeEdges(InvoicingCommon):
    def test_pause_credits_the_days_paid_ahead_and_the_resume_bills_none_twice(self):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        self._run_cron("2026-01-10")
        with freeze_time("2026-01-20"):
            sub.action_pause()
        with freeze_time("2026-01-25"):
            sub.action_resume()
        self._run_cron("2026-01-25")
        # Paid 10 Jan .. 9 Feb (31 days); paused on 20 Jan: 20 Jan .. 9 Feb, 21 days,
        # are credited, -30 x 21/31 = -20.32, the paused days included. The new
        # period 25 Jan .. 24 Feb is billed in full and nothing more is credited:
        # 30 - 20.32 + 30 = 39.68 = 10 days served (9.68) + the new period.
        self.assertEqual(
            self._signed_lines(sub),
            [("2026-01-10", 30.0), ("2026-01-20", -20.32), ("2026-01-25", 30.0)],
        )

    def test_pause_on_the_first_day_of_a_paid_period_then_reactivation_credits_once(
        self,
    ):
        # Feb 10 .. Mar 9 billed on Feb 10, paused the same day: all 28 days are
        # credited, -30. Cancelled while paused and reactivated on Feb 20: the days
        # were credited already, nothing more; a new period starts on Feb 20.
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        self._run_cron("2026-01-10")
        self._run_cron("2026-02-10")
        with freeze_time("2026-02-10"):
            sub.action_pause()
        with freeze_time("2026-02-15"):
            sub.action_cancel()
        with freeze_time("2026-02-20"):
            sub.action_reactivate()
        self._run_cron("2026-02-20")
        self.assertEqual(
            self._signed_lines(sub),
            [
                ("2026-01-10", 30.0),
                ("2026-02-10", 30.0),
                ("2026-02-10", -30.0),
                ("2026-02-20", 30.0),
            ],
        )

    def test_reactivation_in_the_paid_period_credits_the_days_billed_again(self):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        self._run_cron("2026-01-10")
        with freeze_time("2026-01-20"):
            sub.action_cancel()
        with freeze_time("2026-01-25"):
            sub.action_reactivate()
        self._run_cron("2026-01-25")
        # Cancelled without credit: 25 Jan .. 9 Feb were paid, 16 of 31 days: -15.48.
        self.assertEqual(
            self._signed_lines(sub),
            [("2026-01-10", 30.0), ("2026-01-25", -15.48), ("2026-01-25", 30.0)],
        )

    def test_reactivation_after_a_credited_cancel_credits_nothing_more(self):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        self._run_cron("2026-01-10")
        with freeze_time("2026-01-20"):
            sub.action_cancel(credit_unused=True)
        with freeze_time("2026-01-25"):
            sub.action_reactivate()
        self._run_cron("2026-01-25")
        # 21 Jan .. 9 Feb credited at the cancellation: 20 of 31 days, -19.35; the
        # days from 25 Jan are not paid any more, so nothing else is credited.
        self.assertEqual(
            self._signed_lines(sub),
            [("2026-01-10", 30.0), ("2026-01-20", -19.35), ("2026-01-25", 30.0)],
        )

    def test_reactivation_on_the_day_of_a_cancel_before_the_job_ran_bills_it_once(
        self,
    ):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        self._run_cron("2026-01-10")
        with freeze_time("2026-02-15"):
            sub.action_cancel()
            sub.action_reactivate()
        self._run_cron("2026-02-15")
        # The cancel billed the days used of the period the job had not billed,
        # 10 .. 15 Feb: 30 x 6/28 = 6.43. Reactivated that day, a new period starts
        # on 15 Feb: 30. 15 Feb, billed by both, is credited once: -30 x 1/28 =
        # -1.07.
        self.assertEqual(
            self._signed_lines(sub),
            [
                ("2026-01-10", 30.0),
                ("2026-02-10", 6.43),
                ("2026-02-15", -1.07),
                ("2026-02-15", 30.0),
            ],
        )

    def test_reactivation_on_the_first_day_of_a_period_cancelled_before_the_job_ran(
        self,
    ):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        self._run_cron("2026-01-10")
        with freeze_time("2026-02-10"):
            sub.action_cancel()
            sub.action_reactivate()
        self._run_cron("2026-02-10")
        # The cancel billed 10 Feb, the one day used of the period the job had not
        # billed: 30 x 1/28 = 1.07. Reactivated that day, the new period 10 Feb ..
        # 9 Mar starts on the same day and is billed, 30; 10 Feb, billed by both,
        # is credited once: -1.07.
        self.assertEqual(
            self._signed_lines(sub),
            [
                ("2026-01-10", 30.0),
                ("2026-02-10", 1.07),
                ("2026-02-10", -1.07),
                ("2026-02-10", 30.0),
            ],
        )

    def test_resumed_fixed_term_keeps_its_term(self):
        self.plan_basic.write({"term_type": "fixed", "term_periods": 3})
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        with freeze_time("2026-02-01"):
            sub.action_pause()
        with freeze_time("2026-02-15"):
            sub.action_resume()
        # Term of three months from 10 Jan: it still ends on 9 Apr, not 14 May.
        self.assertEqual(sub.date_end, date(2026, 4, 9))

    def test_resume_keeps_a_cancellation_planned_at_period_end(self):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        self._run_cron("2026-01-10")
        with freeze_time("2026-01-15"):
            sub.action_cancel(at_period_end=True)
        self.assertEqual(sub.date_end, date(2026, 2, 9))
        with freeze_time("2026-01-20"):
            sub.action_pause()
        with freeze_time("2026-01-25"):
            sub.action_resume()
        # The customer asked to leave on 9 Feb: resuming restarts the periods on
        # 25 Jan (25 Jan .. 24 Feb, 31 days) but keeps that end, so only 25 Jan ..
        # 9 Feb, 16 days, are billed: 30 x 16/31 = 15.48.
        self.assertTrue(sub.cancel_at_period_end)
        self.assertEqual(sub.date_end, date(2026, 2, 9))
        self._run_cron("2026-01-25")
        self.assertEqual(
            self._signed_lines(sub),
            [("2026-01-10", 30.0), ("2026-01-20", -20.32), ("2026-01-25", 15.48)],
        )
        with freeze_time("2026-02-10"):
            self.env["recurring.subscription"]._cron_lifecycle()
        self.assertEqual(sub.state, "cancelled")
