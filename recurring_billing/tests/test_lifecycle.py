from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RecurringCommon


@tagged("post_install", "-at_install")
class TestLifecycle(RecurringCommon):
    def test_start_without_trial_is_active_with_first_period(self):
        sub = self._subscription(self.plan_basic, start=date(2026, 1, 31))
        self.assertTrue(sub.name.startswith("SUB/"))
        with freeze_time("2026-01-31"):
            sub.action_start()
        self.assertEqual(sub.state, "active")
        self.assertEqual(sub.mrr, 30.0)
        self.assertEqual(sub.date_anchor, date(2026, 1, 31))
        self.assertEqual(sub.date_next_invoice, date(2026, 1, 31))
        with freeze_time("2026-03-05"):
            sub.invalidate_recordset(["date_period_start", "date_period_end"])
            self.assertEqual(sub.date_period_start, date(2026, 2, 28))
            self.assertEqual(sub.date_period_end, date(2026, 3, 30))
        self.assertEvents(sub, [("2026-01-31", "start", 0.0, 30.0)])

    def test_start_on_trial_plan_gives_trial_without_mrr(self):
        sub = self._subscription(self.plan_basic_trial, start=date(2026, 1, 20))
        sub.action_start()
        self.assertEqual(sub.state, "trial")
        self.assertEqual(sub.date_trial_end, date(2026, 2, 3))
        self.assertEqual(sub.mrr, 0.0)
        self.assertFalse(sub.date_next_invoice)
        self.assertEvents(sub, [("2026-01-20", "trial_start", 0.0, 0.0)])

    def test_starting_several_at_once_gives_each_its_own_day_and_kind(self):
        partners = self.env["res.partner"].create(
            [{"name": f"Starter {n}", "street": "1 Road"} for n in range(3)]
        )
        early = self._subscription(self.plan_basic, date(2026, 1, 31), partners[0])
        late = self._subscription(self.plan_basic, date(2026, 2, 10), partners[1])
        trial = self._subscription(
            self.plan_basic_trial, date(2026, 1, 31), partners[2]
        )
        (early | late | trial).action_start()
        self.assertEqual(
            [(s.state, s.date_anchor) for s in (early, late)],
            [("active", date(2026, 1, 31)), ("active", date(2026, 2, 10))],
        )
        self.assertEqual(trial.state, "trial")
        self.assertEqual(trial.date_trial_end, date(2026, 2, 14))
        self.assertEvents(early, [("2026-01-31", "start", 0.0, 30.0)])
        self.assertEvents(late, [("2026-02-10", "start", 0.0, 30.0)])
        self.assertEvents(trial, [("2026-01-31", "trial_start", 0.0, 0.0)])

    def test_trial_converts_on_its_end_date_by_scheduled_action(self):
        sub = self._subscription(self.plan_basic_trial, start=date(2026, 1, 20))
        sub.action_start()
        with freeze_time("2026-02-02"):
            self.env["recurring.subscription"]._cron_lifecycle()
        self.assertEqual(sub.state, "trial")
        with freeze_time("2026-02-03"):
            self.env["recurring.subscription"]._cron_lifecycle()
        self.assertEqual(sub.state, "active")
        self.assertEqual(sub.date_anchor, date(2026, 2, 3))
        self.assertEqual(sub.date_next_invoice, date(2026, 2, 3))
        self.assertEvents(
            sub,
            [
                ("2026-01-20", "trial_start", 0.0, 0.0),
                ("2026-02-03", "conversion", 0.0, 30.0),
            ],
        )

    def test_trial_ended_early_starts_its_first_period_that_day(self):
        sub = self._subscription(self.plan_basic_trial, start=date(2026, 1, 20))
        sub.action_start()
        with freeze_time("2026-01-25"):
            # "End trial now", five days into a trial planned until 3 Feb.
            sub.action_convert_trial()
            sub._cron_generate_invoices()
        # Paid service starts on 25 Jan: the first period is 25 Jan .. 24 Feb,
        # invoiced 30.00 that day, and the conversion (New MRR 30) is dated then.
        self.assertEqual(sub.date_anchor, date(2026, 1, 25))
        self.assertEqual(sub.date_trial_end, date(2026, 1, 25))
        self.assertEqual(
            [
                (move.invoice_date, line.name, line.price_subtotal)
                for move in sub.invoice_ids
                for line in move.invoice_line_ids
            ],
            [(date(2026, 1, 25), "Basic — 25 Jan 2026 to 24 Feb 2026", 30.0)],
        )
        self.assertEvents(
            sub,
            [
                ("2026-01-20", "trial_start", 0.0, 0.0),
                ("2026-01-25", "conversion", 0.0, 30.0),
            ],
        )

    def test_trial_ended_early_bills_the_price_set_for_its_end(self):
        # Trial of Basic 30 from 20 Jan, planned until 3 Feb; on 22 Jan the price is
        # set to 50, for the first paid period. "End trial now" on 25 Jan: the first
        # period starts then and bills 50.00; the conversion is New MRR 50 that day.
        sub = self._subscription(self.plan_basic_trial, start=date(2026, 1, 20))
        sub.action_start()
        with freeze_time("2026-01-22"):
            sub.line_ids.price_unit = 50.0
        self.assertEqual(sub.date_pending_change, date(2026, 2, 3))
        with freeze_time("2026-01-25"):
            sub.action_convert_trial()
            sub._cron_generate_invoices()
        self.assertEqual(sub.invoice_ids.amount_untaxed, 50.0)
        self.assertFalse(sub.date_pending_change)
        self.assertEvents(
            sub,
            [
                ("2026-01-20", "trial_start", 0.0, 0.0),
                ("2026-01-25", "conversion", 0.0, 50.0),
            ],
        )

    def test_trial_converted_late_by_the_job_starts_on_its_planned_end(self):
        sub = self._subscription(self.plan_basic_trial, start=date(2026, 1, 20))
        sub.action_start()
        with freeze_time("2026-02-05"):
            # The job did not run on 3 Feb, the trial's end: service began then.
            self.env["recurring.subscription"]._cron_lifecycle()
        self.assertEqual(sub.date_anchor, date(2026, 2, 3))
        self.assertEvents(
            sub,
            [
                ("2026-01-20", "trial_start", 0.0, 0.0),
                ("2026-02-03", "conversion", 0.0, 30.0),
            ],
        )

    def test_trial_needing_payment_method_does_not_convert_manual(self):
        self.plan_basic_trial.trial_requires_payment_method = True
        sub = self._subscription(self.plan_basic_trial, start=date(2026, 1, 20))
        sub.action_start()
        with self.assertRaisesRegex(UserError, "needs a payment method"):
            sub.action_convert_trial()
        with freeze_time("2026-02-03"):
            self.env["recurring.subscription"]._cron_lifecycle()
        self.assertEqual(sub.state, "trial")
        self.assertIn("needs a payment method", sub.message_ids[0].body)

    def test_pause_then_automatic_resume_starts_new_period(self):
        sub = self._subscription(self.plan_weekly, start=date(2026, 2, 2))
        sub.action_start()
        self.assertEqual(sub.mrr, 52.0)
        with freeze_time("2026-03-01"):
            sub.action_pause(date_resume=date(2026, 4, 6))
        self.assertEqual(sub.state, "paused")
        self.assertEqual(sub.mrr, 0.0)
        self.assertFalse(sub.date_next_invoice)
        with freeze_time("2026-04-06"):
            self.env["recurring.subscription"]._cron_lifecycle()
        self.assertEqual(sub.state, "active")
        self.assertEqual(sub.date_anchor, date(2026, 4, 6))
        self.assertEqual(sub.date_next_invoice, date(2026, 4, 6))
        self.assertEvents(
            sub,
            [
                ("2026-02-02", "start", 0.0, 52.0),
                ("2026-03-01", "pause", 52.0, 0.0),
                ("2026-04-06", "resume", 0.0, 52.0),
            ],
        )

    def test_cancel_now_stops_mrr_and_invoicing(self):
        reason = self.env.ref("recurring_billing.cancel_reason_price")
        sub = self._subscription(self.plan_annual, start=date(2026, 1, 1))
        sub.action_start()
        self.assertEqual(sub.mrr, 100.0)
        with freeze_time("2026-03-31"):
            sub.action_cancel(reason=reason)
        self.assertEqual(sub.state, "cancelled")
        self.assertEqual(sub.date_end, date(2026, 3, 31))
        self.assertEqual(sub.cancel_reason_id, reason)
        self.assertFalse(sub.date_next_invoice)
        self.assertEvents(
            sub,
            [("2026-01-01", "start", 0.0, 100.0), ("2026-03-31", "cancel", 100.0, 0.0)],
        )

    def test_cancel_at_period_end_is_revocable_then_ends_by_schedule(self):
        sub = self._subscription(self.plan_basic, start=date(2026, 1, 10))
        sub.action_start()
        with freeze_time("2026-03-15"):
            sub.action_cancel(at_period_end=True)
            self.assertEqual(sub.date_end, date(2026, 4, 9))
            self.assertEqual(sub.state, "active")
            sub.action_revoke_cancel()
            self.assertFalse(sub.date_end)
            sub.action_cancel(at_period_end=True)
        with freeze_time("2026-04-09"):
            self.env["recurring.subscription"]._cron_lifecycle()
        self.assertEqual(sub.state, "active")
        with freeze_time("2026-04-10"):
            self.env["recurring.subscription"]._cron_lifecycle()
        self.assertEqual(sub.state, "cancelled")
        self.assertEvents(
            sub,
            [("2026-01-10", "start", 0.0, 30.0), ("2026-04-09", "cancel", 30.0, 0.0)],
        )

    def test_reactivation_of_cancelled_subscription_starts_today(self):
        sub = self._subscription(self.plan_basic, start=date(2026, 1, 10))
        sub.action_start()
        with freeze_time("2026-02-01"):
            sub.action_cancel()
        with freeze_time("2026-05-20"):
            sub.action_reactivate()
        self.assertEqual(sub.state, "active")
        self.assertEqual(sub.date_anchor, date(2026, 5, 20))
        self.assertFalse(sub.date_end)
        self.assertEqual(sub.event_ids.sorted("id")[-1].event_type, "reactivation")
        self.assertEqual(sub.mrr, 30.0)

    def test_fixed_term_ends_after_its_periods_and_can_be_renewed(self):
        self.plan_basic.write({"term_type": "fixed", "term_periods": 3})
        sub = self._subscription(self.plan_basic, start=date(2026, 1, 10))
        sub.action_start()
        self.assertEqual(sub.date_end, date(2026, 4, 9))
        sub.action_renew()
        self.assertEqual(sub.date_end, date(2026, 7, 9))
        with freeze_time("2026-07-10"):
            self.env["recurring.subscription"]._cron_lifecycle()
        self.assertEqual(sub.state, "cancelled")
        self.assertEqual(
            [e.event_type for e in sub.event_ids.sorted("id")],
            ["start", "renewal", "end"],
        )

    def test_bad_transitions_are_refused_and_change_nothing(self):
        trial = self._subscription(self.plan_basic_trial)
        trial.action_start()
        with self.assertRaisesRegex(UserError, "is in trial: it cannot be paused"):
            trial.action_pause()
        active = self._subscription(self.plan_basic)
        active.action_start()
        with self.assertRaisesRegex(UserError, "is active: it cannot be reactivated"):
            active.action_reactivate()
        active.action_cancel()
        with self.assertRaisesRegex(UserError, "is cancelled: it cannot be paused"):
            active.action_pause()
        with self.assertRaisesRegex(
            UserError, "cancelled subscription cannot be changed"
        ):
            active.line_ids.quantity = 2
        self.assertEqual(trial.state, "trial")
        self.assertEqual(len(active.event_ids), 2)

    def test_paid_plan_without_lines_cannot_start(self):
        sub = self._subscription(self.plan_basic)
        sub.line_ids.unlink()
        with self.assertRaisesRegex(UserError, "has no lines"):
            sub.action_start()
        self.assertEqual(sub.state, "draft")
        self.assertFalse(sub.event_ids)

    def test_trial_reminder_is_mailed_once_before_the_trial_ends(self):
        self.customer.email = "customer@example.com"
        sub = self._subscription(self.plan_basic_trial, start=date(2026, 1, 20))
        sub.action_start()
        with freeze_time("2026-01-30"):
            self.env["recurring.subscription"]._cron_lifecycle()
        self.assertFalse(sub.trial_reminder_sent)
        with freeze_time("2026-01-31"):
            self.env["recurring.subscription"]._cron_lifecycle()
            self.env["recurring.subscription"]._cron_lifecycle()
        reminders = sub.message_ids.filtered(lambda m: "ends on" in (m.subject or ""))
        self.assertEqual(len(reminders), 1)
        self.assertIn(self.customer, reminders.partner_ids)
        self.assertTrue(sub.trial_reminder_sent)

    def test_no_trial_reminder_once_the_trial_has_ended(self):
        # The 14-day trial from 01-20 ends on 02-03; the job, down since 01-29, runs
        # again on 02-05: the trial converts, and no mail says it "ends on" 02-03.
        self.customer.email = "customer@example.com"
        sub = self._subscription(self.plan_basic_trial, start=date(2026, 1, 20))
        sub.action_start()
        with freeze_time("2026-02-05"):
            self.env["recurring.subscription"]._cron_lifecycle()
        self.assertEqual(sub.state, "active")
        reminders = sub.message_ids.filtered(lambda m: "ends on" in (m.subject or ""))
        self.assertFalse(reminders)

    def test_last_arrears_period_is_invoiced_before_the_subscription_ends(self):
        self.plan_basic.billing_mode = "arrears"
        sub = self._subscription(self.plan_basic, start=date(2026, 1, 10))
        sub.action_start()
        with freeze_time("2026-02-10"):
            sub.action_invoice_now()
        with freeze_time("2026-02-20"):
            sub.action_cancel(at_period_end=True)
        self.assertEqual(sub.date_end, date(2026, 3, 9))
        with freeze_time("2026-03-10"):
            self.env["recurring.subscription"]._cron_lifecycle()
        self.assertEqual(sub.state, "cancelled")
        self.assertEqual(
            sorted(sub.invoice_ids.mapped("invoice_date")),
            [date(2026, 2, 10), date(2026, 3, 10)],
        )
