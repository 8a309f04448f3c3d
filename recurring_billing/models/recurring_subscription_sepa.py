"""How a subscription is collected: its SEPA Direct Debit mandate."""

from odoo import api, fields, models
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

    def _check_mandate_signable(self):
        """Raise unless the customer may sign a mandate for this subscription now:
        live, in euros, of a company collecting by SEPA Direct Debit."""
        self.ensure_one()
        self._check_states(("trial", "active", "paused"), self.env._("collected"))
        if not self.company_id.sepa_creditor_identifier:
            raise UserError(
                self.env._(
                    "%(company)s does not collect by SEPA Direct Debit: set its "
                    "creditor identifier in the Invoicing settings first.",
                    company=self.company_id.name,
                )
            )
        if self.currency_id.name != "EUR":
            raise UserError(
                self.env._(
                    "%(subscription)s bills in %(currency)s: SEPA Direct Debit "
                    "collects euros only.",
                    subscription=self.name,
                    currency=self.currency_id.name,
                )
            )

    def action_sign_mandate(
        self, holder, iban, umr=None, ip_address=None, user_agent=None
    ):
        """The customer signs a recurrent CORE mandate today for ``iban`` (their
        account, created if new, held by ``holder``), which then pays this
        subscription. The mandate is valid at once: the signer's IP address and
        browser are kept as the evidence of the signature, and the signed form is
        e-mailed to the customer. ``umr`` is the reference shown to the signer (a
        new one from the sequence if not given).
        """
        self.ensure_one()
        self._check_mandate_signable()
        partner = self.partner_id.commercial_partner_id
        bank = self.env["sepa.mandate"]._debtor_account(partner, holder, iban)
        vals = {
            "partner_id": partner.id,
            "partner_bank_id": bank.id,
            "company_id": self.company_id.id,
            "scheme": "core",
            "mandate_type": "recurrent",
            "date_signature": fields.Date.context_today(self),
            "signed_online": True,
            "signature_ip": ip_address,
            "signature_user_agent": (user_agent or "")[:500],
        }
        if umr:
            vals["name"] = umr
        mandate = self.env["sepa.mandate"].create(vals)
        mandate.action_validate()
        self.write({"payment_method": "sepa", "mandate_id": mandate.id})
        mandate._send_signed_form()
        return True
