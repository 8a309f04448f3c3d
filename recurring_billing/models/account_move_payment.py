"""Collecting the posted invoices of subscriptions paid by a saved payment method:
one off-session transaction per invoice and attempt, sent to the token's provider,
for what is left once the subscription's credit notes are set against the invoice.

Whatever door posts an invoice (the invoicing job, *Invoice now*, a change, a cancel
or pause billing the due periods, a period re-invoiced, an accountant posting a
draft), posting marks it to charge; the charging job charges it once committed."""

import logging
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, split_every

from .sepa_debit_batch_line import PENDING_STATES
from .tools import may_commit

_logger = logging.getLogger(__name__)

# An invoice with a transaction in one of these states is being paid already: its
# outcome is awaited before it is charged again.
AWAITED_STATES = ("pending", "authorized")
# How long a customer's draft transaction is awaited: sent to the provider's page,
# the customer confirms within the hour; older, it was abandoned.
DRAFT_AWAITED_HOURS = 1


def awaited_domain(now):
    """The domain of the transactions whose outcome is awaited at ``now``.

    Pending or authorized at any age: a transfer or a debit run by a provider takes
    days, an authorization may still be captured; collected again meanwhile, the
    customer would pay twice. Done but not yet booked at any age: the money is
    taken. A draft charge of ours at any age: its run may have sent it before it
    stopped, and only the provider knows. A customer's draft within
    ``DRAFT_AWAITED_HOURS``. An invoice held back by a payment that never ends is
    the accountant's to settle (see the charging rules in BILLING.md)."""
    return [
        "|",
        "|",
        ("state", "in", AWAITED_STATES),
        "&",
        ("state", "=", "done"),
        ("is_post_processed", "=", False),
        "&",
        ("state", "=", "draft"),
        "|",
        ("recurring_invoice_id", "!=", False),
        ("last_state_change", ">=", now - timedelta(hours=DRAFT_AWAITED_HOURS)),
    ]


BATCH_SIZE = 100


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        # The invoicing job charges its invoices itself, right after committing
        # them; any other door leaves them to the charging job, which runs once
        # this transaction is committed: a charge is never sent for an invoice that
        # could still be rolled back.
        posted._recurring_to_charge()._recurring_charge_later()
        return posted

    def _recurring_charge_later(self):
        """Mark these invoices to charge and wake the charging job, which charges
        them once this transaction is committed (unless the caller charges them
        itself: context ``recurring_charge_inline``)."""
        if not self:
            return
        self.recurring_charge_due = True
        if not self.env.context.get("recurring_charge_inline"):
            # sudo: scheduling a job is the system's, not the user's, right.
            self.env.ref("recurring_billing.ir_cron_charge_invoices").sudo()._trigger()

    def _recurring_debit_pending(self):
        """The invoices of ``self`` with a SEPA debit in a batch, which collects
        them: neither charged to a card nor sent a link to pay beside it."""
        return self.filtered(
            lambda move: move.sepa_line_ids.filtered(
                lambda line: line.state in PENDING_STATES
            )
        )

    def _recurring_to_charge(self):
        """The posted customer invoices of ``self`` with an amount due whose
        subscription is paid by a saved payment method."""
        return self.filtered(
            lambda move: (
                move.move_type == "out_invoice"
                and move.state == "posted"
                and move.subscription_id.payment_method == "token"
                and move.currency_id.compare_amounts(move.amount_residual, 0) > 0
            )
        )

    @api.model
    def _cron_charge_invoices(self, batch_size=BATCH_SIZE):
        """Charge the invoices posted to charge and not charged yet, in batches
        committed outside of tests."""
        commit = may_commit(self.env)
        due = self.search([("recurring_charge_due", "=", True)], order="id")
        done = 0
        for ids in split_every(batch_size, due.ids):
            # Read again after the last commit: the invoicing job may have charged
            # some meanwhile, whose follow-up alone may charge them again.
            self.env.invalidate_all()
            batch = self.browse(ids).filtered("recurring_charge_due")
            batch._recurring_charge_token(commit=commit)
            done += len(ids)
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(due) - done)
        return done

    def _recurring_charge_token(self, commit=False):
        """Charge each invoice of ``self`` that may be charged to the saved payment
        method of its subscription; returns the transactions created.

        An invoice is charged if it is a posted customer invoice of a subscription
        paid by a saved payment method, with an amount due, and no transaction of it
        is awaited (``_recurring_awaited_transactions``). Its charge is the next
        attempt (1, 2, …) for its amount due once the open credit notes of its
        subscription are set against it. A charge that fails ends in error and
        leaves the others be. With ``commit``, the transactions are committed
        before they are sent, so that a run killed meanwhile can never send an
        attempt again, and once sent.
        """
        invoices, kept = self._recurring_chargeable()
        txs, raced = invoices._recurring_create_charges()
        # Charged, followed up, being charged or with nothing left to charge: done
        # with, unless another worker charges it or another payment of it is
        # awaited, whose failure leaves it to charge.
        (
            self.filtered("recurring_charge_due") - kept - raced
        ).recurring_charge_due = False
        if commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        txs._recurring_send_charges()
        if commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return txs

    def _recurring_awaited_transactions(self):
        """The transactions of the invoices of ``self`` whose outcome is awaited
        (``awaited_domain``): until it is known, such an invoice is neither charged
        to a saved payment method nor debited by SEPA, so that it is never
        collected twice."""
        # Transactions are the payment managers' records; whether one is awaited
        # decides the collection, whoever runs it.
        return (
            self.env["payment.transaction"]
            .sudo()
            .search(
                [
                    ("invoice_ids", "in", self.ids),
                    *awaited_domain(fields.Datetime.now()),
                ]
            )
        )

    def _recurring_being_paid(self):
        """The invoices of ``self`` with a transaction whose outcome is awaited."""
        paying = set(self._recurring_awaited_transactions().invoice_ids.ids)
        return self.filtered(lambda move: move.id in paying)

    def _recurring_chargeable(self):
        """The invoices of ``self`` to charge now, locked, their credit notes set
        against them; and those left to charge later: another worker holds them, or
        a payment other than their own charge is awaited (the customer paying
        online), after whose failure they are charged."""
        invoices = self._recurring_to_charge()
        if not invoices:
            return invoices, invoices
        self.env.cr.execute(
            SQL(
                "SELECT id FROM account_move WHERE id = ANY(%s) "
                "FOR NO KEY UPDATE SKIP LOCKED",
                invoices.ids,
            )
        )
        locked = {row[0] for row in self.env.cr.fetchall()}
        held = invoices.filtered(lambda move: move.id not in locked)
        awaited = invoices._recurring_awaited_transactions()
        # Its own charge awaited, the charge's outcome (paid, or followed up) is
        # the invoice's; another payment awaited may still fail or be cancelled.
        charged_ids = set(awaited.recurring_invoice_id.ids)
        paid_ids = set(awaited.invoice_ids.ids) - charged_ids
        charging = invoices.filtered(lambda move: move.id in charged_ids)
        paying = invoices.filtered(lambda move: move.id in paid_ids)
        # An invoice switched from SEPA to a saved payment method while one of its
        # debits is in a batch is collected by that debit, not charged beside it.
        debited = invoices._recurring_debit_pending()
        free = invoices - held - charging - paying - debited
        free._recurring_settle_credits()
        free = free._recurring_to_charge()
        errors = {move: move.subscription_id._payment_token_error() for move in free}
        # A saved payment method that cannot pay any more (its provider disabled, the
        # currency refused since) would leave the invoice unpaid in silence: it is
        # followed up as a failure that no retry can mend.
        failed = free.filtered(lambda move: errors[move])
        for error, moves in failed.grouped(lambda move: errors[move]).items():
            self.env["recurring.dunning"]._start(moves, error, retry_allowed=False)
        return free - failed, held | paying

    def _recurring_create_charges(self):
        """The draft transactions charging the invoices of ``self``, each on its own
        (Odoo checks the token of a transaction for one record at a time); and the
        invoices another worker charged meanwhile. An invoice whose charge cannot be
        made (its provider or token refusing it) is followed up as a declined
        charge, never tried again in silence."""
        Transaction = self.env["payment.transaction"].sudo()
        last = dict(
            Transaction._read_group(
                [("recurring_invoice_id", "in", self.ids)],
                ["recurring_invoice_id"],
                ["recurring_attempt:max"],
            )
        )
        txs = Transaction
        raced = self.browse()
        refused = {}
        for move in self:
            try:
                with self.env.cr.savepoint():
                    txs |= Transaction.create(
                        move._recurring_charge_vals(last.get(move, 0) + 1)
                    )
            except pg_errors.UniqueViolation:
                _logger.info("Invoice %s is charged by another worker", move.name)
                raced |= move
            except (UserError, ValidationError) as error:
                # Refused by the provider or the token: cannot be made. Any other
                # error (a serialization failure, a lock timeout) is the database's,
                # not the customer's: the run fails and the charge is made again.
                _logger.info("Invoice %s not charged: %s", move.name, error)
                refused[move] = error
            except pg_errors.Error:
                raise
            except Exception as error:  # noqa: BLE001
                # A provider's module failing on this invoice alone: followed up
                # like a refusal, so that it does not stop every charge after it.
                _logger.warning("Invoice %s not charged: %s", move.name, error)
                refused[move] = error
        for move, error in refused.items():
            move._recurring_payment_failed(
                self.env._("The charge could not be made: %(error)s", error=error)
            )
        return txs, raced

    def _recurring_payment_failed(self, reason):
        """The automatic payment of these invoices failed for ``reason``: told on
        each invoice and its subscription, and those still unpaid followed up
        (retries, reminders with a link to pay, then the outcome of the dunning
        policy)."""
        for invoice in self:
            message = self.env._(
                "Automatic payment of %(invoice)s failed: %(reason)s",
                invoice=invoice.name,
                reason=reason,
            )
            invoice.message_post(body=message)
            invoice.subscription_id.message_post(body=message)
        unpaid = self.filtered(
            lambda invoice: invoice.payment_state not in ("paid", "in_payment")
        )
        if unpaid:
            self.env["recurring.dunning"]._start(unpaid, reason)

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
