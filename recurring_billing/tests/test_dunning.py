"""Payment follow-up (dunning): reminders on the policy's days, then its outcome."""

from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .sepa_common import SepaCommon


@tagged("post_install", "-at_install")
class TestDunning(SepaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"dunning_retry_days": "3,5,7", "dunning_outcome": "suspend"})
        with freeze_time("2026-03-02"):
            cls.subscription = cls._subscription(cls.plan_basic, date(2026, 3, 2))
            cls.subscription.action_start()
            # Basic 30/month, period 2026-03-02 .. 04-01, invoiced on its first day.
            cls.subscription.action_invoice_now()
        cls.invoice = cls.subscription.invoice_ids
        cls.Dunning = cls.env["recurring.dunning"]

    def _fail(self, day="2026-03-10", reason="Insufficient funds"):
        with freeze_time(day):
            return self.Dunning._start(self.invoice, reason)

    def _run(self, day):
        with freeze_time(day):
            # As the scheduled action runs it: as the system.
            self.Dunning.sudo()._cron_dunning()

    def _pay(self, day, amount=None):
        """The customer pays by bank transfer."""
        with freeze_time(day):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=self.invoice.ids
            ).create(
                {"amount": amount or self.invoice.amount_residual}
            )._create_payments()

    def _reminders(self, dunning):
        return dunning.message_ids.filtered(
            lambda m: m.message_type != "notification" and "failed" in (m.subject or "")
        )

    def test_failure_sends_a_reminder_with_a_pay_link_and_a_to_do(self):
        # Basic 30 + 15 % tax.
        self.assertEqual(self.invoice.amount_residual, 34.5)
        dunning = self._fail()
        self.assertEqual(dunning.state, "running")
        self.assertEqual(self.subscription.dunning_id, dunning)
        self.assertEqual(dunning.date_next_step, date(2026, 3, 13))  # 10 March + 3
        self.assertEqual(dunning.amount_due, 34.5)
        [reminder] = self._reminders(dunning)
        self.assertIn(self.customer, reminder.partner_ids)
        # The invoice's own portal page, where it can be paid, with its access token.
        self.assertIn(
            f"/my/invoices/{self.invoice.id}?access_token={self.invoice.access_token}",
            reminder.body,
        )
        self.assertIn("34.50", reminder.body)
        self.assertIn("Insufficient funds", reminder.body)
        self.assertEqual(
            self.subscription.activity_ids.mapped("summary"),
            ["Automatic payment failed"],
        )
        payment_issues = self.env["recurring.subscription"].search(
            [("id", "=", self.subscription.id), ("dunning_id", "!=", False)]
        )
        self.assertEqual(payment_issues, self.subscription)

    def test_reminders_on_days_3_and_5_then_suspended_on_day_7(self):
        dunning = self._fail("2026-03-10")
        self._run("2026-03-12")
        self.assertEqual(dunning.step, 0)
        self._run("2026-03-13")
        self.assertEqual((dunning.step, len(self._reminders(dunning))), (1, 2))
        self._run("2026-03-13")  # twice the same day: one step
        self.assertEqual(dunning.step, 1)
        self._run("2026-03-15")
        self.assertEqual((dunning.step, len(self._reminders(dunning))), (2, 3))
        self.assertEqual(self.subscription.state, "active")
        self._run("2026-03-17")
        self.assertEqual(dunning.state, "suspended")
        self.assertEqual(self.subscription.state, "paused")
        self.assertTrue(self.subscription.is_suspended)
        self.assertEqual(self.subscription.mrr, 0.0)
        # A suspension credits nothing: the invoiced period stays due as invoiced.
        self.assertEqual(self.invoice.amount_residual, 34.5)
        self.assertFalse(
            self.subscription.invoice_ids.filtered(
                lambda m: m.move_type == "out_refund"
            )
        )
        event = self.subscription.event_ids.sorted("id")[-1]
        self.assertEqual(
            (event.event_type, event.is_involuntary, event.mrr_after),
            ("suspension", True, 0.0),
        )

    def test_a_job_down_for_weeks_takes_one_step_a_day(self):
        dunning = self._fail("2026-03-10")
        self._run("2026-04-20")
        self.assertEqual(dunning.step, 1)
        self.assertEqual(self.subscription.state, "active")
        self._run("2026-04-21")
        self._run("2026-04-22")
        self.assertEqual(dunning.state, "suspended")

    def test_payment_by_transfer_resumes_a_suspended_subscription(self):
        dunning = self._fail("2026-03-10")
        for day in ("2026-03-13", "2026-03-15", "2026-03-17"):
            self._run(day)
        self.assertTrue(self.subscription.is_suspended)
        self._pay("2026-03-20")
        self.assertEqual(dunning.state, "recovered")
        self.assertEqual(dunning.date_done, date(2026, 3, 20))
        self.assertEqual(self.subscription.state, "active")
        self.assertFalse(self.subscription.is_suspended)
        self.assertFalse(self.subscription.dunning_id)
        event = self.subscription.event_ids.sorted("id")[-1]
        self.assertEqual((event.event_type, event.is_involuntary), ("resume", False))
        self.assertEqual(event.mrr_after, 30.0)

    def test_paid_before_the_next_step_ends_the_reminders(self):
        dunning = self._fail("2026-03-10")
        self._pay("2026-03-11")
        self.assertEqual(dunning.state, "recovered")
        self._run("2026-03-13")
        self.assertEqual(len(self._reminders(dunning)), 1)
        self.assertEqual(dunning.step, 0)

    def test_partial_payment_keeps_following_up_the_rest(self):
        dunning = self._fail("2026-03-10")
        self._pay("2026-03-11", amount=10.0)
        self.assertEqual(dunning.state, "running")
        self.assertEqual(dunning.amount_due, 24.5)  # 34.50 - 10

    def test_cancel_outcome_cancels_as_involuntary_and_credits_unused_days(self):
        self.plan_basic.dunning_outcome = "cancel"
        dunning = self._fail("2026-03-10")
        for day in ("2026-03-13", "2026-03-15", "2026-03-17"):
            self._run(day)
        self.assertEqual(dunning.state, "closed")
        self.assertEqual(self.subscription.state, "cancelled")
        self.assertEqual(
            self.subscription.cancel_reason_id,
            self.env.ref("recurring_billing.cancel_reason_payment"),
        )
        event = self.subscription.event_ids.sorted("id")[-1]
        self.assertEqual((event.event_type, event.is_involuntary), ("cancel", True))
        # Period 03-02 .. 04-01 (31 days); service ends 03-17, so 03-18 .. 04-01 are
        # unused: 15 days, credited 30 × 15/31 = 14.52 + 15 % tax 2.18 = 16.70 and
        # set against the invoice of 34.50, which leaves 34.50 − 16.70 = 17.80 to pay.
        credit = self.subscription.invoice_ids.filtered(
            lambda m: m.move_type == "out_refund"
        )
        self.assertEqual(credit.amount_untaxed, 14.52)
        self.assertEqual(credit.amount_total, 16.70)
        self.assertEqual(self.invoice.amount_residual, 17.80)
        self.assertEqual(credit.payment_state, "paid")

    def test_keep_outcome_leaves_the_subscription_active(self):
        self.company.dunning_outcome = "keep"
        dunning = self._fail("2026-03-10")
        for day in ("2026-03-13", "2026-03-15", "2026-03-17"):
            self._run(day)
        self.assertEqual(dunning.state, "closed")
        self.assertEqual(self.subscription.state, "active")
        self.assertEqual(self.invoice.amount_residual, 34.5)

    def test_customer_cancelling_ends_the_follow_up(self):
        dunning = self._fail("2026-03-10")
        with freeze_time("2026-03-11"):
            self.subscription.action_cancel()
        self.assertEqual(dunning.state, "closed")
        self._run("2026-03-13")
        self.assertEqual(len(self._reminders(dunning)), 1)

    def test_a_credit_note_reversing_the_invoice_is_not_recovered(self):
        dunning = self._fail("2026-03-10")
        with freeze_time("2026-03-11"):
            # Reversed in full and set against it, as "Reverse" with cancel does.
            self.invoice._reverse_moves(cancel=True)
        self.assertEqual(self.invoice.payment_state, "reversed")
        self._run("2026-03-13")
        self.assertEqual(dunning.state, "closed")

    def test_second_failure_joins_the_open_follow_up(self):
        first = self._fail("2026-03-10")
        second = self._fail("2026-03-12", reason="Card expired")
        self.assertEqual(first, second)
        self.assertEqual(first.date_failure, date(2026, 3, 10))
        self.assertEqual(first.reason, "Card expired")
        # One reminder so far: the next step tells of both failures.
        self.assertEqual(len(self._reminders(first)), 1)

    def test_plan_retry_days_override_the_company(self):
        self.plan_basic.dunning_retry_days = "1,2"
        dunning = self._fail("2026-03-10")
        self.assertEqual(dunning.date_next_step, date(2026, 3, 11))
        self._run("2026-03-11")
        self._run("2026-03-12")
        self.assertEqual(dunning.state, "suspended")

    def test_bad_retry_days_are_refused_naming_the_plan(self):
        with self.assertRaisesRegex(
            ValidationError, r"retry days '5,3' of \[BASIC\] Basic.*days must increase"
        ):
            self.plan_basic.dunning_retry_days = "5,3"
        with self.assertRaisesRegex(ValidationError, "'x' is not a number"):
            self.company.dunning_retry_days = "x"

    def test_only_managers_stop_a_follow_up(self):
        dunning = self._fail("2026-03-10")
        user = new_test_user(
            self.env,
            "dunning_user",
            groups="recurring_billing.group_user",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        with self.assertRaisesRegex(UserError, "Only subscription managers"):
            dunning.with_user(user).action_stop()
        self.assertEqual(dunning.state, "running")
        manager = new_test_user(
            self.env,
            "dunning_manager",
            groups="recurring_billing.group_manager",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        dunning.with_user(manager).action_stop()
        self.assertEqual(dunning.state, "closed")
        self.assertFalse(self.subscription.dunning_id)

    def test_only_a_manager_resumes_a_suspended_subscription_before_payment(self):
        self.plan_basic.dunning_retry_days = "1"
        dunning = self._fail("2026-03-10")
        self._run("2026-03-11")
        self.assertTrue(self.subscription.is_suspended)
        user = new_test_user(
            self.env,
            "resume_user",
            groups="recurring_billing.group_user",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        with (
            freeze_time("2026-03-12"),
            self.assertRaisesRegex(UserError, "suspended for non-payment"),
        ):
            self.subscription.with_user(user).action_resume()
        self.assertEqual(self.subscription.state, "paused")
        manager = new_test_user(
            self.env,
            "resume_manager",
            groups="recurring_billing.group_manager",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        with freeze_time("2026-03-12"):
            self.subscription.with_user(manager).action_resume()
        self.assertEqual(self.subscription.state, "active")
        self.assertFalse(self.subscription.is_suspended)
        self.assertEqual(dunning.state, "closed")
        # Still owed: the manager's decision forgives nothing.
        self.assertEqual(self.invoice.amount_residual, 34.5)

    def test_cancel_outcome_ends_a_subscription_within_its_minimum_term(self):
        # Committed for 12 months from 03-02: the customer could not cancel before
        # 2027-03-01, but the company's dunning outcome may.
        self.plan_basic.write({"dunning_outcome": "cancel", "minimum_term_months": 12})
        self._fail("2026-03-10")
        for day in ("2026-03-13", "2026-03-15", "2026-03-17"):
            self._run(day)
        self.assertEqual(self.subscription.state, "cancelled")
        self.assertEqual(self.subscription.date_end, date(2026, 3, 17))
