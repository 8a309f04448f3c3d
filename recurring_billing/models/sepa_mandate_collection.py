from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from ..engine.sepa_banks import same_bank
from ..engine.sepa_file import amendment_of
from .sepa_debit_batch_line import PENDING_STATES
from .tools import check_state, selection_label

# Mandates unused for 36 months after their last collection expire (SDD rulebooks).
EXPIRY_MONTHS = 36
CRON_BATCH_SIZE = 500


class SepaMandate(models.Model):
    """What the collections need from a mandate, and what they change on it."""

    _inherit = "sepa.mandate"

    def _check_usable(self, partner=None, company=None):
        """Raise unless the mandates can be collected for ``partner`` and ``company``."""
        for mandate in self:
            if mandate.state == "expired" and mandate.end_after_next_collection:
                raise ValidationError(
                    self.env._(
                        "Mandate %(mandate)s ended with its last collection on "
                        "%(date)s: it collects nothing more. Have the customer sign a "
                        "new mandate.",
                        mandate=mandate.name,
                        date=format_date(self.env, mandate.date_last_collection),
                    )
                )
            if mandate.state != "valid":
                raise ValidationError(
                    self.env._(
                        "Mandate %(mandate)s is %(state)s: it cannot be collected. "
                        "Have the customer sign a new mandate.",
                        mandate=mandate.name,
                        state=selection_label(mandate, "state"),
                    )
                )
            if partner and partner.commercial_partner_id != (
                mandate.commercial_partner_id
            ):
                raise ValidationError(
                    self.env._(
                        "Mandate %(mandate)s was signed by %(signer)s, not by "
                        "%(partner)s: use a mandate of %(partner)s.",
                        mandate=mandate.name,
                        signer=mandate.partner_id.display_name,
                        partner=partner.display_name,
                    )
                )
            if company and company != mandate.company_id:
                raise ValidationError(
                    self.env._(
                        "Mandate %(mandate)s belongs to %(mandate_company)s, not to "
                        "%(company)s: use a mandate signed for %(company)s.",
                        mandate=mandate.name,
                        mandate_company=mandate.company_id.name,
                        company=company.name,
                    )
                )

    def _stop_collections(self):
        """After the revocation of the mandates: their debits not yet in a file
        leave their batches, and the subscriptions they paid are paid by hand until
        the customer signs a new mandate. A debit in a file already generated stays:
        the file may be at the bank, and it is collected."""
        waiting = self.batch_line_ids.filtered(
            lambda li: li.state == "draft" and li.batch_id.state == "draft"
        )
        for batch, debits in waiting.grouped("batch_id").items():
            batch._message_log(
                body=self.env._(
                    "Mandate %(mandate)s was revoked: its debits %(debits)s leave the "
                    "batch.",
                    mandate=", ".join(debits.mandate_id.mapped("name")),
                    debits=", ".join(debits.mapped("end_to_end_id")),
                )
            )
        waiting.unlink()
        # sudo: an accountant revoking the mandate may only read subscriptions.
        self.sudo().subscription_ids.write(
            {"payment_method": "manual", "mandate_id": False}
        )

    def _sequence_type(self):
        """The sequence type (FRST, RCUR, FNAL, OOFF) of the next collection."""
        self.ensure_one()
        if self.mandate_type == "oneoff":
            return "OOFF"
        # The last collection is FNAL even when it is the first: FRST is optional
        # since the 2016 rulebooks, and the bank must learn that the mandate ends.
        if self.end_after_next_collection:
            return "FNAL"
        return "FRST" if self.sequence_state == "first" else "RCUR"

    def _amendment(self):
        """The engine amendment the next collection reports, or None."""
        self.ensure_one()
        return amendment_of(
            self.previous_umr,
            self.previous_iban,
            self.previous_creditor_identifier,
            self.amendment_smnda,
        )

    def action_end_after_next_collection(self):
        """Make the next collection of the recurrent mandates their last one (FNAL):
        once it is sent to the bank, the mandate expires. Returns True."""
        check_state(self, ("valid",), self.env._("ended after its next collection"))
        for mandate in self:
            if mandate.mandate_type == "oneoff":
                raise UserError(
                    self.env._(
                        "Mandate %(mandate)s is a one-off mandate: it is collected "
                        "once, and that collection is its last already.",
                        mandate=mandate.name,
                    )
                )
            waiting = mandate.batch_line_ids.filtered(lambda li: li.state == "draft")
            if len(waiting) > 1:
                raise UserError(
                    self.env._(
                        "Mandate %(mandate)s has %(count)s debits waiting to be sent "
                        "(%(debits)s): only one of them can be its last collection. "
                        "Remove the others from their batches, or end the mandate "
                        "once they are sent.",
                        mandate=mandate.name,
                        count=len(waiting),
                        debits=", ".join(waiting.mapped("end_to_end_id")),
                    )
                )
        to_end = self.filtered(lambda m: not m.end_after_next_collection)
        to_end._write_checked({"end_after_next_collection": True})
        return True

    def _with_one_collection_left(self):
        """The mandates that authorise one more collection only: one-off mandates,
        and recurrent ones ending after their next collection."""
        return self.filtered(
            lambda m: m.mandate_type == "oneoff" or m.end_after_next_collection
        )

    def _holding_debits(self):
        """The debits that hold the one collection left of these mandates: of a
        one-off mandate, a debit waiting or collected; of a mandate ending after its
        next collection, the debit to send (the ones sent before were not its last)."""
        return self.env["sepa.debit.batch.line"].search(
            [
                ("mandate_id", "in", self._with_one_collection_left().ids),
                ("state", "in", PENDING_STATES),
                "|",
                ("mandate_type", "=", "oneoff"),
                ("state", "=", "draft"),
            ]
        )

    @api.model
    def _skip_used_up(self, invoices, vals_list):
        """``invoices`` but those their mandate cannot collect any more: a mandate
        with one collection left gives it to the first invoice due, unless a debit
        holds it already or one of the debits ``vals_list`` to create takes it."""
        mandates = invoices.commercial_partner_id.sepa_mandate_ids
        used = set(mandates._holding_debits().mandate_id.ids)
        used.update(vals["mandate_id"] for vals in vals_list)
        kept = invoices.browse()
        for invoice in invoices:
            mandate = invoice._sepa_mandate()
            if mandate._with_one_collection_left():
                if mandate.id in used:
                    continue
                used.add(mandate.id)
            kept |= invoice
        return kept

    @api.model
    def _check_one_collection_left(self, vals_list):
        """Refuse the debits ``vals_list`` to create that would collect a mandate
        once more than it allows: a one-off mandate, or a mandate ending after its
        next collection, whose one collection is held by another debit (the
        database refuses it too)."""
        mandate_ids = [vals.get("mandate_id") for vals in vals_list]
        # An ended mandate is refused for its state, with a better message.
        limited = (
            self.browse(filter(None, mandate_ids))
            ._with_one_collection_left()
            .filtered(lambda m: m.mandate_type == "oneoff" or m.state == "valid")
        )
        if not limited:
            return
        taken = limited._holding_debits()[:1]
        mandate = taken.mandate_id
        if not taken:
            mandate = next(
                (m for m in limited if mandate_ids.count(m.id) > 1), limited.browse()
            )
        if not mandate:
            return
        debit = taken.end_to_end_id or self.env._("another debit of the list")
        if mandate.mandate_type == "oneoff":
            raise ValidationError(
                self.env._(
                    "Mandate %(mandate)s is a one-off mandate: it authorises one "
                    "collection only, and %(debit)s already uses it. Have the customer "
                    "sign a recurrent mandate, or collect this invoice another way.",
                    mandate=mandate.name,
                    debit=debit,
                )
            )
        raise ValidationError(
            self.env._(
                "Mandate %(mandate)s ends after its next collection, and %(debit)s is "
                "that last collection. Have the customer sign a new mandate to collect "
                "this invoice, or collect it another way.",
                mandate=mandate.name,
                debit=debit,
            )
        )

    def _remember_amendment(self, vals):
        """Keep the reference and account of collected mandates that ``vals`` changes,
        for the next collection to report them; the first value changed is kept."""
        new_bank = self.env["res.partner.bank"].browse(vals.get("partner_bank_id"))
        for mandate in self.filtered(lambda m: m.sequence_state == "recurring"):
            if (
                "name" in vals
                and vals["name"] != mandate.name
                and not mandate.previous_umr
            ):
                mandate.previous_umr = mandate.name
            old_bank = mandate.partner_bank_id
            if new_bank and new_bank != old_bank:
                mandate._remember_account_change(
                    old_bank.sanitized_acc_number,
                    old_bank.bank_bic,
                    new_bank.sanitized_acc_number,
                    new_bank.bank_bic,
                )

    def _remember_account_change(self, old_iban, old_bic, new_iban, new_bic):
        """Record that the collected mandates move from the account ``old_iban`` to
        ``new_iban``: the next collection gives the original IBAN when the new
        account is at the same bank, SMNDA when it is at another one."""
        for mandate in self.filtered(lambda m: m.sequence_state == "recurring"):
            if mandate.amendment_smnda:
                # Another bank already: the original account stays unknown to it.
                continue
            original = mandate.previous_iban or old_iban
            original_bic = False if mandate.previous_iban else old_bic
            if new_iban == original:
                mandate.previous_iban = False
            elif same_bank(original, original_bic, new_iban, new_bic):
                mandate.previous_iban = original
            else:
                mandate.write({"previous_iban": False, "amendment_smnda": True})

    def _register_collection(self, collection_date, last=False):
        """Record a collection sent on ``collection_date``: the amendments are
        reported, the next collection is recurring; a one-off mandate is used up,
        and so is a mandate whose ``last`` collection (FNAL) this is."""
        for mandate in self:
            vals = {
                "sequence_state": "recurring",
                "previous_umr": False,
                "previous_iban": False,
                "previous_creditor_identifier": False,
                "amendment_smnda": False,
                "date_last_collection": max(
                    collection_date, mandate.date_last_collection or collection_date
                ),
            }
            mandate.write(vals)
            # A mandate revoked once its file was generated stays revoked.
            if mandate.state == "valid" and (mandate.mandate_type == "oneoff" or last):
                mandate._set_state("expired")

    @api.model
    def _cron_expire(self):
        """Expire the valid mandates unused for 36 months (since their last
        collection, or since their signature if never collected).

        One batch per run: the cron runner commits and runs the job again while
        mandates remain.
        """
        limit = fields.Date.context_today(self) - relativedelta(months=EXPIRY_MONTHS)
        domain = [
            ("state", "=", "valid"),
            "|",
            ("date_last_collection", "<", limit),
            "&",
            ("date_last_collection", "=", False),
            ("date_signature", "<", limit),
        ]
        total = self.search_count(domain)
        mandates = self.search(domain, limit=CRON_BATCH_SIZE)
        # Expired unused, not ended by a last collection: that one never came.
        mandates._write_checked(
            {"state": "expired", "end_after_next_collection": False}
        )
        message = self.env._(
            "Expired: not collected for %(months)s months.", months=EXPIRY_MONTHS
        )
        mandates._message_log_batch(bodies=dict.fromkeys(mandates.ids, message))
        self.env["ir.cron"]._notify_progress(
            done=len(mandates), remaining=total - len(mandates)
        )
