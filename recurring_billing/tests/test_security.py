from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import RecurringCommon


@tagged("post_install", "-at_install")
class TestSecurity(RecurringCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.sub_user = new_test_user(
            cls.env,
            "sub_user",
            groups="recurring_billing.group_user",
            company_id=company.id,
            company_ids=[company.id],
        )
        cls.sub_manager = new_test_user(
            cls.env,
            "sub_manager",
            groups="recurring_billing.group_manager",
            company_id=company.id,
            company_ids=[company.id],
        )
        cls.accountant = new_test_user(
            cls.env,
            "sub_accountant",
            groups="account.group_account_invoice",
            company_id=company.id,
            company_ids=[company.id],
        )
        cls.subscription = cls._subscription(cls.plan_basic)

    def test_user_manages_subscriptions_but_not_plans(self):
        env = self.env(user=self.sub_user)
        sub = env["recurring.subscription"].browse(self.subscription.id)
        sub.action_start()
        sub.action_pause()
        self.assertEqual(sub.state, "paused")
        self.assertTrue(env["recurring.plan"].search([("id", "=", self.plan_basic.id)]))
        with self.assertRaises(AccessError):
            env["recurring.plan"].browse(self.plan_basic.id).name = "Cheaper"
        with self.assertRaises(AccessError):
            env["recurring.cancel.reason"].create({"name": "Because"})

    def test_only_manager_deletes_draft_subscriptions(self):
        with self.assertRaises(AccessError):
            self.subscription.with_user(self.sub_user).unlink()
        self.subscription.with_user(self.sub_manager).unlink()
        self.assertFalse(self.subscription.exists())

    def test_manager_sets_up_plans(self):
        plan = (
            self.env["recurring.plan"]
            .with_user(self.sub_manager)
            .create({"name": "Gold", "interval_unit": "quarter"})
        )
        self.assertEqual(plan.interval_unit, "quarter")

    def test_invoicing_user_reads_but_does_not_change(self):
        sub = self.subscription.with_user(self.accountant)
        self.assertEqual(sub.plan_id, self.plan_basic)
        self.assertEqual(sub.line_ids.price_unit, 30.0)
        with self.assertRaises(AccessError):
            sub.user_id = False
        with self.assertRaises(AccessError):
            sub.action_start()

    def test_other_company_subscriptions_are_invisible(self):
        other_company = self.setup_other_company()["company"]
        self.sub_manager.company_ids = [(4, other_company.id)]
        other = (
            self.env["recurring.subscription"]
            .with_company(other_company)
            .create(
                {
                    "partner_id": self.customer.id,
                    "plan_id": self.env["recurring.plan"]
                    .with_company(other_company)
                    .create({"name": "Other", "company_id": other_company.id})
                    .id,
                    "company_id": other_company.id,
                }
            )
        )
        visible = (
            self.env["recurring.subscription"]
            .with_user(self.sub_user)
            .search([("id", "in", (other | self.subscription).ids)])
        )
        self.assertEqual(visible, self.subscription)

    def test_a_user_cannot_back_date_a_change_through_the_context(self):
        with freeze_time("2026-03-01"):
            sub = self._subscription(self.plan_basic, date(2026, 3, 1))
            sub.action_start()
        with freeze_time("2026-03-15"):
            sub.with_user(self.sub_user).with_context(
                recurring_today="2026-02-01"
            ).action_change_plan(self.plan_pro.id)
        # The upgrade counts from the day it is made, not from before the start.
        self.assertEvents(
            sub,
            [("2026-03-01", "start", 0.0, 30.0), ("2026-03-15", "upgrade", 30.0, 50.0)],
        )

    def test_the_system_replays_a_history_on_its_own_days(self):
        # Demo data and migrations run as the system and set the day of each step.
        sub = self._subscription(self.plan_basic, date(2026, 1, 10)).with_user(
            self.env.ref("base.user_root")
        )
        with freeze_time("2026-03-15"):
            sub.with_context(recurring_today="2026-01-10").action_start()
            sub.with_context(recurring_today="2026-02-15").action_change_plan(
                self.plan_pro.id
            )
        self.assertEvents(
            sub,
            [("2026-01-10", "start", 0.0, 30.0), ("2026-02-15", "upgrade", 30.0, 50.0)],
        )
