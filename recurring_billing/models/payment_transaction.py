"""The transactions that charge recurring invoices to a saved payment method: which
attempt of which invoice each one is, sending them, and what follows a failure; and
the validation that saves a customer's payment method for a subscription."""

import logging

from odoo import fields, models
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
        cancel) are post-processed at once: paid invoices are reconciled."""
        for tx in self:
            try:
                with self.env.cr.savepoint():
                    tx._send_payment_request()
            except Exception as error:  # noqa: BLE001 - any refusal: not charged
                _logger.info("Charge %s not sent: %s", tx.reference, error)
                tx._set_error(
                    self.env._(
                        "The payment request could not be sent: %(error)s",
                        error=error,
                    )
                )
            if tx.state not in ("done", "error", "cancel") or tx.is_post_processed:
                continue
            try:
                with self.env.cr.savepoint():
                    tx._post_process()
            except Exception:  # noqa: BLE001 - Odoo's payment job tries it again
                _logger.warning("Charge %s not post-processed", tx.reference)
        return self

    def _post_process(self):
        # Post-processed once per state reached, by the charge itself or, for an
        # answer the provider sends later, by Odoo's payment job.
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
            )
        )._recurring_collect_with_token()
        return result

    def _recurring_collect_with_token(self):
        """The payment method the customer saved for a subscription collects it now;
        one the subscription cannot be paid by is told in its chatter instead."""
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

    def _recurring_charge_failed(self):
        """The automatic charge of a recurring invoice failed or was cancelled: told
        on the invoice and the subscription, and followed up (retries, reminders with
        a link to pay, then the outcome of the dunning policy)."""
        for tx in self:
            invoice = tx.recurring_invoice_id
            reason = tx.state_message or selection_label(tx, "state")
            message = self.env._(
                "Automatic payment of %(invoice)s failed: %(reason)s",
                invoice=invoice.name,
                reason=reason,
            )
            invoice.message_post(body=message)
            invoice.subscription_id.message_post(body=message)
            if invoice.payment_state not in ("paid", "in_payment"):
                self.env["recurring.dunning"]._start(invoice, reason)
