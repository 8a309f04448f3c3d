"""New periods starting on the first day of a period the invoicing job already billed:
that period's days are all credited, and the new one is billed (doc/BILLING.md, "Edge
paths")."""

from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .invoicing_common import InvoicingCommon


@tagged("post_install", "-at_install")
class TestRestartOnABilledDay(InvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan_monthly = cls._create_plan("Monthly", "M100", cls.product_basic, 100.0)

    def _moved_to_yearly_on_its_billed_day(self):
        """Monthly 100 from 2026-03-10, billed by the job that morning, moved to
        yearly 1 200 the same day."""
        sub = self._active(self.plan_monthly, date(2026, 3, 10))
        self._run_cron("2026-03-10")
        with freeze_time("2026-03-10"):
            sub.action_change_plan(self.plan_annual)
        return sub

    def test_interval_change_on_the_day_the_job_billed_bills_the_new_plan(self):
        # The job billed 100 for 2026-03-10..04-09 this morning; the customer moves to
        # yearly 1 200 the same day. All 31 days of the month are unused:
        # -100 x 31/31 = -100.00; then 1 200 for 2026-03-10..2027-03-09.
        sub = self._moved_to_yearly_on_its_billed_day()
        self.assertEqual(
            self._signed_lines(sub),
            [("2026-03-10", 100.0), ("2026-03-10", -100.0), ("2026-03-10", 1200.0)],
        )
        self.assertEqual(sub.date_next_invoice, date(2027, 3, 10))
        # The job of the next days bills nothing more. The ledger holds the month,
        # credited in full, and the year starting the same day.
        self._run_cron("2026-04-10")
        self.assertEqual(len(self._invoices(sub)), 3)
        month, year = sub.period_ids.sorted("date_end")
        self.assertEqual(
            (month.date_start, month.date_end, month.state),
            (date(2026, 3, 10), date(2026, 4, 9), "credited"),
        )
        self.assertEqual(
            (year.date_start, year.date_end, year.state),
            (date(2026, 3, 10), date(2027, 3, 9), "invoiced"),
        )
        self.assertEqual(year.move_id.amount_untaxed, 1200.0)

    def test_reactivation_the_day_of_a_cancel_bills_the_new_period(self):
        # 100 billed for 2026-02-10..03-09; cancelled now the same day without credit,
        # then reactivated the same day: the 28 paid days are credited (-100.00) and
        # the new period 2026-02-10..03-09 billed (100): the month is paid once.
        sub = self._active(self.plan_monthly, date(2026, 2, 10))
        self._run_cron("2026-02-10")
        with freeze_time("2026-02-10"):
            sub.action_cancel()
            sub.action_reactivate()
        self._run_cron("2026-02-10")
        self.assertEqual(
            self._signed_lines(sub),
            [("2026-02-10", 100.0), ("2026-02-10", -100.0), ("2026-02-10", 100.0)],
        )
        self._run_cron("2026-03-10")
        self.assertEqual(
            self._signed_lines(sub)[3:], [("2026-03-10", 100.0)], "next month once"
        )

    def test_resume_keeping_the_anchor_bills_the_credited_period_again(self):
        # 100 billed for 2026-03-10..04-09; paused that day: all 31 days credited
        # (-100.00). Resumed on 03-20 keeping the anchor: 03-20..04-09 is served
        # after all, 21 of 31 days: 100 x 21/31 = 67.74, on the same period.
        self.plan_monthly.resume_policy = "keep_anchor"
        sub = self._active(self.plan_monthly, date(2026, 3, 10))
        self._run_cron("2026-03-10")
        with freeze_time("2026-03-10"):
            sub.action_pause()
        self.assertEqual(sub.period_ids.state, "credited")
        with freeze_time("2026-03-20"):
            sub.action_resume()
        self.assertEqual(
            self._signed_lines(sub),
            [("2026-03-10", 100.0), ("2026-03-10", -100.0), ("2026-03-20", 67.74)],
        )
        self.assertEqual(sub.period_ids.state, "invoiced")
        self.assertEqual(len(sub.period_ids.move_ids), 3)
        self._run_cron("2026-04-10")
        self.assertEqual(self._signed_lines(sub)[3:], [("2026-04-10", 100.0)])

    def test_change_on_the_first_day_of_a_prorated_period_bills_the_new_plan(self):
        # Monthly 100 aligned to the 1st, started 2026-03-10: the job bills
        # 03-10..03-31, 22 of 31 days: 100 x 22/31 = 70.97. To yearly 1 200 the same
        # day: those 22 days credited (-70.97), then 1 200 for 2026-03-10..2027-03-09.
        self.plan_monthly.anchor_policy = "aligned"
        sub = self._moved_to_yearly_on_its_billed_day()
        self.assertEqual(
            self._signed_lines(sub),
            [("2026-03-10", 70.97), ("2026-03-10", -70.97), ("2026-03-10", 1200.0)],
        )
        self.assertEqual(sub.date_next_invoice, date(2027, 3, 10))

    def test_resume_after_a_same_day_reactivation_charges_the_new_period(self):
        # 100 for 2026-02-10..03-09, cancelled and reactivated that day: -100 and
        # 100 for the new period 02-10..03-09. Paused on 02-15: its 23 days from then
        # credited, -100 x 23/28 = -82.14. Resumed on 02-20 keeping the anchor:
        # 02-20..03-09 charged again, 100 x 18/28 = 64.29, on the new period only.
        self.plan_monthly.resume_policy = "keep_anchor"
        sub = self._active(self.plan_monthly, date(2026, 2, 10))
        self._run_cron("2026-02-10")
        with freeze_time("2026-02-10"):
            sub.action_cancel()
            sub.action_reactivate()
        self._run_cron("2026-02-10")
        with freeze_time("2026-02-15"):
            sub.action_pause()
        with freeze_time("2026-02-20"):
            sub.action_resume()
        self.assertEqual(
            self._signed_lines(sub),
            [
                ("2026-02-10", 100.0),
                ("2026-02-10", -100.0),
                ("2026-02-10", 100.0),
                ("2026-02-15", -82.14),
                ("2026-02-20", 64.29),
            ],
        )
        self.assertEqual(
            sub.period_ids.sorted("id").mapped("state"), ["credited", "invoiced"]
        )

    def test_invoice_of_a_credited_period_cancelled_is_not_billed_again(self):
        # 100, -100 and 1 200 as above; then the accountant cancels the 100 invoice:
        # the -100 credit stands alone, the period is to look at again. Billing it
        # again would bill its days twice (the year bills them): refused; written
        # off once its credit note is cancelled too.
        sub = self._moved_to_yearly_on_its_billed_day()
        month = sub.period_ids.sorted("date_end")[0]
        month.move_id.button_draft()
        month.move_id.button_cancel()
        self.assertEqual(month.state, "to_reinvoice")
        with self.assertRaisesRegex(UserError, "credited in full"):
            month.action_reinvoice()
        credit = sub.invoice_ids.filtered(lambda move: move.move_type == "out_refund")
        credit.button_draft()
        credit.button_cancel()
        month.action_write_off()
        self.assertEqual(month.state, "written_off")
        posted = sub.invoice_ids.filtered(lambda move: move.state == "posted")
        self.assertEqual(posted.mapped("amount_untaxed"), [1200.0])


@tagged("post_install", "-at_install")
class TestArrearsReactivationOnTheCancelDay(InvoicingCommon):
    """In arrears, a cancellation now bills the days used up to its day, that day
    included; a reactivation the same day starts new periods on it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan_arrears = cls._create_plan(
            "Monthly arrears", "M100A", cls.product_basic, 100.0, billing_mode="arrears"
        )

    def test_reactivation_on_the_cancel_day_bills_that_day_once(self):
        # 100 a month in arrears from 2026-03-01. Cancelled now on 03-15: 03-01..03-15
        # used, 15 of 31 days, 100 x 15/31 = 48.39. Reactivated on 03-15: the new
        # period 03-15..04-14 is billed on 04-15, 100. 03-15 is in both: its day in
        # the first invoice is credited, 100 x 1/31 = -3.23. Billed for
        # 03-01..04-14: 48.39 - 3.23 + 100 = 145.16 = 100 x 14/31 + 100.
        sub = self._active(self.plan_arrears, date(2026, 3, 1))
        with freeze_time("2026-03-15"):
            sub.action_cancel()
            sub.action_reactivate()
        self._run_cron("2026-04-15")
        self.assertEqual(
            self._signed_lines(sub),
            [("2026-03-15", 48.39), ("2026-03-15", -3.23), ("2026-04-15", 100.0)],
        )

    def test_reactivation_on_the_first_day_of_a_period_bills_the_new_period(self):
        # 100 a month in arrears from 2026-03-01; on 04-01 the job bills March, 100.
        # Cancelled now that day: 04-01 used, 1 of 30 days, 100 x 1/30 = 3.33.
        # Reactivated the same day: the new period 04-01..04-30 starts on the day the
        # cancellation billed; that day is credited (-3.33) and the new period billed
        # on 05-01 in full, 100.
        sub = self._active(self.plan_arrears, date(2026, 3, 1))
        self._run_cron("2026-04-01")
        with freeze_time("2026-04-01"):
            sub.action_cancel()
            sub.action_reactivate()
        self._run_cron("2026-05-01")
        self.assertEqual(
            self._signed_lines(sub),
            [
                ("2026-04-01", 100.0),
                ("2026-04-01", 3.33),
                ("2026-04-01", -3.33),
                ("2026-05-01", 100.0),
            ],
        )


@tagged("post_install", "-at_install")
class TestCancelOnTheDayOfAChange(InvoicingCommon):
    """A cancellation now on the day a change to a plan of other periods comes into
    force, before the daily jobs ran: the change is in force that day, as if the jobs
    had run, and the day of service is billed on it."""

    def test_cancel_in_advance_bills_its_day_on_the_new_plan(self):
        # Monthly 100 in advance from 2026-03-01, billed on 03-01. Annual 1 200 from
        # 04-01; cancelled now on 04-01 before the jobs ran: that day is used, 1 of
        # the 365 days of 2026-04-01..2027-03-31: 1 200 x 1/365 = 3.29.
        monthly = self._create_plan("Monthly", "M100", self.product_basic, 100.0)
        sub = self._active(monthly, date(2026, 3, 1))
        self._run_cron("2026-03-01")
        with freeze_time("2026-03-20"):
            sub.action_change_plan(self.plan_annual, when="period_end")
        self.assertEqual(sub.date_pending_change, date(2026, 4, 1))
        with freeze_time("2026-04-01"):
            sub.action_cancel()
        self._run_cron("2026-04-01")
        self.assertEqual(
            self._signed_lines(sub), [("2026-03-01", 100.0), ("2026-04-01", 3.29)]
        )
        self.assertEqual(sub.plan_id, self.plan_annual)

    def test_cancel_in_arrears_bills_the_month_then_its_day_on_the_new_plan(self):
        # Monthly 100 in arrears from 2026-03-01: March is due on 04-01, on the terms
        # it was sold on, 100. Yearly 1 200 in arrears from 04-01; cancelled now on
        # 04-01 before the jobs ran: 1 of 365 days, 1 200 x 1/365 = 3.29.
        monthly = self._create_plan(
            "Monthly arrears",
            "M100A",
            self.product_basic,
            100.0,
            billing_mode="arrears",
        )
        yearly = self._create_plan(
            "Yearly arrears",
            "Y1200A",
            self.product_pro,
            1200.0,
            interval_unit="year",
            billing_mode="arrears",
        )
        sub = self._active(monthly, date(2026, 3, 1))
        with freeze_time("2026-03-20"):
            sub.action_change_plan(yearly, when="period_end")
        with freeze_time("2026-04-01"):
            sub.action_cancel()
        self._run_cron("2026-04-01")
        self.assertEqual(
            self._signed_lines(sub), [("2026-04-01", 100.0), ("2026-04-01", 3.29)]
        )
