import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..engine.sepa_calendar import collection_date
from .sepa_debit_batch_line import PENDING_STATES

_logger = logging.getLogger(__name__)

CRON_BATCH_SIZE = 200


class AccountMove(models.Model):
    """Collecting invoices by SEPA Direct Debit: which may be debited, with which
    mandate, and the pre-notification of their customers."""

    _inherit = "account.move"

    def _sepa_eligible_domain(self, company):
        """Open customer invoices in EUR of ``company`` that may be debited, but
        for a payment under way, which ``_sepa_settled`` leaves out: transactions
        are not every user's to search."""
        return [
            ("company_id", "=", company.id),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
            ("currency_id.name", "=", "EUR"),
            ("sepa_no_retry", "=", False),
            "|",
            ("subscription_id", "=", False),
            ("subscription_id.payment_method", "=", "sepa"),
            (
                "commercial_partner_id.sepa_mandate_ids",
                "any",
                [("state", "=", "valid"), ("company_id", "=", company.id)],
            ),
            (
                "sepa_line_ids",
                "not any",
                [("state", "in", PENDING_STATES)],
            ),
        ]

    def _sepa_settled(self):
        """These invoices with the credit notes of their subscriptions set against
        them, less those the credit notes paid in full and those with a payment
        awaited (a card charge or an online payment not yet done, which would
        collect them beside the debit): what is left to debit."""
        free = self - self._recurring_being_paid()
        free._recurring_settle_credits()
        return free.filtered(
            lambda move: not move.currency_id.is_zero(move.amount_residual)
        )

    def _sepa_mandate(self):
        """The mandate to debit the invoice with: its subscription's, else the
        customer's most recent valid mandate of the invoice's company."""
        self.ensure_one()
        mandate = self.subscription_id.mandate_id
        if mandate.state == "valid":
            return mandate
        return self.commercial_partner_id.sepa_mandate_ids.filtered(
            lambda m: m.state == "valid" and m.company_id == self.company_id
        ).sorted(lambda m: (m.date_signature or fields.Date.today(), m.id))[-1:]

    def _sepa_refuse_without_mandate(self):
        """Refuse to debit the invoice, which has no valid mandate to be debited
        with; the mandate that ended with its last collection is named."""
        self.ensure_one()
        mandates = self.subscription_id.mandate_id | (
            self.commercial_partner_id.sepa_mandate_ids
        )
        mandates.filtered(
            lambda m: (
                m.company_id == self.company_id
                and m.state == "expired"
                and m.end_after_next_collection
            )
        ).sorted("date_last_collection")[-1:]._check_usable()
        raise ValidationError(
            self.env._(
                "%(customer)s has no valid SEPA mandate: invoice %(invoice)s "
                "cannot be debited. Have the customer sign a mandate first.",
                customer=self.commercial_partner_id.display_name,
                invoice=self.name,
            )
        )

    def action_sepa_collect(self):
        """Put the selected invoices in a new draft SEPA Direct Debit batch."""
        if len(self.company_id) != 1:
            raise UserError(
                self.env._(
                    "Select the invoices of one company: a SEPA batch collects for "
                    "one creditor."
                )
            )
        batch = self.env["sepa.debit.batch"].create(
            {
                "company_id": self.company_id.id,
                "date_due_to": max(self.mapped("invoice_date_due")),
            }
        )
        batch._add_lines(self)
        return batch._get_records_action()

    @api.model
    def _cron_sepa_prenotify(self):
        """Send the pre-notification of the invoices due within the pre-notification
        period of their company, with the collection date they will get.

        One batch per run: the cron runner commits and runs the job again while
        invoices remain.
        """
        template = self.env.ref("recurring_billing.mail_template_sepa_prenotification")
        today = fields.Date.context_today(self)
        companies = self.env["res.company"].search(
            [("sepa_creditor_identifier", "!=", False)]
        )
        todo = self.browse()
        for company in companies:
            horizon = today + timedelta(days=company.sepa_prenotification_days)
            todo |= self.search(
                [
                    *self._sepa_eligible_domain(company),
                    ("sepa_date_prenotified", "=", False),
                    ("invoice_date_due", "<=", horizon),
                ]
            )
        # Being paid (a card charge or an online payment awaited): told a debit
        # date, the customer would expect to pay twice.
        todo -= todo._recurring_being_paid()
        batch = todo[:CRON_BATCH_SIZE]
        for invoice in batch:
            days = invoice.company_id.sepa_prenotification_days
            try:
                with self.env.cr.savepoint():
                    invoice._sepa_prenotify(
                        template, collection_date(invoice.invoice_date_due, today, days)
                    )
            except UserError as error:
                _logger.info("SEPA pre-notification of %s not sent: %s", invoice, error)
        self.env["ir.cron"]._notify_progress(
            done=len(batch), remaining=len(todo) - len(batch)
        )

    def _sepa_prenotify(self, template, date):
        """Tell the customer the invoice is debited on ``date``, by e-mail."""
        self.ensure_one()
        self.write(
            {
                "sepa_mandate_id": self._sepa_mandate().id,
                "sepa_date_prenotified": fields.Date.context_today(self),
                "sepa_date_collection_planned": date,
            }
        )
        self.message_post_with_source(
            template, message_type="comment", subtype_xmlid="mail.mt_comment"
        )
