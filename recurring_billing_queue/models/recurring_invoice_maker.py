from odoo import models

from .account_move import NUMBER_LOCKED_KEY
from .recurring_invoicing_job import LOCK_JOURNALS_KEY


class RecurringInvoiceMaker(models.AbstractModel):
    _inherit = "recurring.invoice.maker"

    def _create_period_invoices(self, jobs):
        if self.env.context.get(LOCK_JOURNALS_KEY):
            self.env["account.move"]._lock_first_numbering(
                [vals for _sub, _periods, vals_list in jobs for vals in vals_list]
            )
        return super()._create_period_invoices(jobs)

    def _apply_invoice_policy(self, moves):
        if self.env.context.get(LOCK_JOURNALS_KEY):
            # Only the posting of these invoices locks the numbering of their
            # journals (see account_move.py), not what the job posts afterwards.
            moves = moves.with_context(**{NUMBER_LOCKED_KEY: True})
        return super()._apply_invoice_policy(moves)
