from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import MrrCommon

REPORTS = (
    "mrr.movement",
    "mrr.snapshot",
    "mrr.snapshot.total",
    "mrr.cohort.change",
    "mrr.movement.total",
    "mrr.metric",
    "mrr.cohort",
)


@tagged("post_install", "-at_install")
class TestMrrAccess(MrrCommon):
    """Subscription managers and accounting managers see analytics; users do not."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.subscription_user = new_test_user(
            cls.env,
            login="mrr_subscription_user",
            groups="recurring_billing.group_user",
            company_id=company.id,
            company_ids=company.ids,
        )
        cls.subscription_manager = new_test_user(
            cls.env,
            login="mrr_subscription_manager",
            groups="recurring_billing.group_manager",
            company_id=company.id,
            company_ids=company.ids,
        )
        cls.accounting_manager = new_test_user(
            cls.env,
            login="mrr_accounting_manager",
            groups="account.group_account_manager",
            company_id=company.id,
            company_ids=company.ids,
        )
        with freeze_time("2026-01-10"):
            sub = cls._subscription(cls.plan_basic, date(2026, 1, 10))
            sub.with_user(cls.subscription_user).action_start()

    def test_managers_see_the_analytics_of_their_company(self):
        for user in (self.subscription_manager, self.accounting_manager):
            for model in REPORTS:
                with self.subTest(user=user.login, model=model):
                    self.assertTrue(self.env[model].with_user(user).search([]))

    def test_a_subscription_user_does_not_see_analytics(self):
        for model in REPORTS:
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.subscription_user).search([])

    def test_a_subscription_user_change_still_updates_movements(self):
        movements = self.env["mrr.movement"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(
            [(str(m.date), m.movement_type, m.amount) for m in movements],
            [("2026-01-10", "new", 30.0)],
        )

    def test_only_managers_can_rebuild(self):
        with self.assertRaises(AccessError):
            self.env["mrr.movement"].with_user(self.subscription_user).action_rebuild()
        action = (
            self.env["mrr.movement"]
            .with_user(self.subscription_manager)
            .action_rebuild()
        )
        self.assertEqual(action["tag"], "display_notification")

    def test_other_company_rows_are_hidden(self):
        other = self.env["res.company"].sudo().create({"name": "Other company"})
        manager = new_test_user(
            self.env,
            login="mrr_other_manager",
            groups="recurring_billing.group_manager",
            company_id=other.id,
            company_ids=other.ids,
        )
        for model in REPORTS:
            with self.subTest(model=model):
                self.assertFalse(self.env[model].with_user(manager).search([]))
        # The pivot of the snapshots, read from their monthly totals.
        pivot = (
            self.env["mrr.snapshot"]
            .with_user(manager)
            .read_group([], ["mrr:sum"], ["month:month", "plan_id"], lazy=False)
        )
        self.assertEqual(pivot, [])
