from odoo import Command, models
from odoo.exceptions import UserError

from .account_payment_method import SEPA_DIRECT_DEBIT


class AccountJournal(models.Model):
    _inherit = "account.journal"

    def _sepa_payment_method_line(self):
        """The inbound SEPA Direct Debit payment method line of the journal."""
        self.ensure_one()
        line = self.inbound_payment_method_line_ids.filtered(
            lambda m: m.payment_method_id.code == SEPA_DIRECT_DEBIT
        )[:1]
        if not line:
            raise UserError(
                self.env._(
                    "The journal %(journal)s cannot receive SEPA Direct Debits: add "
                    "the payment method 'SEPA Direct Debit' to its incoming payments "
                    "(Incoming Payments tab), or choose it as SEPA collection journal "
                    "in the settings.",
                    journal=self.display_name,
                )
            )
        return line

    def _add_sepa_payment_method(self):
        """Add the inbound SEPA Direct Debit method to the journals lacking it."""
        method = self.env.ref("recurring_billing.account_payment_method_sepa_in")
        for journal in self:
            if method not in journal.inbound_payment_method_line_ids.payment_method_id:
                journal.inbound_payment_method_line_ids = [
                    Command.create(
                        {"name": method.name, "payment_method_id": method.id}
                    )
                ]
