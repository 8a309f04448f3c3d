"""A change of plan reached by every door, priced as the customer buys: the pricelist
decides upgrade or downgrade, another currency is refused, a raw write of the plan is
the change itself, a change planned for a paused subscription starts its own periods,
and adjustments are dated on the day of their step (doc/BILLING.md)."""

from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .invoicing_common import InvoicingCommon


@tagged("post_install", "-at_install")
class TestPlanDoors(InvoicingCommon):
    def test_pricelist_makes_a_dearer_plan_a_downgrade(self):
        # The customer's pricelist sells Basic at 30 and Pro at 20 (the Pro plan says
        # 50): moving to Pro lowers what they pay, so it waits for the period end.
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Reseller",
                "currency_id": self.env.company.currency_id.id,
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": self.product_pro.id,
                            "compute_price": "fixed",
                            "fixed_price": 20.0,
                        }
                    )
                ],
            }
        )
        sub = self._active(
            self.plan_basic, date(2026, 1, 10), pricelist_id=pricelist.id
        )
        self._run_cron("2026-01-10")
        with freeze_time("2026-01-25"):
            sub.action_change_plan(self.plan_pro)
        self.assertEqual(sub.plan_id, self.plan_basic)
        self.assertEqual(sub.pending_plan_id, self.plan_pro)
        self._run_cron("2026-02-10")
        self.assertEqual(
            self._signed_moves(sub), [("2026-01-10", 30.0), ("2026-02-10", 20.0)]
        )

    def test_plan_in_another_currency_without_pricelist_is_refused(self):
        euro = self.setup_other_currency("EUR")
        plan_euro = self._create_plan(
            "Pro euro", "PROEUR", self.product_pro, 50.0, currency_id=euro.id
        )
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        self._run_cron("2026-01-10")
        with freeze_time("2026-01-25"), self.assertRefused("sells in EUR"):
            sub.action_change_plan(plan_euro)
        self.assertEqual(sub.plan_id, self.plan_basic)
        self.assertEqual(len(self._invoices(sub)), 1)

    def test_plan_written_over_rpc_is_billed_like_the_wizard(self):
        # Basic 30 -> Pro 50 written on 01-25 as an integration would: the same
        # upgrade as the wizard, 16 of 31 days: -30 x 16/31 = -15.48, +50 x 16/31 =
        # 25.81, net 10.33 on one invoice; the lines are Pro's.
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        self._run_cron("2026-01-10")
        with freeze_time("2026-01-25"):
            sub.write({"plan_id": self.plan_pro.id})
        self.assertEqual(sub.plan_id, self.plan_pro)
        self.assertEqual(sub.line_ids.product_id, self.product_pro)
        self.assertEqual(
            self._signed_moves(sub), [("2026-01-10", 30.0), ("2026-01-25", 10.33)]
        )
        self.assertEqual(sub.event_ids.sorted("id")[-1].event_type, "upgrade")

    def test_change_to_another_interval_planned_while_paused_starts_its_periods(self):
        # Basic 30 monthly from 01-10, billed through 03-10..04-09. On 03-12 a move to
        # Annual (1 200 a year) is planned for 04-10; paused on 03-20 (credit of
        # 03-20..04-09, 21 of 31 days: -20.32). The change comes into force on 04-10
        # while paused: yearly periods from 04-10. Resumed on 05-01 keeping the
        # anchor: 05-01..2027-04-09 is 344 of 365 days, 1 200 x 344/365 = 1 130.96,
        # then the next invoice on 2027-04-10.
        self.plan_annual.resume_policy = "keep_anchor"
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        for day in ("2026-01-10", "2026-02-10", "2026-03-10"):
            self._run_cron(day)
        with freeze_time("2026-03-12"):
            sub.action_change_plan(self.plan_annual, when="period_end")
        with freeze_time("2026-03-20"):
            sub.action_pause()
        with freeze_time("2026-04-10"):
            self.Subscription._cron_lifecycle()
        self.assertEqual(sub.plan_id, self.plan_annual)
        with freeze_time("2026-05-01"):
            sub.action_resume()
        self._run_cron("2026-05-01")
        self.assertEqual(
            self._signed_moves(sub)[3:],
            [("2026-03-20", -20.32), ("2026-05-01", 1130.96)],
        )
        self.assertEqual(sub.date_next_invoice, date(2027, 4, 10))

    def test_adjustment_of_a_replayed_step_is_dated_on_the_step_day(self):
        # A history replayed by the system (recurring_today) on a later real day: the
        # credit note of a pause on 01-20 is dated 01-20, like the pause itself.
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        self._run_cron("2026-01-10")
        system = sub.with_user(self.env.ref("base.user_root"))
        with freeze_time("2026-01-25"):
            system.with_context(recurring_today=date(2026, 1, 20)).action_pause()
        self.assertEqual(sub.date_pause, date(2026, 1, 20))
        self.assertEqual(
            self._signed_moves(sub), [("2026-01-10", 30.0), ("2026-01-20", -20.32)]
        )
