"""Posting the invoices of a queued batch one journal at a time.

Odoo numbers the posted invoices of a journal without gaps, from the last number it
reads. Two workers posting in one journal at once read the same last number: the
second one's posting fails on the unique invoice number and its batch is redone
invoice by invoice, which makes two workers slower than one. A queued batch therefore
takes a lock on its journals before posting, held until its commit, and runs in READ
COMMITTED (``recurring.invoicing.job._invoice_queued_batch``): once the lock is its
own, it reads the numbers the other worker committed and continues after them. Only
the posting waits; reading, pricing and making the invoices run in parallel.
"""

import zlib

from odoo import models

from .recurring_invoicing_job import LOCK_JOURNALS_KEY

# The first key of the advisory locks of the journals (the second is the journal's id).
LOCK_NAMESPACE = zlib.crc32(b"recurring_billing_queue.post") & 0x7FFFFFFF


class RecurringInvoiceMaker(models.AbstractModel):
    _inherit = "recurring.invoice.maker"

    def _apply_invoice_policy(self, moves):
        if self.env.context.get(LOCK_JOURNALS_KEY):
            # In the order of their ids: two batches with the same journals never
            # wait for each other crosswise.
            for journal_id in sorted(set(moves.journal_id.ids)):
                self.env.cr.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, journal_id)
                )
        return super()._apply_invoice_policy(moves)
