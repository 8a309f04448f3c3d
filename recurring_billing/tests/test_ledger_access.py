from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .invoicing_common import InvoicingCommon


@tagged("post_install", "-at_install")
class TestLedgerAccess(InvoicingCommon):
    """Users change subscriptions and invoices; the ledger and the change log follow,
    written by the system only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company

        def user(login, groups):
            return new_test_user(
                cls.env,
                login=login,
                groups=groups,
                company_id=company.id,
                company_ids=company.ids,
            )

        cls.sub_user = user("ledger_sub_user", "recurring_billing.group_user")
        cls.sub_manager = user("ledger_sub_manager", "recurring_billing.group_manager")
        cls.accountant = user("ledger_accountant", "account.group_account_invoice")
        cls.seller = user(
            "ledger_seller",
            "recurring_billing.group_user,account.group_account_invoice",
        )
        cls.sub = cls._subscription(cls.plan_basic, date(2026, 3, 1))
        with freeze_time("2026-03-01"):
            cls.sub.action_start()
            cls.env["recurring.subscription"]._cron_generate_invoices()
        cls.period = cls.sub.period_ids
        cls.invoice = cls.period.move_id

    def test_no_user_can_record_a_period_as_billed_without_its_invoice(self):
        # A ledger row for April without invoice would keep April from ever being billed.
        for user in (self.sub_user, self.sub_manager, self.accountant, self.seller):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["recurring.period"].with_user(user).create(
                    {
                        "subscription_id": self.sub.id,
                        "date_start": date(2026, 4, 1),
                        "date_end": date(2026, 4, 30),
                    }
                )
        self.assertEqual(self.sub.period_ids, self.period)

    def test_no_user_can_edit_the_ledger_or_add_to_the_change_log(self):
        for user in (self.sub_user, self.sub_manager, self.accountant, self.seller):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.period.with_user(user).write({"date_end": date(2026, 3, 15)})
                with self.assertRaises(AccessError):
                    self.env["recurring.subscription.event"].with_user(user).create(
                        self.sub._event_vals(
                            date(2026, 1, 1), "upgrade", "active", 30.0, 3000.0
                        )
                    )
        self.assertEqual(self.period.date_end, date(2026, 3, 31))
        self.assertEqual(len(self.sub.event_ids), 1)

    def test_changes_made_by_a_user_are_logged(self):
        sub = self._subscription(self.plan_basic, date(2026, 3, 1))
        with freeze_time("2026-03-01"):
            sub.with_user(self.sub_user).action_start()
        with freeze_time("2026-03-10"):
            sub.with_user(self.sub_user).action_change_plan(self.plan_pro.id)
        self.assertEvents(
            sub,
            [("2026-03-01", "start", 0.0, 30.0), ("2026-03-10", "upgrade", 30.0, 50.0)],
        )

    def test_invoice_now_by_a_user_allowed_to_invoice_records_the_period(self):
        sub = self._subscription(self.plan_basic, date(2026, 3, 1))
        with freeze_time("2026-03-01"):
            sub.action_start()
            sub.with_user(self.seller).action_invoice_now()
        self.assertEqual(
            [(p.date_start, p.date_end, p.state) for p in sub.period_ids],
            [(date(2026, 3, 1), date(2026, 3, 31), "invoiced")],
        )
        self.assertEqual(sub.period_ids.move_id.amount_untaxed, 30.0)

    def test_a_subscription_user_without_invoicing_rights_records_no_period(self):
        sub = self._subscription(self.plan_basic, date(2026, 3, 1))
        with freeze_time("2026-03-01"):
            sub.action_start()
            with self.assertRaises(AccessError):
                sub.with_user(self.sub_user).action_invoice_now()
        self.assertFalse(sub.period_ids)

    def test_accountant_cancels_and_re_invoices_a_period(self):
        with freeze_time("2026-03-05"):
            self.invoice.with_user(self.accountant).button_cancel()
            self.assertEqual(self.period.state, "to_reinvoice")
            self.period.with_user(self.accountant).action_reinvoice()
        self.assertEqual(self.period.state, "invoiced")
        self.assertEqual(self.period.move_id.invoice_date, date(2026, 3, 5))
        self.assertEqual(self.period.move_id.amount_untaxed, 30.0)

    def test_accountant_writes_off_a_period(self):
        self.invoice.with_user(self.accountant).button_cancel()
        self.period.with_user(self.accountant).action_write_off()
        self.assertEqual(self.period.state, "written_off")
        self.assertIn("written off", self.sub.message_ids[0].body)
        self.assertEqual(self.sub.message_ids[0].author_id, self.accountant.partner_id)

    def test_subscription_manager_writes_off_a_period(self):
        self.invoice.button_cancel()
        self.period.with_user(self.sub_manager).action_write_off()
        self.assertEqual(self.period.state, "written_off")

    def test_a_subscription_user_cannot_write_off_a_period(self):
        # Giving up the money of a period is for accountants and managers.
        self.invoice.button_cancel()
        with self.assertRaisesRegex(AccessError, "write off"):
            self.period.with_user(self.sub_user).action_write_off()
        self.assertEqual(self.period.state, "to_reinvoice")
