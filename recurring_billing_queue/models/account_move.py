"""Posting the invoices of a queued batch with the numbering of their journals locked
for as short a time as possible.

Odoo numbers the posted invoices of a journal without gaps, from the last number it
reads. Two workers numbering in one journal at once read the same last number: the
second one's posting fails on the unique invoice number and its batch is redone
invoice by invoice. A queued batch therefore takes a lock on its journals before its
first number, held until its commit, in READ COMMITTED
(``recurring.invoicing.job._invoice_queued_batch``): once the lock is its own, it
reads the numbers the other worker committed and continues after them.

Whatever two workers cannot do at once runs from that lock to the commit: the lock is
taken when the invoices turn posted, which is when Odoo numbers them, after the
posting's checks; and the customers are made followers of their invoices, which the
posting does after numbering, before the lock.

The first invoices of a journal in a numbering period (a new journal, a new year) are
numbered when they are made, not when posted: a batch that would make them takes the
lock before making its invoices (``_lock_first_numbering``).
"""

import zlib

from odoo import api, fields, models

# The first key of the advisory locks of the journals (the second is the journal's id).
LOCK_NAMESPACE = zlib.crc32(b"recurring_billing_queue.post") & 0x7FFFFFFF
# In the context of the invoices a queued batch posts.
NUMBER_LOCKED_KEY = "recurring_queue_number_locked"


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        if self.env.context.get(NUMBER_LOCKED_KEY):
            self._subscribe_customers()
        return super()._post(soft=soft)

    def write(self, vals):
        if vals.get("state") == "posted" and self.env.context.get(NUMBER_LOCKED_KEY):
            self._lock_journal_numbering()
        return super().write(vals)

    def _subscribe_customers(self):
        """Make each customer a follower of its invoice, as the posting would."""
        for partner, moves in self.grouped("partner_id").items():
            if partner:
                moves.message_subscribe(partner.ids)

    def _lock_journal_numbering(self):
        """Wait until no other transaction may number in the journals of ``self``;
        held until this transaction ends."""
        self._lock_journals(self.journal_id.ids)

    @api.model
    def _lock_journals(self, journal_ids):
        # In the order of their ids: two batches with the same journals never wait
        # for each other crosswise.
        for journal_id in sorted(set(journal_ids)):
            self.env.cr.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, journal_id)
            )

    @api.model
    def _lock_first_numbering(self, vals_list):
        """Before the invoices of ``vals_list`` are made: when one of them would be
        the first of its journal in its numbering period, lock all their journals.

        Odoo numbers such an invoice when it is made, from no number read: two
        workers doing it at once take the same number, and the batch that commits
        second is made again invoice by invoice. All the journals, not only the new
        one: the posting locks them all, and taking one after another is held
        would let two batches wait for each other crosswise.

        Only the latest date of each journal is looked at (a few queries a batch):
        a new period starts there; one missed further back costs a batch made again,
        never a wrong number."""
        latest = {}
        for vals in vals_list:
            key = (vals["journal_id"], vals["move_type"])
            day = fields.Date.to_date(vals.get("date") or vals["invoice_date"])
            latest[key] = max(latest.get(key, day), day)
        if any(
            not self.new(
                {"journal_id": journal_id, "date": day, "move_type": move_type}
            )._get_last_sequence()
            for (journal_id, move_type), day in latest.items()
        ):
            self._lock_journals({journal_id for journal_id, _type in latest})
