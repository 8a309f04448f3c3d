"""What charging a batch of invoices costs, and the notes it leaves on them."""

from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.recurring_billing.models.account_move_payment import AccountMove

from .payment_common import PaymentTokenCommon

# Odoo writes three notes on the invoice of a charge that is done at once (sent,
# received, payment posted); a message posted on its own costs about six queries
# (alias domain, alias, insert, attachments, followers, subtypes), so writing them
# one at a time costs about 18 queries more per invoice. Measured in this test, a
# charged invoice costs 131 queries with the notes written one at a time and 112.5
# with them written per batch: the budget lies between.
QUERIES_PER_CHARGE = 120


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
        return queries

    def test_notes_of_a_charge_cost_no_query_per_invoice(self):
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
