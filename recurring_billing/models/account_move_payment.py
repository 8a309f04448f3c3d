"""Collecting the posted invoices of subscriptions paid by a saved payment method:
one off-session transaction per invoice and attempt, sent to the token's provider."""

import logging

from psycopg2 import errors as pg_errors

from odoo import Command, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# An invoice with a transaction in one of these states is being paid already: its
# outcome is awaited before it is charged again.
AWAITED_STATES = ("pending", "authorized")


class AccountMove(models.Model):
    _inherit = "account.move"

    def _recurring_charge_token(self, commit=False):
        """Charge each invoice of ``self`` that may be charged to the saved payment
        method of its subscription; returns the transactions created.

        An invoice is charged if it is a posted customer invoice of a subscription
        paid by a saved payment method, with an amount due, and no transaction of it
        is pending, authorized, done but not post-processed, or a charge not sent.
        Its charge is the next attempt (1, 2, …) for its amount due. A charge that
        fails ends in error and leaves the others be. With ``commit``, the
        transactions are committed before they are sent, so that a run killed
        meanwhile can never send an attempt again, and once sent.
        """
        invoices = self._recurring_chargeable()
        txs = invoices._recurring_create_charges()
        if commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        txs._recurring_send_charges()
        if commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return txs

    def _recurring_chargeable(self):
        """The invoices of ``self`` to charge now, locked: another worker skips them."""
        invoices = self.filtered(
            lambda move: (
                move.move_type == "out_invoice"
                and move.state == "posted"
                and move.subscription_id.payment_method == "token"
                and move.currency_id.compare_amounts(move.amount_residual, 0) > 0
            )
        )
        if not invoices:
            return invoices
        self.env.cr.execute(
            SQL(
                "SELECT id FROM account_move WHERE id = ANY(%s) "
                "FOR NO KEY UPDATE SKIP LOCKED",
                invoices.ids,
            )
        )
        locked = {row[0] for row in self.env.cr.fetchall()}
        # Transactions are the payment managers' records; whether one is awaited
        # decides the charge, whoever runs it.
        busy = (
            self.env["payment.transaction"]
            .sudo()
            .search(
                [
                    ("invoice_ids", "in", invoices.ids),
                    "|",
                    "|",
                    ("state", "in", AWAITED_STATES),
                    "&",
                    ("state", "=", "done"),
                    ("is_post_processed", "=", False),
                    "&",
                    ("state", "=", "draft"),
                    ("recurring_invoice_id", "!=", False),
                ]
            )
            .invoice_ids
        )
        free = invoices.filtered(lambda move: move.id in locked and move not in busy)
        errors = {move: move.subscription_id._payment_token_error() for move in free}
        # A saved payment method that cannot pay any more (its provider disabled, the
        # currency refused since) would leave the invoice unpaid in silence: it is
        # followed up as a failure that no retry can mend.
        failed = free.filtered(lambda move: errors[move])
        for error, moves in failed.grouped(lambda move: errors[move]).items():
            self.env["recurring.dunning"]._start(moves, error, retry_allowed=False)
        return free.filtered(lambda move: not errors[move])

    def _recurring_create_charges(self):
        """The draft transactions charging the invoices of ``self``, each on its own
        (Odoo checks the token of a transaction for one record at a time)."""
        Transaction = self.env["payment.transaction"].sudo()
        last = dict(
            Transaction._read_group(
                [("recurring_invoice_id", "in", self.ids)],
                ["recurring_invoice_id"],
                ["recurring_attempt:max"],
            )
        )
        txs = Transaction
        for move in self:
            try:
                with self.env.cr.savepoint():
                    txs |= Transaction.create(
                        move._recurring_charge_vals(last.get(move, 0) + 1)
                    )
            except pg_errors.UniqueViolation:
                _logger.info("Invoice %s is charged by another worker", move.name)
            except Exception as error:  # noqa: BLE001 - the other invoices go on
                _logger.warning("Invoice %s not charged: %s", move.name, error)
        return txs

    def _recurring_charge_vals(self, attempt):
        """The values of the transaction charging attempt ``attempt`` of this
        invoice: its amount due, in its currency, to its subscription's token."""
        self.ensure_one()
        # The charge is the company's own act on a posted invoice: the user whose
        # invoicing triggered it needs no rights on payment providers.
        token = self.subscription_id.payment_token_id.sudo()
        return {
            "provider_id": token.provider_id.id,
            "payment_method_id": token.payment_method_id.id,
            "token_id": token.id,
            "operation": "offline",
            "reference": self.env["payment.transaction"]
            .sudo()
            ._compute_reference(
                token.provider_id.code, prefix=f"{self.name}-R{attempt}"
            ),
            "amount": self.amount_residual,
            "currency_id": self.currency_id.id,
            "partner_id": self.commercial_partner_id.id,
            "invoice_ids": [Command.set(self.ids)],
            "recurring_invoice_id": self.id,
            "recurring_attempt": attempt,
        }
