"""How a subscription is collected: its SEPA Direct Debit mandate."""

from odoo import api, models
from odoo.exceptions import UserError


class RecurringSubscription(models.Model):
    _inherit = "recurring.subscription"

    @api.depends("partner_id", "company_id", "payment_method")
    def _compute_mandate_id(self):
        to_find = self.browse()
        for sub in self:
            mandate = sub.mandate_id
            if mandate and (
                mandate.commercial_partner_id != sub.partner_id.commercial_partner_id
                or mandate.company_id != sub.company_id
            ):
                sub.mandate_id = False
            if sub.payment_method == "sepa" and not sub.mandate_id:
                to_find |= sub
        if not to_find:
            return
        mandates = self.env["sepa.mandate"].search(
            [
                (
                    "commercial_partner_id",
                    "in",
                    to_find.partner_id.commercial_partner_id.ids,
                ),
                ("company_id", "in", to_find.company_id.ids),
                ("state", "=", "valid"),
            ],
            order="date_signature desc, id desc",
        )
        for sub in to_find:
            sub.mandate_id = mandates.filtered(
                lambda m, sub=sub: (
                    m.commercial_partner_id == sub.partner_id.commercial_partner_id
                    and m.company_id == sub.company_id
                )
            )[:1]

    def _check_sepa_mandate(self):
        """Raise unless each subscription paid by SEPA has a valid mandate."""
        for sub in self.filtered(lambda s: s.payment_method == "sepa"):
            if not sub.mandate_id:
                raise UserError(
                    self.env._(
                        "%(subscription)s is paid by SEPA Direct Debit but "
                        "%(customer)s has no valid mandate: create one (Create "
                        "mandate), have it signed and validate it, or choose manual "
                        "payment.",
                        subscription=sub.name,
                        customer=sub.partner_id.display_name,
                    )
                )
            sub.mandate_id._check_usable(sub.partner_id, sub.company_id)

    def action_create_mandate(self):
        """Create the draft mandate of the customer, with its IBAN, and open it."""
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        bank = partner.bank_ids.filtered(lambda b: b.acc_type == "iban")[:1]
        if not bank:
            raise UserError(
                self.env._(
                    "%(customer)s has no IBAN: add the customer's bank account "
                    "first, the mandate authorises debits from it.",
                    customer=partner.display_name,
                )
            )
        mandate = self.env["sepa.mandate"].create(
            {
                "partner_id": partner.id,
                "partner_bank_id": bank.id,
                "company_id": self.company_id.id,
                "scheme": self.company_id.sepa_scheme or "core",
            }
        )
        return mandate._get_records_action()

    def action_view_mandate(self):
        self.ensure_one()
        return self.mandate_id._get_records_action()
