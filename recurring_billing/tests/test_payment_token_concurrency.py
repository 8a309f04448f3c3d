"""Charges to saved payment methods with real, committed transactions: two workers
at once, and a worker killed between creating its charges and sending them."""

from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.tests import tagged

from .concurrency_common import ConcurrencyCommon, Killed


@tagged("post_install", "-at_install")
class TestPaymentTokenConcurrency(ConcurrencyCommon):
    """Ten subscriptions paid by a token whose charges stay pending: the provider's
    answer is awaited, so nothing may charge them again."""

    invoice_policy = "post"

    def _payment_vals(self, env, partner):
        token = env["payment.token"].create(
            {
                "provider_id": env.ref("payment.payment_provider_demo").id,
                "payment_method_id": env.ref("payment_demo.payment_method_demo").id,
                "partner_id": partner.id,
                "payment_details": "pending",
                "provider_ref": "demo-pending",
                "demo_simulated_state": "pending",
            }
        )
        return {"payment_method": "token", "payment_token_id": token.id}

    def _charges(self):
        """(invoice, attempt, state) of each committed charge."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            txs = env["payment.transaction"].search(
                [("recurring_invoice_id.subscription_id", "in", self.committed["subs"])]
            )
            return sorted(
                (tx.recurring_invoice_id.id, tx.recurring_attempt, tx.state)
                for tx in txs
            )

    def _charge_all(self):
        with self.registry.cursor() as cr:
            cr.transaction = api.Transaction(self.registry)
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoices = env["account.move"].search(
                [("subscription_id", "in", self.committed["subs"])]
            )
            return len(invoices._recurring_charge_token(commit=True))

    def test_two_workers_at_once_charge_each_invoice_once(self):
        handled = self._in_two_workers(lambda: self._run(batch_size=3))
        self.assertEqual(sum(handled), 10)
        charges = self._charges()
        # Ten invoices, each charged once by whichever worker invoiced it: attempt 1.
        self.assertEqual(len({invoice for invoice, _a, _s in charges}), 10)
        self.assertEqual([(a, s) for _i, a, s in charges], [(1, "pending")] * 10)
        # Both workers charging the same invoices again create nothing.
        self.assertEqual(self._in_two_workers(self._charge_all), [0, 0])
        self.assertEqual(len(self._charges()), 10)

    def test_worker_killed_before_sending_never_charges_twice(self):
        Transaction = type(self.env["payment.transaction"])

        def killed(txs):
            raise Killed

        with (
            patch.object(Transaction, "_recurring_send_charges", killed),
            self.assertRaises(Killed),
        ):
            self._run(batch_size=4)
        # The first batch of four was invoiced and its charges committed, not sent.
        charges = self._charges()
        self.assertEqual([(a, s) for _i, a, s in charges], [(1, "draft")] * 4)
        # Run again: the job invoices the six others and charges them; the four
        # charges whose outcome is unknown are not made again.
        self._run(batch_size=4)
        self.assertEqual(self._charge_all(), 0)
        charges = self._charges()
        self.assertEqual(len(charges), 10)
        self.assertEqual(
            sorted(s for _i, _a, s in charges), ["draft"] * 4 + ["pending"] * 6
        )
        self.assertEqual({a for _i, a, _s in charges}, {1})
