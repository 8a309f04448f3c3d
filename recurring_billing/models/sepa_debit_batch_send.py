from collections import defaultdict

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..engine.sepa_calendar import submission_deadline
from .tools import check_state


class SepaDebitBatch(models.Model):
    """Sending the file of the batch to the bank."""

    _inherit = "sepa.debit.batch"

    def action_confirm_sent(self):
        """The file reached the bank: record a payment per debit and move the
        mandates to recurring collections. The payments are reconciled with their
        invoices now, or when the bank statement is matched if the company says so."""
        check_state(self, ("generated",), self.env._("confirmed as sent"))
        for batch in self:
            lines = batch.line_ids.filtered(lambda li: li.state == "draft")
            lines._check_collectable()
            batch._check_submission_deadline(lines)
            method_line = batch.journal_id._sepa_payment_method_line()
            payments = self.env["account.payment"].create(
                [line._prepare_payment_vals(method_line) for line in lines]
            )
            payments.action_post()
            for line, payment in zip(lines, payments, strict=True):
                mandate = line.mandate_id
                line.write(
                    {
                        "payment_id": payment.id,
                        "amendment_previous_umr": mandate.previous_umr,
                        "amendment_previous_iban": mandate.previous_iban,
                        "amendment_previous_creditor_identifier": (
                            mandate.previous_creditor_identifier
                        ),
                        "amendment_smnda": mandate.amendment_smnda,
                    }
                )
            last_dates = defaultdict(list)
            for line in lines:
                last_dates[line.mandate_id].append(line.date_collection)
            for mandate, days in last_dates.items():
                mandate._register_collection(max(days))
            lines.state = "sent"
            batch.write(
                {"state": "sent", "date_sent": fields.Date.context_today(batch)}
            )
        return True

    def _check_submission_deadline(self, lines):
        """Raise if the bank gets the file of ``lines`` too late: after D-1, the
        business day before a collection date."""
        today = fields.Date.context_today(self)
        late = lines.filtered(
            lambda li: submission_deadline(li.date_collection) < today
        )
        if late:
            line = late[0]
            raise UserError(
                self.env._(
                    "The bank needed the file of %(batch)s by %(deadline)s, the "
                    "business day before the collection date %(date)s of %(debit)s: "
                    "it would refuse the file now. Reset the batch to draft and "
                    "generate the file again; the collection dates move to the "
                    "earliest possible day and the customers are told the new date.",
                    batch=self.name,
                    deadline=format_date(
                        self.env, submission_deadline(line.date_collection)
                    ),
                    date=format_date(self.env, line.date_collection),
                    debit=line.end_to_end_id,
                )
            )

    def action_view_payments(self):
        self.ensure_one()
        return self.line_ids.payment_id._get_records_action(
            name=self.env._("Payments"), context={"create": False}
        )
