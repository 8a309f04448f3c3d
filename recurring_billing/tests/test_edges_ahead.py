"""Periods invoiced ahead of their billing date ("Invoice now" when nothing is due):
every later step that credits or charges days also covers them (doc/BILLING.md)."""

from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .invoicing_common import InvoicingCommon


@tagged("post_install", "-at_install")
class TestBilledAhead(InvoicingCommon):
    def _basic_invoiced_ahead(self):
        """Basic 30/month from 2026-01-10; on 01-20 "Invoice now" bills 02-10..03-09."""
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        self._run_cron("2026-01-10")
        with freeze_time("2026-01-20"):
            sub.action_invoice_now()
        self.assertEqual(
            self._signed_lines(sub), [("2026-01-10", 30.0), ("2026-01-20", 30.0)]
        )
        return sub

    def test_cancel_with_credit_credits_the_period_invoiced_ahead(self):
        # Cancelled on 01-25, today used: 01-26..02-09 is 15 of 31 days, -30 x 15/31
        # = -14.52; 02-10..03-09 is never served: -30.
        sub = self._basic_invoiced_ahead()
        with freeze_time("2026-01-25"):
            sub.action_cancel(credit_unused=True)
        self.assertEqual(
            self._signed_lines(sub)[2:], [("2026-01-25", -14.52), ("2026-01-25", -30.0)]
        )

    def test_pause_credits_the_period_invoiced_ahead(self):
        # Paused on 01-25: 01-25..02-09 is 16 of 31 days, -30 x 16/31 = -15.48, and
        # the whole of 02-10..03-09, -30.
        sub = self._basic_invoiced_ahead()
        with freeze_time("2026-01-25"):
            sub.action_pause()
        self.assertEqual(
            self._signed_lines(sub)[2:], [("2026-01-25", -15.48), ("2026-01-25", -30.0)]
        )

    def test_upgrade_charges_the_new_price_on_the_period_invoiced_ahead(self):
        # Basic 30 -> Pro 50 on 01-25: 16 of 31 days left in January's period,
        # -30 x 16/31 = -15.48 and +50 x 16/31 = 25.81; the period invoiced ahead,
        # all of it: -30 and +50. The next invoice, on 03-10, is Pro 50.
        sub = self._basic_invoiced_ahead()
        with freeze_time("2026-01-25"):
            sub.action_change_plan(self.plan_pro)
        self.assertEqual(
            self._signed_lines(sub)[2:],
            [
                ("2026-01-25", -15.48),
                ("2026-01-25", 25.81),
                ("2026-01-25", -30.0),
                ("2026-01-25", 50.0),
            ],
        )
        self._run_cron("2026-02-10")
        self._run_cron("2026-03-10")
        self.assertEqual(self._signed_lines(sub)[-1], ("2026-03-10", 50.0))
        self.assertEqual(len(self._signed_lines(sub)), 7)

    def test_resume_keeping_the_anchor_charges_the_period_invoiced_ahead_again(self):
        # Paused on 01-25 (credits -15.48 and -30 as above), resumed on 02-01 keeping
        # the anchor: 02-01..02-09 is 9 of 31 days, +30 x 9/31 = 8.71, and the period
        # invoiced ahead, all of it, +30. Nothing more on 02-10.
        self.plan_basic.resume_policy = "keep_anchor"
        sub = self._basic_invoiced_ahead()
        with freeze_time("2026-01-25"):
            sub.action_pause()
        with freeze_time("2026-02-01"):
            sub.action_resume()
        self._run_cron("2026-02-10")
        self.assertEqual(
            self._signed_lines(sub)[4:], [("2026-02-01", 8.71), ("2026-02-01", 30.0)]
        )
        self.assertEqual(sub.date_next_invoice, date(2026, 3, 10))

    def test_resume_after_a_pause_over_a_period_invoiced_ahead_charges_its_days(self):
        # Paused on 01-25 (credits -15.48 and the whole of 02-10..03-09, -30),
        # resumed on 02-15 keeping the anchor: 02-15..03-09 is 23 of 28 days of the
        # period invoiced ahead, served after all: +30 x 23/28 = 24.64.
        self.plan_basic.resume_policy = "keep_anchor"
        sub = self._basic_invoiced_ahead()
        with freeze_time("2026-01-25"):
            sub.action_pause()
        with freeze_time("2026-02-15"):
            sub.action_resume()
        self._run_cron("2026-02-15")
        self.assertEqual(self._signed_lines(sub)[4:], [("2026-02-15", 24.64)])
        self.assertEqual(sub.date_next_invoice, date(2026, 3, 10))

    def test_restart_after_a_pause_over_a_period_invoiced_ahead_credits_nothing_more(
        self,
    ):
        # The pause on 01-25 credited all of 02-10..03-09; resumed on 02-15 with a
        # new period: 30 for 02-15..03-14 and no second credit.
        sub = self._basic_invoiced_ahead()
        with freeze_time("2026-01-25"):
            sub.action_pause()
        with freeze_time("2026-02-15"):
            sub.action_resume()
        self._run_cron("2026-02-15")
        self.assertEqual(self._signed_lines(sub)[4:], [("2026-02-15", 30.0)])

    def test_cancel_credits_the_period_invoiced_ahead_at_the_price_it_was_billed(self):
        # Pro 50 from 01-10; on 01-15 a downgrade to Basic 30 is planned for 02-10;
        # on 01-20 "Invoice now" bills 02-10..03-09 at Basic 30. Cancelled with
        # credit on 01-25: -50 x 15/31 = -24.19 for January's period and -30, what
        # the period invoiced ahead was billed, not -50.
        sub = self._active(self.plan_pro, date(2026, 1, 10))
        self._run_cron("2026-01-10")
        with freeze_time("2026-01-15"):
            sub.action_change_plan(self.plan_basic)
        with freeze_time("2026-01-20"):
            sub.action_invoice_now()
        with freeze_time("2026-01-25"):
            sub.action_cancel(credit_unused=True)
        self.assertEqual(
            self._signed_lines(sub),
            [
                ("2026-01-10", 50.0),
                ("2026-01-20", 30.0),
                ("2026-01-25", -24.19),
                ("2026-01-25", -30.0),
            ],
        )

    def _lifecycle_and_cron(self, day):
        with freeze_time(day):
            self.Subscription._cron_lifecycle()
        self._run_cron(day)

    def test_move_to_yearly_at_period_end_comes_after_the_period_invoiced_ahead(self):
        # 02-10..03-09 was invoiced ahead at Basic 30 on 01-20; on 01-25 the customer
        # asks for Annual 1 200 at the end of the period. The month invoiced ahead is
        # served as it was billed, so the year starts after it, on 03-10:
        # 30 (01-10), 30 (invoiced ahead), then 1 200 for 2026-03-10..2027-03-09.
        sub = self._basic_invoiced_ahead()
        with freeze_time("2026-01-25"):
            sub.action_change_plan(self.plan_annual, when="period_end")
        self.assertEqual(sub.date_pending_change, date(2026, 3, 10))
        for day in ("2026-02-10", "2026-03-10", "2026-04-10"):
            self._lifecycle_and_cron(day)
        self.assertEqual(
            self._signed_lines(sub),
            [("2026-01-10", 30.0), ("2026-01-20", 30.0), ("2026-03-10", 1200.0)],
        )
        self.assertEqual(sub.plan_id, self.plan_annual)
        self.assertEqual(sub.date_next_invoice, date(2027, 3, 10))

    def test_downgrade_at_period_end_comes_after_the_period_invoiced_ahead(self):
        # Pro 50 from 01-10; 02-10..03-09 invoiced ahead at 50 on 01-20; on 01-25 a
        # downgrade to Basic 30 at the end of the period. February was billed 50 and
        # is served on Pro: Basic starts on 03-10, billed 30; no credit, no charge.
        sub = self._active(self.plan_pro, date(2026, 1, 10))
        self._run_cron("2026-01-10")
        with freeze_time("2026-01-20"):
            sub.action_invoice_now()
        with freeze_time("2026-01-25"):
            sub.action_change_plan(self.plan_basic)
        self.assertEqual(sub.date_pending_change, date(2026, 3, 10))
        self._lifecycle_and_cron("2026-02-10")
        self.assertEqual(sub.plan_id, self.plan_pro)
        self._lifecycle_and_cron("2026-03-10")
        self.assertEqual(sub.plan_id, self.plan_basic)
        self.assertEqual(sub.event_ids.sorted("id")[-1].date, date(2026, 3, 10))
        self.assertEqual(
            self._signed_lines(sub),
            [("2026-01-10", 50.0), ("2026-01-20", 50.0), ("2026-03-10", 30.0)],
        )
