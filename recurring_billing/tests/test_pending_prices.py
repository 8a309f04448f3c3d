from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .test_pending_changes import PendingCommon


@tagged("post_install", "-at_install")
class TestPriceChanges(PendingCommon):
    """A new price of a running subscription applies from its next period."""

    def _billed_basic(self, **values):
        """Basic 30 from 2026-01-10, invoiced up to the period 02-10 .. 03-09."""
        sub = self._active(self.plan_basic, date(2026, 1, 10), **values)
        self._run_cron("2026-02-10")
        return sub

    def test_new_price_waits_for_the_next_period_and_bills_it(self):
        sub = self._billed_basic()
        with freeze_time("2026-02-20"):
            with Form(sub) as form, form.line_ids.edit(0) as line:
                line.price_unit = 36.0
            sub.invalidate_recordset()
            self.assertEqual(sub.line_ids.price_unit, 30.0)
            self.assertTrue(sub.line_ids.has_pending_price)
            self.assertEqual(sub.line_ids.pending_price_unit, 36.0)
            self.assertEqual(sub.date_pending_change, date(2026, 3, 10))
            self.assertEqual(sub.mrr, 30.0)
            self.assertIn("36.00", sub.preview_html)
            self.assertNotIn("30.00", sub.preview_html)
        self.assertEqual(len(sub.event_ids), 1)
        # The invoicing job may run before the lifecycle job on the first day.
        self._run_cron("2026-03-10")
        self._lifecycle("2026-03-10")
        self.assertEqual(sub.line_ids.price_unit, 36.0)
        self.assertFalse(sub.line_ids.has_pending_price)
        self.assertEqual(
            [move.amount_untaxed for move in self._invoices(sub)], [30.0, 30.0, 36.0]
        )
        self.assertEvents(
            sub,
            [
                ("2026-01-10", "start", 0.0, 30.0),
                ("2026-03-10", "upgrade", 30.0, 36.0),
            ],
        )

    def test_new_discount_is_a_downgrade_on_the_next_period_start(self):
        sub = self._billed_basic()
        with freeze_time("2026-02-20"):
            sub.line_ids.discount = 10.0
        self.assertEqual(sub.line_ids.discount, 0.0)
        self.assertEqual(sub.line_ids.pending_discount, 10.0)
        self.assertEqual(sub.line_ids.pending_price_unit, 30.0)
        self._lifecycle("2026-03-10")
        self._run_cron("2026-03-10")
        invoice = self._period_invoice(sub, "2026-03-10")
        self.assertEqual(invoice.invoice_line_ids.discount, 10.0)
        self.assertEqual(invoice.amount_untaxed, 27.0)
        self.assertEqual(self._period_invoice(sub, "2026-02-10").amount_untaxed, 30.0)
        self.assertEvents(
            sub,
            [
                ("2026-01-10", "start", 0.0, 30.0),
                ("2026-03-10", "downgrade", 30.0, 27.0),
            ],
        )

    def test_new_price_is_revocable(self):
        sub = self._billed_basic()
        with freeze_time("2026-02-20"):
            sub.line_ids.price_unit = 36.0
            sub.action_cancel_pending_change()
        self.assertFalse(sub.line_ids.has_pending_price)
        self.assertFalse(sub.date_pending_change)
        self._lifecycle("2026-03-10")
        self._run_cron("2026-03-10")
        self.assertEqual(self._period_invoice(sub, "2026-03-10").amount_untaxed, 30.0)
        self.assertEqual(len(sub.event_ids), 1)

    def test_setting_back_the_current_price_forgets_the_new_one(self):
        sub = self._billed_basic()
        with freeze_time("2026-02-20"):
            sub.line_ids.price_unit = 36.0
            sub.line_ids.price_unit = 30.0
        self.assertFalse(sub.line_ids.has_pending_price)
        self.assertFalse(sub.date_pending_change)

    def test_draft_subscription_takes_a_new_price_at_once(self):
        sub = self._subscription(self.plan_basic)
        sub.line_ids.price_unit = 36.0
        self.assertEqual(sub.line_ids.price_unit, 36.0)
        self.assertFalse(sub.line_ids.has_pending_price)
        self.assertFalse(sub.date_pending_change)

    def test_negative_new_price_is_refused_and_changes_nothing(self):
        sub = self._billed_basic()
        with self.assertRefused("cannot be negative"):
            sub.line_ids.price_unit = -5.0
        self.assertFalse(sub.line_ids.has_pending_price)
        self.assertFalse(sub.date_pending_change)
        with self.assertRefused("percentage between 0 and 100"):
            sub.line_ids.discount = 120.0
        self.assertFalse(sub.line_ids.has_pending_price)

    def test_new_price_during_the_trial_applies_at_conversion(self):
        sub = self._subscription(self.plan_basic_trial, date(2026, 1, 20))
        sub.action_start()
        with freeze_time("2026-01-25"):
            sub.line_ids.price_unit = 25.0
        self.assertEqual(sub.line_ids.price_unit, 30.0)
        self.assertEqual(sub.date_pending_change, date(2026, 2, 3))
        self._lifecycle("2026-02-03")
        self._run_cron("2026-02-03")
        self.assertEqual(sub.state, "active")
        self.assertEqual(sub.line_ids.price_unit, 25.0)
        self.assertEqual(self._invoices(sub).amount_untaxed, 25.0)
        self.assertEvents(
            sub,
            [
                ("2026-01-20", "trial_start", 0.0, 0.0),
                ("2026-02-03", "conversion", 0.0, 25.0),
            ],
        )

    def test_trial_ended_early_takes_the_new_price(self):
        sub = self._subscription(self.plan_basic_trial, date(2026, 1, 20))
        sub.action_start()
        with freeze_time("2026-01-25"):
            sub.line_ids.price_unit = 25.0
            sub.action_convert_trial()
        self.assertEqual(sub.line_ids.price_unit, 25.0)
        self.assertFalse(sub.date_pending_change)
        self.assertEqual(sub.mrr, 25.0)

    def test_period_in_arrears_is_billed_at_its_price_before_the_change(self):
        self.plan_basic.billing_mode = "arrears"
        sub = self._billed_basic()
        with freeze_time("2026-02-20"):
            sub.line_ids.price_unit = 36.0
        # The lifecycle job runs first: the period that just ended keeps its price.
        self._lifecycle("2026-03-10")
        self._run_cron("2026-03-10")
        self._run_cron("2026-04-10")
        self.assertEqual(
            [
                (str(move.invoice_date), move.amount_untaxed)
                for move in self._invoices(sub)
            ],
            [("2026-02-10", 30.0), ("2026-03-10", 30.0), ("2026-04-10", 36.0)],
        )
        self.assertEqual(
            self._period_invoice(sub, "2026-03-10").invoice_line_ids.name,
            "Basic — 10 Feb 2026 to 9 Mar 2026",
        )

    def test_cancelling_forgets_the_changes_planned(self):
        sub = self._billed_basic()
        with freeze_time("2026-02-20"):
            sub.line_ids.price_unit = 36.0
            sub.action_cancel()
        self.assertFalse(sub.line_ids.has_pending_price)
        self.assertFalse(sub.date_pending_change)
        self._lifecycle("2026-03-10")
        self.assertEqual(sub.line_ids.price_unit, 30.0)
        self.assertEqual(
            [e.event_type for e in sub.event_ids.sorted("id")], ["start", "cancel"]
        )

    def test_scheduled_downgrade_bills_the_new_plan_if_invoicing_runs_first(self):
        sub = self._active(self.plan_pro, date(2026, 1, 10))
        self._run_cron("2026-02-10")
        with freeze_time("2026-02-15"):
            sub.action_change_plan(self.plan_basic)
            self.assertIn("30.00", sub.preview_html)
        self._run_cron("2026-03-10")
        following = self._period_invoice(sub, "2026-03-10")
        self.assertEqual(following.amount_untaxed, 30.0)
        self.assertEqual(
            following.invoice_line_ids.name, "Basic — 10 Mar 2026 to 9 Apr 2026"
        )
        self._lifecycle("2026-03-10")
        self.assertEqual(sub.plan_id, self.plan_basic)
        self.assertEqual(len(self._invoices(sub)), 3)
