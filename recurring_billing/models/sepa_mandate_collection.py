from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine.sepa_banks import same_bank
from ..engine.sepa_file import amendment_of
from .sepa_debit_batch_line import PENDING_STATES
from .tools import selection_label

# Mandates unused for 36 months after their last collection expire (SDD rulebooks).
EXPIRY_MONTHS = 36
CRON_BATCH_SIZE = 500


class SepaMandate(models.Model):
    """What the collections need from a mandate, and what they change on it."""

    _inherit = "sepa.mandate"

    def _check_usable(self, partner=None, company=None):
        """Raise unless the mandates can be collected for ``partner`` and ``company``."""
        for mandate in self:
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

    def _sequence_type(self):
        """The sequence type (FRST, RCUR, OOFF) of the next collection."""
        self.ensure_one()
        if self.mandate_type == "oneoff":
            return "OOFF"
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

    @api.model
    def _skip_used_up(self, invoices, vals_list):
        """``invoices`` but those a one-off mandate cannot collect any more: it
        authorises one collection, given to the first invoice due, unless a debit
        waiting or collected, or one of the debits ``vals_list`` to create, has it."""
        used = set(
            self.env["sepa.debit.batch.line"]
            .search(
                [
                    ("mandate_type", "=", "oneoff"),
                    ("state", "in", PENDING_STATES),
                    (
                        "mandate_id",
                        "in",
                        invoices.commercial_partner_id.sepa_mandate_ids.ids,
                    ),
                ]
            )
            .mandate_id.ids
        )
        used.update(vals["mandate_id"] for vals in vals_list)
        kept = invoices.browse()
        for invoice in invoices:
            mandate = invoice._sepa_mandate()
            if mandate.mandate_type == "oneoff":
                if mandate.id in used:
                    continue
                used.add(mandate.id)
            kept |= invoice
        return kept

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

    def _register_collection(self, collection_date):
        """Record a collection sent on ``collection_date``: the amendments are
        reported, the next collection is recurring, a one-off mandate is used up."""
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
            if mandate.mandate_type == "oneoff":
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
        mandates._set_state("expired")
        message = self.env._(
            "Expired: not collected for %(months)s months.", months=EXPIRY_MONTHS
        )
        mandates._message_log_batch(bodies=dict.fromkeys(mandates.ids, message))
        self.env["ir.cron"]._notify_progress(
            done=len(mandates), remaining=total - len(mandates)
        )
