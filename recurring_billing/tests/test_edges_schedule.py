"""Edge paths of the billing schedule: changes to other periods, steps taken before the
invoicing job ran, a renewed term kept after a planned cancellation (doc/BILLING.md,
"Edge paths")."""

from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import Form, tagged

from .invoicing_common import InvoicingCommon


@tagged("post_install", "-at_install")
class TestScheduleEdges(InvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan_monthly = cls._create_plan("Monthly", "M100", cls.product_basic, 100.0)
        cls.plan_monthly_90 = cls._create_plan(
            "Monthly 90", "M90", cls.product_basic, 90.0
        )
        cls.plan_quarterly = cls._create_plan(
            "Quarterly", "Q300", cls.product_pro, 300.0, interval_unit="quarter"
        )

    def _lifecycle(self, day):
        with freeze_time(day):
            self.Subscription._cron_lifecycle()

    # -- Plan change to another interval ----------------------------------------------

    def test_interval_change_forgets_the_paid_until_date_of_old_periods(self):
        # March paid (100); on 03-10 to yearly: -100 x 22/31 = -70.97 and 1 200 for
        # 2026-03-10..2027-03-09. Paused on 04-10: the year's days from 04-10 are 334
        # of 365 (04-10..03-09), credited at the annual price: -1 200 x 334/365 =
        # -1 098.08; resumed on 05-10 with new periods, nothing more — the credit of
        # March, made before the change, takes nothing either.
        self.plan_annual.resume_policy = "restart"
        sub = self._active(self.plan_monthly, date(2026, 3, 1))
        self._run_cron("2026-03-01")
        with freeze_time("2026-03-10"):
            sub.action_change_plan(self.plan_annual)
        self.assertFalse(sub.date_paid_until)
        with freeze_time("2026-04-10"):
            sub.action_pause()
        with freeze_time("2026-05-10"):
            sub.action_resume()
        credits = [amount for _day, amount in self._signed_lines(sub) if amount < 0]
        self.assertEqual(credits, [-70.97, -1098.08])

    def test_upgrade_monthly_to_yearly_credits_unused_month(self):
        sub = self._active(self.plan_monthly, date(2026, 3, 1))
        self._run_cron("2026-03-01")
        with freeze_time("2026-03-10"):
            sub.action_change_plan(self.plan_annual)
        # March paid 100; 10 .. 31 Mar unused = 22 of 31 days: -100 x 22/31 = -70.97.
        credit = self._invoices(sub).filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual(credit.amount_untaxed, 70.97)
        self.assertEqual(
            credit.invoice_line_ids.name, "Basic, unused — 10 Mar 2026 to 31 Mar 2026"
        )
        # Annual 1 200 from the change day, for a whole year; next one a year later.
        yearly = self._invoices(sub).filtered(
            lambda m: (
                m.move_type == "out_invoice" and m.invoice_date == date(2026, 3, 10)
            )
        )
        self.assertEqual(yearly.amount_untaxed, 1200.0)
        self.assertEqual(
            yearly.invoice_line_ids.name, "Pro — 10 Mar 2026 to 9 Mar 2027"
        )
        self.assertEqual(sub.date_next_invoice, date(2027, 3, 10))
        self._run_cron("2026-04-10")
        self.assertEqual(len(self._invoices(sub)), 3, "nothing more before 2027")

    def test_preview_of_a_change_to_yearly_is_what_it_invoices(self):
        sub = self._active(self.plan_monthly, date(2026, 3, 1))
        self._run_cron("2026-03-01")
        with freeze_time("2026-03-10"):
            # The preview the portal shows before the customer confirms.
            preview = sub._change_plan_preview(self.plan_annual)
            sub.action_change_plan(self.plan_annual)
        # March paid 100: -100 x 22/31 = -70.97, then 1 200 for 2026-03-10 ..
        # 2027-03-09: 1 129.03 now, not 1 200 x 22/31 - 70.97 = 780.64.
        self.assertEqual(
            [line["amount"] for line in preview["lines"]], [-70.97, 1200.0]
        )
        self.assertEqual(preview["amount"], 1129.03)
        self.assertEqual(
            self._signed_moves(sub),
            [("2026-03-01", 100.0), ("2026-03-10", -70.97), ("2026-03-10", 1200.0)],
        )

    def test_downgrade_yearly_to_monthly_now_credits_unused_year(self):
        sub = self._active(self.plan_annual, date(2026, 1, 1))
        self._run_cron("2026-01-01")
        with freeze_time("2026-04-01"):
            sub.action_change_plan(self.plan_monthly_90, when="now")
        # 1 Apr .. 31 Dec = 275 of 365 days unused: -1 200 x 275/365 = -904.11;
        # then 90 for April, not the paid year again.
        self.assertEqual(
            self._signed_lines(sub),
            [
                ("2026-01-01", 1200.0),
                ("2026-04-01", -904.11),
                ("2026-04-01", 90.0),
            ],
        )
        self.assertEqual(sub.date_next_invoice, date(2026, 5, 1))

    def test_downgrade_quarter_to_week_at_period_end_starts_weekly_periods(self):
        sub = self._active(self.plan_quarterly, date(2026, 1, 1))
        self._run_cron("2026-01-01")
        with freeze_time("2026-02-10"):
            # Weekly 12 = 52/month < 100/month: waits for the end of the quarter.
            sub.action_change_plan(self.plan_weekly)
        self.assertEqual(sub.date_pending_change, date(2026, 4, 1))
        # The invoicing job may run before the lifecycle job that day: it must not
        # bill a quarter at the weekly price.
        self._run_cron("2026-04-01")
        self._lifecycle("2026-04-01")
        self._run_cron("2026-04-01")
        self.assertEqual(sub.plan_id, self.plan_weekly)
        # Q1 300, no proration; then 12 for the week 1 .. 7 Apr, next on 8 Apr.
        self.assertEqual(
            self._invoice_lines(sub),
            [
                ("2026-01-01", "Pro — 1 Jan 2026 to 31 Mar 2026", 300.0),
                ("2026-04-01", "Basic — 1 Apr 2026 to 7 Apr 2026", 12.0),
            ],
        )
        self.assertEqual(sub.date_next_invoice, date(2026, 4, 8))

    def test_upgrade_week_to_quarter_now_credits_unused_days_of_the_week(self):
        sub = self._active(self.plan_weekly, date(2026, 1, 5))
        self._run_cron("2026-01-05")
        with freeze_time("2026-01-08"):
            sub.action_change_plan(self.plan_quarterly)
        # Week 5 .. 11 Jan paid 12; 8 .. 11 Jan unused = 4 of 7 days: -6.86.
        # Quarter 300 from 8 Jan to 7 Apr.
        self.assertEqual(
            self._signed_lines(sub),
            [("2026-01-05", 12.0), ("2026-01-08", -6.86), ("2026-01-08", 300.0)],
        )
        self.assertEqual(sub.date_next_invoice, date(2026, 4, 8))

    # -- Steps taken before the invoicing job ran --------------------------------------

    def test_cancel_now_before_the_job_ran_bills_the_due_periods(self):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        with freeze_time("2026-02-15"):
            sub.action_cancel(credit_unused=True)
        # January was due and used in full: 30, as if the job had run. The period
        # 10 Feb .. 9 Mar (28 days) was due but not billed: only its days used,
        # 10 .. 15 Feb (today counts as used), 6 of 28: 30 x 6/28 = 6.43. Nothing
        # was paid ahead, so nothing is credited.
        self.assertEqual(
            self._signed_lines(sub), [("2026-01-10", 30.0), ("2026-02-10", 6.43)]
        )
        self._run_cron("2026-03-10")
        self.assertEqual(len(self._invoices(sub)), 2)

    def test_cancel_now_in_the_wizard_before_the_job_ran_bills_only_the_used_days(
        self,
    ):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        self._run_cron("2026-01-10")
        reason = self.env["recurring.cancel.reason"].search([], limit=1)
        with freeze_time("2026-02-15"):
            self.env["recurring.cancel.wizard"].with_context(active_ids=sub.ids).create(
                {"when": "now", "reason_id": reason.id}
            ).action_confirm()
        # The job billed 10 Jan .. 9 Feb: 30. The period 10 Feb .. 9 Mar (28 days)
        # was not billed yet: the customer used 10 .. 15 Feb, 6 days: 30 x 6/28 =
        # 6.43, not the whole period's 30 (the wizard credits nothing by default).
        self.assertEqual(
            self._invoice_lines(sub),
            [
                ("2026-01-10", "Basic — 10 Jan 2026 to 9 Feb 2026", 30.0),
                ("2026-02-10", "Basic — 10 Feb 2026 to 15 Feb 2026", 6.43),
            ],
        )

    def test_pause_before_the_job_ran_bills_the_due_periods_once(self):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        with freeze_time("2026-02-15"):
            sub.action_pause()
        # Jan 10 .. Feb 9 was due and used: 30. Of Feb 10 .. Mar 9 (28 days), due but
        # not billed, only the days before the pause are: 10 .. 14 Feb, 5 of 28:
        # 30 x 5/28 = 5.36; the paused days are neither billed nor credited.
        self.assertEqual(
            self._signed_lines(sub), [("2026-01-10", 30.0), ("2026-02-10", 5.36)]
        )
        self._run_cron("2026-03-10")
        self.assertEqual(len(self._invoices(sub)), 2, "nothing billed while paused")

    def test_resume_keeping_the_anchor_after_a_pause_before_the_job_ran(self):
        self.plan_basic.resume_policy = "keep_anchor"
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        with freeze_time("2026-02-15"):
            sub.action_pause()
        with freeze_time("2026-02-20"):
            sub.action_resume()
        self._run_cron("2026-02-20")
        # 10 .. 14 Feb billed at the pause (5.36); resumed on 20 Feb keeping the
        # anchor: 20 Feb .. 9 Mar, 18 of 28 days: 30 x 18/28 = 19.29. The paused
        # days 15 .. 19 Feb are billed nowhere, no day twice.
        self.assertEqual(
            self._signed_lines(sub),
            [("2026-01-10", 30.0), ("2026-02-10", 5.36), ("2026-02-20", 19.29)],
        )

    def test_upgrade_before_the_job_ran_bills_due_periods_on_the_old_plan(self):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        with freeze_time("2026-02-15"):
            sub.action_change_plan(self.plan_pro)
        # Basic 30 for January and for the period begun on 10 Feb, then the worked
        # example: Pro 50 x 23/28 = 41.07 less Basic 30 x 23/28 = 24.64, net 16.43.
        self.assertEqual(
            self._signed_lines(sub),
            [
                ("2026-01-10", 30.0),
                ("2026-02-10", 30.0),
                ("2026-02-15", -24.64),
                ("2026-02-15", 41.07),
            ],
        )
        self._run_cron("2026-03-10")
        self.assertEqual(self._signed_lines(sub)[-1], ("2026-03-10", 50.0))

    # -- A renewed term kept after a planned cancellation -------------------------------

    def test_keep_subscription_after_renewal_keeps_the_renewed_term(self):
        self.plan_basic.write({"term_type": "fixed", "term_periods": 3})
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        # Three months: 10 Jan .. 9 Apr; renewed by three more: .. 9 Jul.
        self.assertEqual(sub.date_end, date(2026, 4, 9))
        with freeze_time("2026-03-01"):
            sub.action_renew()
        self.assertEqual(sub.date_end, date(2026, 7, 9))
        with freeze_time("2026-03-15"):
            sub.action_cancel(at_period_end=True)
            self.assertEqual(sub.date_end, date(2026, 4, 9))
            events = len(sub.event_ids)
            sub.action_revoke_cancel()
        self.assertEqual(sub.date_end, date(2026, 7, 9))
        self.assertEqual(len(sub.event_ids), events, "no change-log row rewritten")
        self._lifecycle("2026-04-15")
        self.assertEqual(sub.state, "active")

    # -- Quantity typed in the form ---------------------------------------------------

    def _edit_seats(self, sub, quantity):
        with Form(sub) as form, form.line_ids.edit(1) as line:
            line.quantity = quantity

    def test_seats_raised_in_the_form_are_prorated_like_the_wizard(self):
        sub = self._pro_with_seats(5)
        with freeze_time("2026-02-15"):
            self._edit_seats(sub, 8)
        # 15 Feb .. 9 Mar = 23 of 28 days: 8 seats 40 x 23/28 = 32.86 charged,
        # 5 seats 25 x 23/28 = 20.54 credited; net 12.32.
        adjustment = self._invoices(sub).filtered(
            lambda m: m.recurring_kind == "adjustment"
        )
        self.assertEqual(
            adjustment.invoice_line_ids.mapped("price_subtotal"), [-20.54, 32.86]
        )
        self.assertEqual(adjustment.amount_untaxed, 12.32)
        self.assertEqual(sub.line_ids[1].quantity, 8)
        self._run_cron("2026-03-10")
        self.assertEqual(
            self._signed_lines(sub)[-2:], [("2026-03-10", 50.0), ("2026-03-10", 40.0)]
        )

    def test_seats_lowered_in_the_form_wait_for_the_next_period(self):
        sub = self._pro_with_seats(8)
        with freeze_time("2026-02-15"):
            self._edit_seats(sub, 5)
        # Nothing credited: 8 seats were sold for this period; 5 from 10 Mar (25).
        self.assertEqual(sub.line_ids[1].quantity, 8)
        self.assertEqual(sub.line_ids[1].pending_quantity, 5)
        self.assertEqual(sub.date_pending_change, date(2026, 3, 10))
        self._lifecycle("2026-03-10")
        self._run_cron("2026-03-10")
        self.assertEqual(
            self._signed_lines(sub)[-2:], [("2026-03-10", 50.0), ("2026-03-10", 25.0)]
        )

    # -- What the change wizard shows is what happens ---------------------------------

    def test_upgrade_keeps_the_addons_the_wizard_shows(self):
        plan_plus = self._create_plan("Pro Plus", "PLUS", self.product_pro, 80.0)
        seat_plus = self.env["recurring.plan.addon"].create(
            {
                "plan_id": plan_plus.id,
                "product_id": self.product_seat.id,
                "name": "Extra seat",
                "price_unit": 6.0,
                "max_quantity": 10,
            }
        )
        sub = self._pro_with_seats(3)
        with freeze_time("2026-03-10"):
            self._run_cron("2026-03-10")
            wizard = Form(
                self.env["recurring.change.wizard"].with_context(active_id=sub.id)
            )
            wizard.plan_id = plan_plus
            self.assertFalse(wizard.dropped_addons)
            record = wizard.save()
            self.assertEqual(
                [(line.addon_id, line.quantity) for line in record.addon_line_ids],
                [(seat_plus, 3)],
            )
            record.action_confirm()
        # The period 10 Mar .. 9 Apr starts today: Pro 50 + 3 seats at 5 credited in
        # full (65), Pro Plus 80 + 3 seats at 6 charged in full (98); net 33.
        self.assertEqual(
            sorted((line.addon_id, line.quantity) for line in sub.line_ids),
            sorted([(self.env["recurring.plan.addon"], 1.0), (seat_plus, 3.0)]),
        )
        self.assertEqual(sub.amount_untaxed, 98.0)

    def test_plan_change_prices_the_new_plan_with_the_pricelist(self):
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Partners",
                "currency_id": self.env.company.currency_id.id,
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": self.product_pro.id,
                            "compute_price": "fixed",
                            "fixed_price": 42.0,
                        }
                    )
                ],
            }
        )
        sub = self._active(self.plan_basic, date(2026, 3, 1), pricelist_id=pricelist.id)
        with freeze_time("2026-03-01"):
            sub.action_change_plan(self.plan_pro)
        # The customer's pricelist sells Pro at 42, not the plan's 50.
        self.assertEqual(sub.line_ids.price_unit, 42.0)

    # -- Arrears plans and mid-period changes ----------------------------------------

    def test_arrears_change_mid_period_bills_each_part_at_its_price(self):
        basic = self._create_plan(
            "Basic arrears", "B31", self.product_basic, 31.0, billing_mode="arrears"
        )
        pro = self._create_plan(
            "Pro arrears", "P62", self.product_pro, 62.0, billing_mode="arrears"
        )
        sub = self._active(basic, date(2026, 1, 1))
        with freeze_time("2026-01-11"):
            sub.action_change_plan(pro)
        self._run_cron("2026-02-01")
        # January, 31 days: 1 .. 10 Jan on Basic, 31 x 10/31 = 10.00; 11 .. 31 Jan on
        # Pro, 62 x 21/31 = 42.00; then February on Pro in full.
        self.assertEqual(
            self._invoice_lines(sub),
            [
                ("2026-01-11", "Basic — 1 Jan 2026 to 10 Jan 2026", 10.0),
                ("2026-02-01", "Pro — 11 Jan 2026 to 31 Jan 2026", 42.0),
            ],
        )
        self._run_cron("2026-03-01")
        self.assertEqual(self._signed_lines(sub)[-1], ("2026-03-01", 62.0))

    def test_arrears_change_on_the_first_day_bills_the_ended_period_on_old_terms(
        self,
    ):
        # Basic 31 a month in arrears from 1 Jan; upgraded to Pro 62 on 1 Feb before
        # the job ran: January was sold at 31 and is billed 31 on 1 Feb; February,
        # all of it on Pro, 62 on 1 Mar.
        basic = self._create_plan(
            "Basic 31", "B31", self.product_basic, 31.0, billing_mode="arrears"
        )
        pro = self._create_plan(
            "Pro 62", "P62", self.product_pro, 62.0, billing_mode="arrears"
        )
        sub = self._active(basic, date(2026, 1, 1))
        with freeze_time("2026-02-01"):
            sub.action_change_plan(pro)
        self._run_cron("2026-02-01")
        self._run_cron("2026-03-01")
        self.assertEqual(
            self._invoice_lines(sub),
            [
                ("2026-02-01", "Basic — 1 Jan 2026 to 31 Jan 2026", 31.0),
                ("2026-03-01", "Pro — 1 Feb 2026 to 28 Feb 2026", 62.0),
            ],
        )

    # -- Credit note on a period -----------------------------------------------------

    def _credit_note(self, invoice, amount=None):
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Goodwill"})
        )
        credit = self.env["account.move"].browse(wizard.refund_moves()["res_id"])
        if amount is not None:
            credit.invoice_line_ids.price_unit = amount
        credit.action_post()
        return credit

    def test_period_reversed_in_full_by_a_credit_note_is_to_reinvoice(self):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        self._run_cron("2026-01-10")
        period = sub.period_ids
        with freeze_time("2026-01-15"):
            credit = self._credit_note(period.move_id)
        # 30 invoiced, 30 credited: the period is no longer billed.
        self.assertEqual(credit.recurring_period_id, period)
        self.assertEqual(period.state, "to_reinvoice")
        with freeze_time("2026-01-20"):
            period.action_reinvoice()
        self.assertEqual(period.state, "invoiced")
        self.assertEqual(
            [(m.move_type, m.amount_untaxed) for m in self._invoices(sub)],
            [("out_invoice", 30.0), ("out_refund", 30.0), ("out_invoice", 30.0)],
        )

    def test_period_credited_in_part_stays_invoiced(self):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        self._run_cron("2026-01-10")
        period = sub.period_ids
        with freeze_time("2026-01-15"):
            credit = self._credit_note(period.move_id, amount=10.0)
        # 30 invoiced, 10 credited: still billed, the credit note linked to it.
        self.assertEqual(credit.recurring_period_id, period)
        self.assertEqual(period.state, "invoiced")
