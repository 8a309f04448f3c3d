from datetime import date

from psycopg2 import IntegrityError

from odoo import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import RecurringCommon


@tagged("post_install", "-at_install")
class TestPlanAndPackages(RecurringCommon):
    def test_interval_must_be_positive(self):
        with self.assertRefused("Bill Every"):
            self._create_plan(
                "Never", "NEVER", self.product_basic, 10.0, interval_count=0
            )
        with self.assertRefused("set 'Bill Every' to 1 or more"):
            self.plan_basic.interval_count = -1
        self.assertFalse(self.env["recurring.plan"].search([("code", "=", "NEVER")]))

    def test_interval_is_also_protected_by_the_database(self):
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(
                "UPDATE recurring_plan SET interval_count = -1 WHERE id = %s",
                [self.plan_basic.id],
            )

    def test_negative_trial_is_refused(self):
        with self.assertRefused("negative trial length"):
            self.plan_basic.trial_days = -3
        self.assertEqual(self.plan_basic.trial_days, 0)

    def test_addon_needs_a_limit(self):
        with self.assertRefused("packages are never unlimited"):
            self.env["recurring.plan.addon"].create(
                {
                    "plan_id": self.plan_pro.id,
                    "product_id": self.product_seat.id,
                    "price_unit": 5.0,
                    "max_quantity": 0,
                }
            )

    def test_addon_quantity_above_its_limit_is_refused(self):
        sub = self._subscription(self.plan_pro)
        sub.action_start()
        with self.assertRefused("allows at most 10 per subscription"):
            sub.action_set_addon_quantities({self.seat_addon: 11})
        self.assertFalse(sub.line_ids.filtered("addon_id"))
        self.assertEqual(sub.mrr, 50.0)

    def test_addons_change_mrr_with_upgrade_and_downgrade_events(self):
        sub = self._subscription(self.plan_pro)
        sub.action_start()
        sub.action_set_addon_quantities({self.seat_addon: 4})
        self.assertEqual(sub.mrr, 70.0)
        sub.action_set_addon_quantities({self.seat_addon: 1}, when="now")
        self.assertEqual(sub.mrr, 55.0)
        sub.action_set_addon_quantities({self.seat_addon: 0}, when="now")
        self.assertEqual(sub.mrr, 50.0)
        self.assertEqual(
            [(e.event_type, e.mrr_after) for e in sub.event_ids.sorted("id")],
            [
                ("start", 50.0),
                ("upgrade", 70.0),
                ("downgrade", 55.0),
                ("downgrade", 50.0),
            ],
        )

    def test_addon_of_another_plan_is_refused(self):
        sub = self._subscription(self.plan_basic)
        sub.action_start()
        with self.assertRefused("is not an add-on of"):
            sub.action_set_addon_quantities({self.seat_addon: 1})

    def test_started_plan_keeps_its_interval(self):
        self._subscription(self.plan_basic).action_start()
        with self.assertRefused("Archive it and create a new plan"):
            self.plan_basic.interval_unit = "year"
        self.assertEqual(self.plan_basic.interval_unit, "month")

    def test_negative_price_or_quantity_on_a_line_is_refused(self):
        sub = self._subscription(self.plan_basic)
        with self.assertRefused("cannot be negative"):
            sub.line_ids.price_unit = -1
        with self.assertRefused("cannot be negative"):
            sub.line_ids.quantity = -2
        self.assertEqual(sub.line_ids.quantity, 1.0)
        self.assertEqual(sub.line_ids.price_unit, 30.0)

    def test_end_before_start_is_refused(self):
        with self.assertRefused("end date cannot be before the start date"):
            self._subscription(
                self.plan_basic, start=date(2026, 5, 1), date_end=date(2026, 4, 1)
            )

    def test_pricelist_in_another_currency_is_refused(self):
        other = self.setup_other_currency("CHF")
        pricelist = self.env["product.pricelist"].create(
            {"name": "CHF list", "currency_id": other.id}
        )
        with self.assertRefused("pick a pricelist in"):
            self._subscription(
                self.plan_basic,
                pricelist_id=pricelist.id,
                currency_id=self.env.company.currency_id.id,
            )

    def test_plan_of_another_company_is_refused(self):
        other_company = self.setup_other_company()["company"]
        plan = self.env["recurring.plan"].create(
            {
                "name": "Elsewhere",
                "company_id": other_company.id,
                "line_ids": [
                    Command.create(
                        {"product_id": self.product_basic.id, "price_unit": 9.0}
                    )
                ],
            }
        )
        with self.assertRefused("Incompatible companies on records"):
            self._subscription(plan)

    def test_change_wizard_upgrades_now_and_sets_addons(self):
        sub = self._subscription(self.plan_basic)
        sub.action_start()
        wizard = (
            self.env["recurring.change.wizard"]
            .with_context(active_id=sub.id)
            .create({"plan_id": self.plan_pro.id})
        )
        wizard.action_confirm()
        self.assertEqual(sub.plan_id, self.plan_pro)
        wizard = (
            self.env["recurring.change.wizard"]
            .with_context(active_id=sub.id)
            .create({})
        )
        self.assertEqual(wizard.addon_line_ids.addon_id, self.seat_addon)
        wizard.addon_line_ids.quantity = 2
        wizard.action_confirm()
        self.assertEqual(sub.mrr, 60.0)
