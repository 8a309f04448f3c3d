from freezegun import freeze_time

from odoo.tests import tagged

from .common import RecurringCommon


@tagged("post_install", "-at_install")
class TestWorkedExample(RecurringCommon):
    """The change log of the story of mrr_analytics/doc/METRICS.md holds exactly its MRR changes."""

    def test_change_log_of_the_worked_example(self):
        subs = self._play_worked_example()
        self.assertEvents(
            subs["A"],
            [
                ("2026-01-10", "start", 0.0, 30.0),
                ("2026-02-15", "upgrade", 30.0, 50.0),
                ("2026-04-10", "downgrade", 50.0, 30.0),
            ],
        )
        self.assertEvents(
            subs["B"],
            [("2026-01-01", "start", 0.0, 100.0), ("2026-03-31", "cancel", 100.0, 0.0)],
        )
        self.assertEvents(
            subs["C"],
            [
                ("2026-01-20", "trial_start", 0.0, 0.0),
                ("2026-02-03", "conversion", 0.0, 30.0),
            ],
        )
        self.assertEvents(
            subs["D"],
            [("2026-01-05", "start", 0.0, 0.0), ("2026-03-10", "upgrade", 0.0, 30.0)],
        )
        self.assertEqual(
            subs["D"].event_ids.sorted("id").mapped("is_free"), [True, False]
        )
        self.assertEvents(
            subs["E"],
            [
                ("2026-02-02", "start", 0.0, 52.0),
                ("2026-03-01", "pause", 52.0, 0.0),
                ("2026-04-06", "resume", 0.0, 52.0),
            ],
        )

    def test_downgrade_waits_for_the_period_end_and_is_visible(self):
        sub = self._subscription(self.plan_pro)
        sub.action_start()
        with freeze_time("2026-03-20"):
            sub.action_change_plan(self.plan_basic)
        self.assertEqual(sub.plan_id, self.plan_pro)
        self.assertEqual(sub.pending_plan_id, self.plan_basic)
        self.assertEqual(str(sub.date_pending_change), "2026-04-10")
        sub.action_cancel_pending_change()
        self.assertFalse(sub.pending_plan_id)
        self.assertEqual(sub.mrr, 50.0)
