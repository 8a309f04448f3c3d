from odoo import models

from .account_move import NUMBER_LOCKED_KEY
from .recurring_invoicing_job import LOCK_JOURNALS_KEY


class RecurringInvoiceMaker(models.AbstractModel):
    _inherit = "recurring.invoice.maker"

    def _apply_invoice_policy(self, moves):
        if self.env.context.get(LOCK_JOURNALS_KEY):
            # Only the posting of these invoices locks the numbering of their
            # journals (see account_move.py), not what the job posts afterwards.
            moves = moves.with_context(**{NUMBER_LOCKED_KEY: True})
        return super()._apply_invoice_policy(moves)
