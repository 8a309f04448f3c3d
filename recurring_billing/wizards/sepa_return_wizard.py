from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..engine.sepa_returns import REASON_CODES, RETURN_TYPES, mandate_action
from ..models.tools import selection_label


class SepaReturnWizard(models.TransientModel):
    _name = "sepa.return.wizard"
    _description = "Record a SEPA Direct Debit Return"

    line_id = fields.Many2one(
        "sepa.debit.batch.line",
        "Direct Debit",
        required=True,
        domain="[('state', 'in', ('sent', 'collected'))]",
    )
    company_id = fields.Many2one(related="line_id.company_id")
    currency_id = fields.Many2one(related="line_id.currency_id")
    invoice_id = fields.Many2one(related="line_id.invoice_id")
    amount = fields.Monetary(related="line_id.amount", currency_field="currency_id")
    return_type = fields.Selection(
        list(RETURN_TYPES),
        required=True,
        compute="_compute_return_type",
        store=True,
        readonly=False,
        precompute=True,
        help="A reject comes before the collection date, a return on or after it.",
    )
    reason_code = fields.Selection(
        [(code, label) for code, label, _action in REASON_CODES],
        "Reason",
        required=True,
    )
    date_return = fields.Date(
        "Return Date", required=True, default=fields.Date.context_today
    )
    fee_amount = fields.Monetary("Bank Fees", currency_field="currency_id")
    fee_account_id = fields.Many2one(
        "account.account",
        "Bank Fee Account",
        check_company=True,
        domain="[('account_type', 'in', ('expense', 'expense_direct_cost'))]",
    )
    reason_effect = fields.Char(compute="_compute_reason_effect")

    @api.depends("line_id", "date_return")
    def _compute_return_type(self):
        for wizard in self:
            if wizard.return_type == "refund":
                continue
            settled = wizard.line_id.date_collection
            early = settled and wizard.date_return and wizard.date_return < settled
            wizard.return_type = "reject" if early else "return"

    @api.depends("reason_code", "company_id")
    def _compute_reason_effect(self):
        for wizard in self:
            action = wizard.reason_code and mandate_action(wizard.reason_code)
            wizard.reason_effect = {
                "stop": self.env._(
                    "The mandate is revoked: no more collections on it."
                ),
                "retry": self.env._(
                    "The invoice is debited again after %(days)s days, up to "
                    "%(retries)s times.",
                    days=wizard.company_id.sepa_retry_interval_days,
                    retries=wizard.company_id.sepa_retry_max,
                ),
                "manual": self.env._(
                    "The invoice is not debited again automatically: collect it "
                    "another way."
                ),
            }.get(action, False)

    def action_confirm(self):
        self.ensure_one()
        line = self.line_id
        if line.state not in ("sent", "collected") or not line.payment_id:
            raise UserError(
                self.env._(
                    "Only a collected direct debit can be returned; %(debit)s is not.",
                    debit=line.end_to_end_id,
                )
            )
        if self.fee_amount < 0:
            raise UserError(self.env._("The bank fees cannot be negative."))
        if self.fee_amount and not self.fee_account_id:
            raise UserError(
                self.env._("Choose the expense account the bank fees are booked on.")
            )
        self._check_date_return()
        if self.return_type == "reject" and line.statement_line_id:
            raise UserError(
                self.env._(
                    "The bank credited %(debit)s on the statement line %(line)s: it "
                    "was settled, record a return.",
                    debit=line.end_to_end_id,
                    line=line.statement_line_id.display_name,
                )
            )
        reversal = self._reverse_payment()
        fee_move = self._book_fees()
        line.write(
            {
                "state": "returned",
                "return_type": self.return_type,
                "return_reason_code": self.reason_code,
                "date_return": self.date_return,
                "return_fee": self.fee_amount,
                "return_move_id": reversal.id,
                "fee_move_id": fee_move.id,
            }
        )
        self._apply_to_mandate()
        return True

    def _check_date_return(self):
        """Raise unless the bank can have reported the R-transaction on its date: a
        reject before the collection (settlement) date, a return or refund on or
        after it, and none in the future."""
        line = self.line_id
        values = {
            "date": format_date(self.env, self.date_return),
            "collection": format_date(self.env, line.date_collection),
            "debit": line.end_to_end_id,
        }
        if self.date_return > fields.Date.context_today(self):
            raise UserError(
                self.env._(
                    "The return date %(date)s of %(debit)s is in the future: enter "
                    "the date the bank reports.",
                    **values,
                )
            )
        if self.return_type == "reject" and self.date_return > line.date_collection:
            raise UserError(
                self.env._(
                    "%(debit)s was collected on %(collection)s: what the bank reports "
                    "on %(date)s comes after the settlement, record it as a return.",
                    **values,
                )
            )
        if self.return_type != "reject" and self.date_return < line.date_collection:
            raise UserError(
                self.env._(
                    "%(debit)s is collected on %(collection)s: what the bank reports "
                    "on %(date)s comes before the settlement, record it as a reject.",
                    **values,
                )
            )

    def _reverse_payment(self):
        """Cancel the payment with a reversal entry: the invoice is open again."""
        payment = self.line_id.payment_id
        values = [
            {
                "date": max(self.date_return, payment.date),
                "ref": self.env._(
                    "SEPA %(type)s %(code)s of %(payment)s",
                    type=selection_label(self, "return_type").lower(),
                    code=self.reason_code,
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

    def _book_fees(self):
        if not self.fee_amount:
            return self.env["account.move"]
        line = self.line_id
        payment = line.payment_id
        move = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": payment.journal_id.id,
                "date": max(self.date_return, payment.date),
                "ref": self.env._(
                    "Bank fees of the SEPA return of %(debit)s",
                    debit=line.end_to_end_id,
                ),
                "line_ids": [
                    fields.Command.create(
                        {
                            "name": self.env._("SEPA return fees"),
                            "account_id": self.fee_account_id.id,
                            "debit": self.fee_amount,
                        }
                    ),
                    fields.Command.create(
                        {
                            "name": self.env._("SEPA return fees"),
                            "account_id": payment.outstanding_account_id.id,
                            "credit": self.fee_amount,
                        }
                    ),
                ],
            }
        )
        move.action_post()
        return move

    def _apply_to_mandate(self):
        """Act on the mandate, the invoice and the subscription as the reason says."""
        line = self.line_id
        invoice = line.invoice_id
        mandate = line.mandate_id
        company = line.company_id
        action = mandate_action(self.reason_code)
        reason = selection_label(self, "reason_code")
        kind = selection_label(self, "return_type")
        message = self.env._(
            "SEPA Direct Debit %(debit)s of %(amount)s %(currency)s: %(kind)s on "
            "%(date)s, %(reason)s.",
            debit=line.end_to_end_id,
            amount=line.amount,
            currency=line.currency_id.name,
            kind=kind,
            date=self.date_return,
            reason=reason,
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
        line.batch_id.message_post(body=message)
        if failed:
            self._flag_payment_failed(message)

    def _restore_mandate(self):
        """A rejected debit never reached the debtor's account: the mandate is as
        before it, the next collection reports the same amendment, and a first or
        one-off collection is still to come."""
        line = self.line_id
        mandate = line.mandate_id
        if line.sequence_type == "frst":
            mandate.sequence_state = "first"
        vals = {
            field: line[f"amendment_{field}"] or mandate[field]
            for field in (
                "previous_umr",
                "previous_iban",
                "previous_creditor_identifier",
            )
        }
        vals["amendment_smnda"] = line.amendment_smnda or mandate.amendment_smnda
        if vals["amendment_smnda"]:
            # A bank that never saw the mandate needs SMNDA, not an original IBAN.
            vals["previous_iban"] = False
        mandate.write(vals)
        if (
            line.sequence_type == "ooff"
            and mandate.state == "expired"
            and mandate_action(self.reason_code) != "stop"
        ):
            mandate._set_state("valid")

    def _flag_payment_failed(self, message):
        invoice = self.line_id.invoice_id
        # sudo: the accountant recording the return may only read subscriptions;
        # flagging the failed payment is part of recording it.
        subscription = invoice.subscription_id.sudo()
        record = subscription or invoice
        if subscription:
            subscription.sepa_payment_failed = True
        record.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("SEPA Direct Debit failed"),
            note=self.env._(
                "%(message)s Invoice %(invoice)s is not debited again: contact the "
                "customer and collect it another way.",
                message=message,
                invoice=invoice.name,
            ),
            user_id=(
                subscription.user_id or invoice.invoice_user_id or self.env.user
            ).id,
        )
