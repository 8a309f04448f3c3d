"""What charging a batch of invoices costs, and the notes it leaves on them."""

from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.recurring_billing.models.account_move_payment import AccountMove

from .payment_common import PaymentTokenCommon

# What one more charged invoice costs, measured in this test: 131 queries with Odoo's
# notes (sent, received, payment posted: about six queries a message) and payments
# (create, post, reconcile) made one at a time; 112.5 with the notes written per
# batch; 50.5 with the payments made per batch too. The budget lies below 69 (the
# notes written one at a time again, 50.5 + 18.5) and above what is measured.
QUERIES_PER_CHARGE = 60


@tagged("post_install", "-at_install")
class TestPaymentTokenCost(PaymentTokenCommon):
    def _posted_token_invoices(self, count):
        """Posted invoices of ``count`` subscriptions paid by tokens whose charges
        are done at once, not charged yet."""
        partners = self.env["res.partner"].create(
            [
                {"name": f"Payer {n}", "street": f"{n} Rue Haute", "city": "Namur"}
                for n in range(count)
            ]
        )
        subs = self.Subscription
        for partner in partners:
            subs |= self._token_subscription("done", partner)
        with patch.object(
            AccountMove, "_recurring_charge_token", lambda moves, commit=False: None
        ):
            self._run_cron("2026-01-10")
        invoices = self._invoices(subs)
        self.assertEqual(len(invoices), count)
        self.env.flush_all()
        self.env.invalidate_all()
        return invoices

    def _charge_queries(self, count):
        invoices = self._posted_token_invoices(count)
        before = self.env.cr.sql_log_count
        txs = invoices._recurring_charge_token()
        self.env.flush_all()
        queries = self.env.cr.sql_log_count - before
        self.assertEqual(txs.mapped("state"), ["done"] * count)
        # Each invoice paid in full by its own charge's payment, reconciled.
        self.assertEqual(len(txs.payment_id), count)
        self.assertEqual(txs.payment_id.mapped("state"), ["paid"] * count)
        self.assertEqual(invoices.mapped("amount_residual"), [0.0] * count)
        for tx in txs:
            self.assertEqual(tx.payment_id.reconciled_invoice_ids, tx.invoice_ids)
        return queries

    def test_notes_and_payments_of_charges_are_made_per_batch(self):
        # A first charge fills the caches of the access rules and of the provider.
        self._charge_queries(1)
        extra = self._charge_queries(6) - self._charge_queries(2)
        self.assertLessEqual(extra / 4, QUERIES_PER_CHARGE)

    def test_done_charge_leaves_odoo_notes_on_the_invoice_in_order(self):
        invoice = self._posted_token_invoices(1)
        tx = invoice._recurring_charge_token()
        notes = invoice.message_ids.filtered(
            lambda message: tx.reference in (message.preview or "")
        ).sorted("id")
        # Sent, received (done), then the payment posted: as Odoo writes them.
        self.assertEqual(len(notes), 3)
        self.assertIn("has been initiated", notes[0].preview)
        self.assertIn("has been confirmed", notes[1].preview)
        self.assertIn("has been posted", notes[2].preview)
        self.assertIn(tx.payment_id.name, notes[2].preview)
        self.assertEqual(set(notes.mapped("message_type")), {"notification"})
        self.assertEqual(
            notes.subtype_id, self.env.ref("mail.mt_note"), "internal notes"
        )
        # Odoo signs them with the customer unless the superuser runs the charge.
        self.assertEqual(notes.author_id, tx.partner_id)

    def test_payment_that_fails_leaves_the_other_charges_paid(self):
        invoices = self._posted_token_invoices(3)
        failing = invoices[1].commercial_partner_id
        Payment = type(self.env["account.payment"])
        post = Payment.action_post

        def refused_for_one(payments):
            if failing in payments.partner_id:
                raise ValueError("The bank journal is locked")
            return post(payments)

        with (
            patch.object(Payment, "action_post", refused_for_one),
            mute_logger("odoo.addons.recurring_billing.models.payment_transaction"),
        ):
            txs = invoices._recurring_charge_token()
        self.assertEqual(txs.mapped("state"), ["done"] * 3)
        # Paid one by one once the batch failed: the others are paid; the charge
        # whose payment failed is left to Odoo's payment job, which tries again.
        self.assertEqual([bool(tx.payment_id) for tx in txs], [True, False, True])
        self.assertEqual([tx.is_post_processed for tx in txs], [True, False, True])
        self.assertEqual(invoices.mapped("amount_residual"), [0.0, 34.5, 0.0])
