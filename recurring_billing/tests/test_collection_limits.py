"""How long a payment under way keeps an invoice from being collected, and what a
failure of the collection is: a payment under way holds the invoice back while it is
under way (a customer's draft one an hour only), a customer paying by hand is neither
charged beside it nor charged what they paid, a failure of the database is not the
customer's, a retry sent is never forgotten and a debit under way is not doubled by a
link to pay."""

from datetime import date
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2 import errors as pg_errors

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.recurring_billing.models.account_move_payment import (
    AccountMove as PaymentMove,
)
from odoo.addons.recurring_billing.models.payment_transaction import (
    PaymentTransaction,
)
from odoo.addons.recurring_billing.models.recurring_dunning import RecurringDunning

from .payment_common import START
from .sepa_common import SepaCommon
from .test_collection_overlaps import DunningOverlapCommon

# Basic is 30 a month, with the 15 % sales tax of the test company: 30 + 4.50.
BASIC_TOTAL = 34.5


class LimitsCommon(DunningOverlapCommon):
    def _invoiced(self, simulated_state="done", day="2026-01-10 09:00"):
        """Basic invoiced now on ``day`` (34.50) to a card ending charges in
        ``simulated_state``, not charged yet."""
        sub = self._token_subscription(simulated_state)
        with freeze_time(day):
            sub.action_invoice_now()
        return sub, self._invoices(sub)

    def _reminders(self, dunning):
        return dunning.message_ids.filtered(
            lambda m: m.message_type == "comment" and "failed" in (m.subject or "")
        )


@tagged("post_install", "-at_install")
class TestPaymentStillUnderWay(LimitsCommon):
    def test_transfer_left_pending_is_not_charged_beside_it(self):
        sub, invoice = self._invoiced()
        with freeze_time("2026-01-10 09:00"):
            # The customer chose to pay the 34.50 by wire transfer: the transaction
            # stays pending until the money arrives, which may take days.
            self._online_payment(invoice)
        # Two weeks on, still pending: charged now, the customer whose transfer
        # then arrives would pay 69.00 for 34.50. The invoice stays to charge,
        # should the transfer be cancelled.
        self._collect("2026-01-24 09:00")
        self.assertFalse(self._charges(invoice))
        self.assertTrue(invoice.recurring_charge_due)
        self.assertEqual(invoice.amount_residual, BASIC_TOTAL)

    def test_charge_whose_run_stopped_before_sending_is_not_charged_again(self):
        sub, invoice = self._invoiced()
        # The run stops between committing the charge and sending it, or after
        # sending it and before recording the answer: only the provider knows.
        with patch.object(PaymentTransaction, "_recurring_send_charges", autospec=True):
            self._collect("2026-01-10 09:00")
        charge = self._charges(invoice)
        self.assertEqual(charge.state, "draft")
        self._collect("2026-01-11 09:00")
        # A second charge of 34.50 would be paid twice if the first one went
        # through: the draft one is still awaited, and nothing else is charged.
        self.assertEqual(self._charges(invoice), charge)
        self.assertEqual(charge.state, "draft")
        self.assertFalse(sub.dunning_id)

    def test_outcome_waits_for_a_retry_never_answered(self):
        # 34.50 declined on 01-10, 01-13 and 01-15; the last retry, on 01-17,
        # is never answered by the provider.
        sub, invoice, _retry = self._last_retry_pending()
        self._run_dunning("2026-02-05")
        # Cancelled now, 4 unused days would be credited (-30 x 4/31 = -3.87, tax
        # -0.58: 4.45) while the pending retry may still take the 34.50.
        self.assertEqual(sub.state, "active")
        self.assertEqual(self._invoices(sub), invoice)
        self.assertEqual(invoice.amount_residual, BASIC_TOTAL)


@tagged("post_install", "-at_install")
class TestCustomerPaymentBesideACharge(LimitsCommon):
    def test_customer_on_the_provider_page_is_not_charged_beside_it(self):
        sub, invoice = self._invoiced()
        with freeze_time("2026-01-10 09:00"):
            # The customer clicks Pay: sent to the provider's page to confirm
            # 34.50, a draft transaction the while.
            self._online_payment(invoice, pending=False)
        self._collect("2026-01-10 09:30")
        # Charged now, the customer confirming would pay 69.00 for 34.50.
        self.assertFalse(self._charges(invoice))
        self.assertTrue(invoice.recurring_charge_due)
        # An hour on the page unconfirmed: abandoned, the card is charged.
        self._collect("2026-01-10 10:01")
        charge = self._charges(invoice)
        self.assertEqual((charge.state, charge.amount), ("done", BASIC_TOTAL))

    def test_transfer_of_the_customer_not_matched_pays_the_next_invoice(self):
        sub = self._token_subscription("done")
        with freeze_time("2026-01-08"):
            # The customer transfers 34.50 ahead; booked, matched to no invoice.
            payment = self.env["account.payment"].create(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": self.customer.id,
                    "amount": BASIC_TOTAL,
                    "currency_id": sub.currency_id.id,
                    "journal_id": self.company_data["default_journal_bank"].id,
                }
            )
            payment.action_post()
        with freeze_time("2026-01-10"):
            sub.action_invoice_now()
        invoice = self._invoices(sub)
        self._collect("2026-01-10")
        # The 34.50 paid settles the invoice: charged beside it, the customer
        # would pay 69.00 for 34.50.
        self.assertFalse(self._charges(invoice))
        self.assertEqual(invoice.amount_residual, 0.0)

    def test_payment_made_for_two_invoices_posted_again_pays_both(self):
        first_sub, first = self._invoiced()
        second_sub, second = self._invoiced()
        both = first | second
        with freeze_time("2026-01-10 10:00"):
            # The customer pays both 34.50 invoices at once by transfer: one
            # payment of 69.00 for the two, booked by the accountant.
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=both.ids
            ).create({"group_payment": True})._create_payments()
            self.assertEqual(both.mapped("amount_residual"), [0.0, 0.0])
            # Both are reset to draft to fix a label, and posted again.
            both.button_draft()
            both.action_post()
        self._collect("2026-01-10 11:00")
        # The 69.00 pays both again: charging the second beside it, the customer
        # would pay 34.50 twice.
        self.assertFalse(self._charges(both))
        self.assertEqual(both.mapped("amount_residual"), [0.0, 0.0])


@tagged("post_install", "-at_install")
class TestChargeFailures(LimitsCommon):
    def test_database_error_is_not_a_declined_charge(self):
        sub, invoice = self._invoiced()
        error = pg_errors.SerializationFailure("could not serialize access")
        with (
            freeze_time("2026-01-10 09:00"),
            patch.object(
                PaymentMove, "_recurring_charge_vals", autospec=True, side_effect=error
            ),
            self.assertRaises(pg_errors.SerializationFailure),
        ):
            invoice._recurring_charge_token()
        # The database's failure, not the customer's: no follow-up telling the
        # customer to pay 34.50; the invoice stays to charge, charged next run.
        self.assertFalse(sub.dunning_id)
        self.assertTrue(invoice.recurring_charge_due)
        self._collect("2026-01-10 10:00")
        charge = self._charges(invoice)
        self.assertEqual((charge.state, charge.amount), ("done", BASIC_TOTAL))

    def test_provider_module_failing_on_one_invoice_is_followed_up(self):
        first_sub, first = self._invoiced()
        second_sub, second = self._invoiced()
        failing = first.id

        def charge_vals(move, attempt):
            if move.id == failing:
                raise KeyError("acquirer_reference")
            return original(move, attempt)

        original = PaymentMove._recurring_charge_vals
        with (
            freeze_time("2026-01-10 09:00"),
            patch.object(
                PaymentMove,
                "_recurring_charge_vals",
                autospec=True,
                side_effect=charge_vals,
            ),
            mute_logger("odoo.addons.recurring_billing.models.account_move_payment"),
        ):
            (first | second)._recurring_charge_token()
        # The first invoice's 34.50 is followed up, not tried again every run
        # before the others; the second is charged its 34.50 all the same.
        self.assertFalse(first.recurring_charge_due)
        self.assertEqual(first_sub.dunning_id.amount_due, BASIC_TOTAL)
        charge = self._charges(second)
        self.assertEqual((charge.state, charge.amount), ("done", BASIC_TOTAL))

    def test_retry_sent_is_kept_when_its_step_fails(self):
        sub, invoice = self._invoiced("error")
        self._collect("2026-01-10 09:00")
        refusal = UserError("The reminder could not be sent.")
        with (
            patch.object(
                RecurringDunning, "_send_reminder", autospec=True, side_effect=refusal
            ),
            mute_logger("odoo.addons.recurring_billing.models.recurring_dunning"),
        ):
            self._run_dunning("2026-01-13")
        # The retry of 34.50 went to the card before the step failed: it is in
        # the books, and the next retry is another attempt, not the same sent
        # again.
        self.assertEqual(self._charges(invoice).mapped("recurring_attempt"), [1, 2])
        self._run_dunning("2026-01-14")
        self.assertEqual(self._charges(invoice).mapped("recurring_attempt"), [1, 2, 3])

    def test_retry_of_a_run_stopped_is_charged_by_the_charging_job_once(self):
        sub, invoice = self._invoiced("error")
        self._collect("2026-01-10 09:00")
        sub.payment_token_id.demo_simulated_state = "done"
        # The follow-up's run stops once the retry is asked for, before charging.
        with patch.object(PaymentMove, "_recurring_charge_token", autospec=True):
            self._run_dunning("2026-01-13")
        self.assertTrue(invoice.recurring_charge_due)
        self._collect("2026-01-13 12:00")
        self._collect("2026-01-13 13:00")
        # One retry of the 34.50, which pays it.
        self.assertEqual(self._charges(invoice).mapped("recurring_attempt"), [1, 2])
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertFalse(sub.dunning_id)


@tagged("post_install", "-at_install")
class TestReminderBesideADebit(SepaCommon, LimitsCommon):
    def test_no_link_to_pay_while_a_debit_collects_the_invoice(self):
        sub, invoice = self._invoiced("error")
        self._collect("2026-01-10 09:00")
        dunning = sub.dunning_id
        self.assertEqual(len(self._reminders(dunning)), 1)
        with freeze_time("2026-01-11"):
            # Back to SEPA: the 34.50 is put in a debit batch.
            sub.write(
                {
                    "payment_method": "sepa",
                    "payment_token_id": False,
                    "mandate_id": self.mandate.id,
                }
            )
            invoice.action_sepa_collect()
        self.assertEqual(invoice.sepa_line_ids.amount, BASIC_TOTAL)
        self._run_dunning("2026-01-13")
        # A link to pay online now, and the customer paying would be debited the
        # 34.50 too: no reminder while the debit collects it.
        self.assertEqual(dunning.step, 1)
        self.assertEqual(len(self._reminders(dunning)), 1)
        self.assertEqual(date(2026, 1, 13), dunning.date_last_step)

    def test_no_link_to_pay_while_the_retry_waits_for_the_provider(self):
        sub, invoice = self._invoiced("error")
        self._collect("2026-01-10 09:00")
        dunning = sub.dunning_id
        self.assertEqual(len(self._reminders(dunning)), 1)
        # The retry of 01-13 (attempt 2, 34.50) waits for the provider's answer.
        sub.payment_token_id.demo_simulated_state = "pending"
        self._run_dunning("2026-01-13")
        retry = self._charges(invoice)[-1]
        self.assertEqual((retry.recurring_attempt, retry.state), (2, "pending"))
        # A link to pay online now, and the customer paying would be charged the
        # 34.50 twice when the retry goes through: no reminder this step.
        self.assertEqual(dunning.step, 1)
        self.assertEqual(len(self._reminders(dunning)), 1)


@tagged("post_install", "-at_install")
class TestDebitSelectionRights(SepaCommon, LimitsCommon):
    def _preparer(self):
        """A subscription manager with read-only accounting (an auditor's rights:
        invoices, not payment transactions) who prepares the month's debits."""
        return new_test_user(
            self.env,
            login="sepa_preparer",
            groups="recurring_billing.group_manager,account.group_account_readonly",
            company_id=self.company.id,
        )

    def test_subscription_manager_reading_the_books_selects_invoices(self):
        user = self._preparer()
        with freeze_time("2026-01-10"):
            sub = self._active(self.plan_basic, START, payment_method="sepa")
            sub.action_invoice_now()
            invoice = self._invoices(sub)
            batch = self._batch(date(2026, 1, 31)).with_user(user)
            batch.action_select_invoices()
        # Whether the invoice is being paid is the system's to know: its 34.50 is
        # selected, not refused for rights on payments the user has no use for.
        self.assertEqual(batch.line_ids.invoice_id, invoice)
        self.assertEqual(batch.line_ids.amount, BASIC_TOTAL)

    def test_subscription_manager_reading_the_books_selects_an_invoice_part_paid(self):
        user = self._preparer()
        with freeze_time("2026-01-10"):
            sub = self._active(self.plan_basic, START, payment_method="sepa")
            # The customer transferred 10.00 ahead, matched to no invoice.
            payment = self.env["account.payment"].create(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": sub.partner_id.id,
                    "amount": 10.0,
                    "currency_id": sub.currency_id.id,
                    "journal_id": self.company_data["default_journal_bank"].id,
                }
            )
            payment.action_post()
            sub.action_invoice_now()
            invoice = self._invoices(sub)
            batch = self._batch(date(2026, 1, 31)).with_user(user)
            batch.action_select_invoices()
        # The 10.00 is set against the 34.50 for the user who may only read the
        # books: 34.50 - 10.00 = 24.50 debited, never the whole invoice.
        self.assertEqual(batch.line_ids.amount, 24.5)
        self.assertEqual(invoice.amount_residual, 24.5)
