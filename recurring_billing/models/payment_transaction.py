"""The transactions that charge recurring invoices to a saved payment method: which
attempt of which invoice each one is, sending them, and what follows a failure; and
the validation that saves a customer's payment method for a subscription."""

import logging
from collections import defaultdict

from markupsafe import escape

from odoo import SUPERUSER_ID, Command, fields, models
from odoo.exceptions import UserError, ValidationError

from .tools import selection_label

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    recurring_invoice_id = fields.Many2one(
        "account.move",
        "Charged Recurring Invoice",
        readonly=True,
        copy=False,
        help="The subscription invoice this transaction charges to the customer's "
        "saved payment method.",
    )
    recurring_attempt = fields.Integer(
        "Charge Attempt",
        readonly=True,
        copy=False,
        help="1 for the first automatic charge of the invoice, then one more for "
        "each new attempt.",
    )

    recurring_subscription_id = fields.Many2one(
        "recurring.subscription",
        "Subscription to Collect",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The subscription whose saved payment method becomes the one this "
        "validation saves, once the provider confirms it.",
    )
    recurring_token_offered = fields.Boolean(
        "Offered to the Subscription",
        readonly=True,
        copy=False,
        help="The payment method this validation saved was offered to its "
        "subscription, at the first confirmation of the provider: set, or refused "
        "with the reason. A later confirmation (an authorization captured) does "
        "not offer it again.",
    )

    # A worker killed and run again, or two workers at once, cannot charge the same
    # attempt of an invoice twice; NULL invoices (other payments) are not compared.
    # Its index, led by the invoice, is the one the charges of an invoice are found by.
    _sql_constraints = [
        (
            "recurring_attempt_unique",
            "UNIQUE(recurring_invoice_id, recurring_attempt)",
            "This attempt to charge the invoice has already been made.",
        ),
    ]

    def _recurring_send_charges(self):
        """Send the charges to their providers, each on its own: one that fails ends
        in error and does not stop the others. Those with an outcome (done, error,
        cancel) are then post-processed together: paid invoices are reconciled.

        The notes Odoo writes on the invoice of a charge (sent, received, payment
        posted) are written for the whole batch at once, in the order they were
        written, instead of one message at a time.
        """
        log = []
        txs = self.with_context(recurring_charge_log=log)
        finished = txs.browse()
        for tx in txs:
            logged = len(log)
            try:
                with self.env.cr.savepoint():
                    tx._send_payment_request()
            except Exception as error:  # noqa: BLE001 - any refusal: not charged
                _logger.info("Charge %s not sent: %s", tx.reference, error)
                del log[logged:]  # rolled back with the savepoint
                tx._set_error(
                    self.env._(
                        "The payment request could not be sent: %(error)s",
                        error=error,
                    )
                )
            if tx.state in ("done", "error", "cancel") and not tx.is_post_processed:
                finished |= tx
        # Written before the post-processing, whose failure notes come after them.
        txs._recurring_log_notes(log)
        finished._recurring_post_process(log)
        txs._recurring_log_notes(log)
        return self

    def _recurring_post_process(self, log):
        """Post-process the finished charges of ``self`` in one go; if that fails,
        one at a time, so that one failing charge leaves the others processed."""
        if not self:
            return
        try:
            with self.env.cr.savepoint():
                self._post_process()
            return
        except Exception:  # noqa: BLE001 - retried one by one to find the culprit
            del log[:]  # what was logged is rolled back with the savepoint
            _logger.info("Charges post-processed one by one")
        for tx in self:
            logged = len(log)
            try:
                with self.env.cr.savepoint():
                    tx._post_process()
            except Exception:  # noqa: BLE001 - Odoo's payment job tries it again
                del log[logged:]
                _logger.warning("Charge %s not post-processed", tx.reference)

    def _log_message_on_linked_documents(self, message):
        log = self.env.context.get("recurring_charge_log")
        if log is None or not self.recurring_invoice_id or self.source_transaction_id:
            return super()._log_message_on_linked_documents(message)
        # A charge is linked to its invoice only: what Odoo would post on it one
        # message at a time is kept for ``_recurring_log_notes``.
        self.ensure_one()
        log.append((self, message))
        return None

    def _recurring_log_notes(self, log):
        """Write the notes kept in ``log`` on the invoices of their charges, as Odoo
        would (same text, author and type), a batch of messages per round: the first
        note of each invoice, then the second…; ``log`` is emptied."""
        rounds = defaultdict(dict)
        written = defaultdict(int)
        for tx, message in log:
            # Odoo's author of these notes: the user, or the customer in a
            # superuser's run.
            author = (
                self.env.user.partner_id
                if self.env.uid == SUPERUSER_ID
                else tx.partner_id
            )
            for invoice in tx.invoice_ids:
                rounds[written[invoice.id], author.id][invoice.id] = escape(message)
                written[invoice.id] += 1
        del log[:]
        for (_round, author_id), bodies in sorted(rounds.items()):
            self.env["account.move"].browse(bodies)._message_log_batch(
                bodies=bodies, author_id=author_id
            )

    def _post_process(self):
        # Post-processed once per state reached, by the charge itself or, for an
        # answer the provider sends later, by Odoo's payment job. The payments of
        # charges are made together first: Odoo's then finds them made.
        payable = self.browse()
        for tx in self:
            if tx._recurring_paid_in_batch():
                payable |= tx
        payable._recurring_create_payments()
        result = super()._post_process()
        self.filtered(
            lambda tx: tx.recurring_invoice_id and tx.state in ("error", "cancel")
        )._recurring_charge_failed()
        self.filtered(
            lambda tx: (
                tx.recurring_subscription_id
                and tx.operation == "validation"
                and tx.state in ("authorized", "done")
                and tx.token_id
                and not tx.recurring_token_offered
            )
        )._recurring_collect_with_token()
        self.filtered(
            lambda tx: (
                tx.recurring_subscription_id
                and tx.operation == "validation"
                and tx.token_id
                and tx._recurring_card_refused()
            )
        )._recurring_release_token()
        return result

    def _recurring_collect_with_token(self):
        """The payment method the customer saved for a subscription collects it now;
        one the subscription cannot be paid by is told in its chatter instead,
        once."""
        self.recurring_token_offered = True
        for tx in self:
            sub = tx.recurring_subscription_id
            try:
                with self.env.cr.savepoint():
                    sub.action_set_payment_token(tx.token_id)
            except (UserError, ValidationError) as error:
                sub.message_post(
                    body=self.env._(
                        "The payment method %(token)s saved by the customer does not "
                        "collect %(subscription)s: %(error)s",
                        token=tx.token_id.display_name,
                        subscription=sub.name,
                        error=error.args[0],
                    )
                )

    def _recurring_card_refused(self):
        """Whether this validation says its card may not be charged: it failed, it
        was cancelled before the provider ever authorized it, or the provider
        deleted the card. An authorization voided is how a card check releases the
        amount it held (a manual capture): the card stays good."""
        self.ensure_one()
        return (
            self.state == "error"
            or (self.state == "cancel" and not self.recurring_token_offered)
            or (self.state in ("cancel", "error") and not self.token_id.active)
        )

    def _recurring_release_token(self):
        """A validation whose card is refused in the end
        (``_recurring_card_refused``): the payment method it saved no longer collects the
        subscription, which is paid by hand until the customer saves another one."""
        for tx in self:
            sub = tx.recurring_subscription_id
            if (
                sub.payment_method != "token"
                or sub.payment_token_id != tx.token_id
                or sub.state not in ("draft", "trial", "active", "paused")
            ):
                continue
            sub._remove_payment_token(
                reason=self.env._(
                    "The payment provider did not confirm %(token)s in the end: "
                    "%(reason)s",
                    token=tx.token_id.display_name,
                    reason=tx.state_message or selection_label(tx, "state"),
                )
            )

    def _recurring_charge_failed(self):
        """The automatic charge of a recurring invoice failed or was cancelled: its
        invoice's payment failed, for the provider's reason."""
        for tx in self:
            tx.recurring_invoice_id._recurring_payment_failed(
                tx.state_message or selection_label(tx, "state")
            )

    def _recurring_paid_in_batch(self):
        """Whether the payment of this charge is made by ``_recurring_create_payments``
        rather than one at a time by Odoo: a done charge of a posted invoice with no
        early payment discount (the charge is the full amount due, which Odoo's
        discount never applies to), and no payment yet."""
        self.ensure_one()
        invoice = self.recurring_invoice_id
        return bool(
            invoice
            and self.state == "done"
            and self.operation == "offline"
            and self.amount > 0
            and not self.payment_id
            and not self.child_transaction_ids
            and invoice.state == "posted"
            and not invoice.invoice_payment_term_id.early_discount
        )

    def _recurring_create_payments(self):
        """Pay the invoices of the done charges of ``self`` as Odoo's own
        ``_create_payment`` does, with one create, one post and one reconciliation
        for the whole batch instead of one each."""
        for company, txs in self.grouped("company_id").items():
            txs = txs.with_company(company)
            payments = (
                self.env["account.payment"]
                .with_company(company)
                .create([tx._recurring_payment_vals() for tx in txs])
            )
            payments.action_post()
            plan = []
            for tx, payment in zip(txs, payments, strict=True):
                tx.payment_id = payment
                plan.append(
                    (payment.move_id.line_ids + tx.invoice_ids.line_ids).filtered(
                        lambda line, payment=payment: (
                            line.account_id == payment.destination_account_id
                            and not line.reconciled
                        )
                    )
                )
            self.env["account.move.line"]._reconcile_plan(plan)

    def _recurring_payment_vals(self):
        """The values Odoo's ``_create_payment`` gives the payment of this charge."""
        self.ensure_one()
        provider = self.provider_id
        method_line = provider.journal_id.inbound_payment_method_line_ids.filtered(
            lambda line: line.payment_provider_id == provider
        )
        return {
            "amount": self.amount,
            "payment_type": "inbound",
            "currency_id": self.currency_id.id,
            "partner_id": self.partner_id.commercial_partner_id.id,
            "partner_type": "customer",
            "journal_id": provider.journal_id.id,
            "company_id": provider.company_id.id,
            "payment_method_line_id": method_line.id,
            "payment_token_id": self.token_id.id,
            "payment_transaction_id": self.id,
            "memo": f"{self.reference} - {self.partner_id.display_name or ''} - "
            f"{self.provider_reference or ''}",
            "write_off_line_vals": [],
            "invoice_ids": [Command.set(self.invoice_ids.ids)],
        }
