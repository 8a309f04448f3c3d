from datetime import timedelta

from odoo import Command, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..engine.sepa_returns import RETURN_TYPES, mandate_action, reporting_window
from .sepa_debit_batch_line import sepa_step
from .tools import date_argument, selection_label


class SepaDebitBatchLine(models.Model):
    """The bank's reject, return or refund of a debit, and what follows it."""

    _inherit = "sepa.debit.batch.line"

    def record_return(
        self,
        return_type,
        reason_code,
        date_return,
        fee_amount=0.0,
        fee_account_id=False,
    ):
        """Record that the bank rejected (``return_type`` "reject", before the
        collection date), returned or refunded (within their windows from it,
        ``reporting_window``) the debit on
        ``date_return`` (a date or ISO string) for ``reason_code``, with
        ``fee_amount`` of bank fees booked on the expense account ``fee_account_id``.

        The payment is reversed and the invoice open again; the mandate, the retries
        of the invoice and the subscription follow the reason code. Returns True.
        """
        self.ensure_one()
        date_return = date_argument(self.env, date_return, self.env._("return date"))
        fee_amount = fee_amount or 0.0
        fee_account = self.env["account.account"].browse(fee_account_id or [])
        self._check_return(return_type, reason_code, date_return)
        if fee_amount < 0:
            raise UserError(self.env._("The bank fees cannot be negative."))
        if fee_amount and not fee_account:
            raise UserError(
                self.env._("Choose the expense account the bank fees are booked on.")
            )
        with sepa_step():
            self.write(
                {
                    "state": "returned",
                    "return_type": return_type,
                    "return_reason_code": reason_code,
                    "date_return": date_return,
                    "return_fee": fee_amount,
                }
            )
        self.write(
            {
                "return_move_id": self._reverse_payment().id,
                "fee_move_id": self._book_return_fee(fee_account).id,
            }
        )
        self._apply_return()
        return True

    def _check_return(self, return_type, reason_code, date_return):
        """Raise unless the bank can have reported this R-transaction of the debit:
        a sent debit, a known type and reason, a date within the window of its type
        (``reporting_window``: a reject before the collection (settlement) date and
        not credited, a return up to 5 business days after, a refund on or after
        it), and none in the future."""
        if self.state not in ("sent", "collected") or not self.payment_id:
            raise UserError(
                self.env._(
                    "Only a collected direct debit can be returned; %(debit)s is not.",
                    debit=self.end_to_end_id,
                )
            )
        try:
            mandate_action(reason_code)
        except ValueError as error:
            raise UserError(
                self.env._("%(error)s Choose a listed reason code.", error=error)
            ) from error
        if return_type not in dict(RETURN_TYPES):
            raise UserError(
                self.env._(
                    "Unknown return type %(type)s: use reject, return or refund.",
                    type=return_type,
                )
            )
        values = {
            "date": format_date(self.env, date_return),
            "collection": format_date(self.env, self.date_collection),
            "debit": self.end_to_end_id,
        }
        if date_return > fields.Date.context_today(self):
            raise UserError(
                self.env._(
                    "The return date %(date)s of %(debit)s is in the future: enter "
                    "the date the bank reports.",
                    **values,
                )
            )
        first, last = reporting_window(return_type, self.date_collection)
        values["last"] = last and format_date(self.env, last)
        if first and date_return < first:
            raise UserError(
                self.env._(
                    "%(debit)s is collected on %(collection)s: what the bank reports "
                    "on %(date)s comes before the settlement, record it as a reject.",
                    **values,
                )
            )
        if last and date_return > last:
            if return_type == "reject":
                message = self.env._(
                    "%(debit)s was collected on %(collection)s: what the bank reports "
                    "on %(date)s comes on or after the settlement, record it as a "
                    "return.",
                    **values,
                )
            else:
                message = self.env._(
                    "The Return Date %(date)s of %(debit)s is after %(last)s: a bank "
                    "returns a debit within 5 TARGET2 business days of its "
                    "settlement on %(collection)s. Check the date the bank reports; "
                    "if the customer asked their bank to refund the debit, record "
                    "it as a refund.",
                    **values,
                )
            raise UserError(message)
        if return_type == "reject" and self.statement_line_id:
            raise UserError(
                self.env._(
                    "The bank credited %(debit)s on the statement line %(line)s: it "
                    "was settled, record a return.",
                    debit=self.end_to_end_id,
                    line=self.statement_line_id.display_name,
                )
            )

    def _reverse_payment(self):
        """Cancel the payment with a reversal entry: the invoice is open again."""
        payment = self.payment_id
        values = [
            {
                "date": max(self.date_return, payment.date),
                "ref": self.env._(
                    "SEPA %(type)s %(code)s of %(payment)s",
                    type=selection_label(self, "return_type").lower(),
                    code=self.return_reason_code,
                    payment=payment.name,
                ),
            }
        ]
        if self.return_type == "reject":
            # Never settled: the payment and its reversal cancel each other out.
            reversal = payment.move_id._reverse_moves(values, cancel=True)
        else:
            # Settled: the bank credited the debit and debits it back on a line of
            # its own. The payment's outstanding line keeps (or waits for) the
            # credit, the reversal's waits for the debit of the return. Posted, the
            # reversal is reconciled with the open lines of the payment: the
            # receivable, released from the invoice first, and the outstanding line,
            # released again below.
            payment.move_id.line_ids.filtered(
                lambda li: li.account_id == payment.destination_account_id
            ).remove_move_reconcile()
            reversal = payment.move_id._reverse_moves(values)
            reversal.action_post()
            reversal.line_ids.filtered(
                lambda li: li.account_id == payment.outstanding_account_id
            ).matched_debit_ids.filtered(
                lambda partial: partial.debit_move_id.move_id == payment.move_id
            ).unlink()
        payment.action_reject()
        return reversal

    def _book_return_fee(self, fee_account):
        """Book the bank fees of the return on ``fee_account``; they wait, with the
        return, for the bank's debit on the statement."""
        if not self.return_fee:
            return self.env["account.move"]
        payment = self.payment_id
        label = self.env._("SEPA return fees")
        move = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": payment.journal_id.id,
                "date": max(self.date_return, payment.date),
                "ref": self.env._(
                    "Bank fees of the SEPA return of %(debit)s",
                    debit=self.end_to_end_id,
                ),
                "line_ids": [
                    Command.create(
                        {
                            "name": label,
                            "account_id": fee_account.id,
                            "debit": self.return_fee,
                        }
                    ),
                    Command.create(
                        {
                            "name": label,
                            "account_id": payment.outstanding_account_id.id,
                            "credit": self.return_fee,
                        }
                    ),
                ],
            }
        )
        move.action_post()
        return move

    def _apply_return(self):
        """Act on the mandate, the invoice and the subscription as the reason says."""
        invoice = self.invoice_id
        mandate = self.mandate_id
        company = self.company_id
        action = mandate_action(self.return_reason_code)
        message = self.env._(
            "SEPA Direct Debit %(debit)s of %(amount)s %(currency)s: %(kind)s on "
            "%(date)s, %(reason)s.",
            debit=self.end_to_end_id,
            amount=self.amount,
            currency=self.currency_id.name,
            kind=selection_label(self, "return_type"),
            date=self.date_return,
            reason=selection_label(self, "return_reason_code"),
        )
        if self.return_type == "reject":
            self._restore_mandate()
        failed = False
        if action == "stop":
            if mandate.state == "valid":
                mandate._set_state("revoked")
            invoice.sepa_no_retry = True
            failed = True
        elif action == "retry":
            retries = invoice.sepa_retry_count + 1
            if retries > company.sepa_retry_max:
                invoice.sepa_no_retry = True
                failed = True
            else:
                invoice.write(
                    {
                        "sepa_retry_count": retries,
                        "sepa_date_retry": self.date_return
                        + timedelta(days=company.sepa_retry_interval_days),
                    }
                )
        else:
            invoice.sepa_no_retry = True
            failed = True
        invoice.message_post(body=message)
        mandate.message_post(body=message)
        self.batch_id.message_post(body=message)
        if failed:
            self._flag_payment_failed(message)
        if invoice.subscription_id:
            # Every return enters the payment follow-up of the subscription: reminders
            # with a link to pay, then the outcome of its dunning policy. Only a debit
            # the SEPA rules present again counts as a retry.
            self.env["recurring.dunning"].sudo()._start(
                invoice, message, retry_allowed=not failed
            )

    def _keep_reported_amendment(self):
        """Keep on each debit sent the amendment of its mandate that its file
        reports: a reject gives it back to the mandate for the next collection."""
        for line in self:
            mandate = line.mandate_id
            line.write(
                {
                    "amendment_previous_umr": mandate.previous_umr,
                    "amendment_previous_iban": mandate.previous_iban,
                    "amendment_previous_creditor_identifier": (
                        mandate.previous_creditor_identifier
                    ),
                    "amendment_smnda": mandate.amendment_smnda,
                }
            )

    def _restore_mandate(self):
        """A rejected debit never reached the debtor's account: the mandate is as
        before it, the next collection reports the same amendment, and a first,
        last or one-off collection is still to come."""
        mandate = self.mandate_id
        if self.sequence_type == "frst":
            mandate.sequence_state = "first"
        vals = {
            field: self[f"amendment_{field}"] or mandate[field]
            for field in (
                "previous_umr",
                "previous_iban",
                "previous_creditor_identifier",
            )
        }
        vals["amendment_smnda"] = self.amendment_smnda or mandate.amendment_smnda
        if vals["amendment_smnda"]:
            # A bank that never saw the mandate needs SMNDA, not an original IBAN.
            vals["previous_iban"] = False
        mandate.write(vals)
        if (
            self.sequence_type in ("ooff", "fnal")
            and mandate.state == "expired"
            and mandate_action(self.return_reason_code) != "stop"
        ):
            mandate._set_state("valid")

    def _flag_payment_failed(self, message):
        invoice = self.invoice_id
        # sudo: the accountant recording the return may only read subscriptions;
        # flagging the failed payment is part of recording it.
        subscription = invoice.subscription_id.sudo()
        if subscription:
            # Its payment follow-up holds the to-do of the subscription.
            subscription.sepa_payment_failed = True
            return
        invoice.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("SEPA Direct Debit failed"),
            note=self.env._(
                "%(message)s Invoice %(invoice)s is not debited again: contact the "
                "customer and collect it another way.",
                message=message,
                invoice=invoice.name,
            ),
            user_id=(invoice.invoice_user_id or self.env.user).id,
        )
