"""What the customer does with a mandate: the signed form they receive, the account
they move their debits to."""

from odoo import api, models
from odoo.exceptions import UserError

from ..engine.sepa_banks import same_bank
from ..engine.sepa_ids import validate_bic, validate_sepa_iban
from .tools import check_state

# The longest name a SEPA file carries (Dbtr/Nm).
HOLDER_MAX_LENGTH = 70


class SepaMandate(models.Model):
    _inherit = "sepa.mandate"

    def _send_signed_form(self):
        """E-mail each mandate's form, rendered by its report, to its customer; the
        form stays attached to the mandate, in its chatter."""
        self._post_to_customer("recurring_billing.mail_template_sepa_mandate_signed")

    def _post_to_customer(self, template_xmlid):
        # The customer acting on the portal is the author of the message, and Odoo
        # leaves authors out of its recipients: they receive their copy too.
        self.with_context(mail_notify_author=True).message_post_with_source(
            self.env.ref(template_xmlid), subtype_xmlid="mail.mt_comment"
        )

    def _masked_iban(self):
        """The IBAN as the customer recognises it, its digits hidden but the last 4:
        "FR76 **** 5678"."""
        compact = self.partner_bank_id.sanitized_acc_number or ""
        return compact and f"{compact[:4]} **** {compact[-4:]}"

    @api.model
    def _debtor_account(self, partner, holder, iban, bic=None, current=None):
        """The bank account of ``partner`` with the IBAN ``iban``, held by
        ``holder``, at the bank of ``bic``: found, or created. Without a BIC, an
        account at the bank of the ``current`` account keeps its bank. Raises a
        UserError, writing nothing, when the holder, the IBAN or the BIC is wrong."""
        holder = (holder or "").strip()
        if not holder:
            raise UserError(self.env._("Enter the name of the account holder."))
        if len(holder) > HOLDER_MAX_LENGTH:
            raise UserError(
                self.env._(
                    "The account holder's name is %(length)s characters long: SEPA "
                    "allows %(max)s, shorten it.",
                    length=len(holder),
                    max=HOLDER_MAX_LENGTH,
                )
            )
        try:
            number = validate_sepa_iban(iban or "")
        except ValueError as error:
            raise UserError(
                self.env._(
                    "%(iban)s is not the IBAN of an account in the SEPA area: check "
                    "it against your bank details.",
                    iban=iban,
                )
            ) from error
        bank = self._bank_of(bic)
        if (
            not bank
            and current
            and same_bank(current.sanitized_acc_number, None, number, None)
        ):
            bank = current.bank_id
        account = self.env["res.partner.bank"].search(
            [
                ("sanitized_acc_number", "=", number),
                ("partner_id", "child_of", partner.id),
            ],
            limit=1,
        )
        if not account:
            return self.env["res.partner.bank"].create(
                {
                    "partner_id": partner.id,
                    "acc_number": number,
                    "acc_holder_name": holder,
                    "bank_id": bank.id,
                }
            )
        if bank and not account.bank_id:
            account.bank_id = bank
        return account

    @api.model
    def _bank_of(self, bic):
        """The bank of the BIC ``bic`` (created if new), none without a BIC."""
        bic = (bic or "").strip()
        if not bic:
            return self.env["res.bank"]
        try:
            bic = validate_bic(bic)
        except ValueError as error:
            raise UserError(
                self.env._(
                    "%(error)s Correct the BIC, or leave it empty: within SEPA the "
                    "IBAN is enough.",
                    error=error,
                )
            ) from error
        banks = self.env["res.bank"]
        return banks.search([("bic", "=", bic)], limit=1) or banks.create(
            {"name": bic, "bic": bic}
        )

    def action_change_account(self, holder, iban, bic=None):
        """Move the debits of the valid mandate to the account ``iban`` of its
        customer, held by ``holder`` (at the bank of ``bic``, optional within SEPA).
        The next collection reports the amendment (the original IBAN, or SMNDA for
        another bank) and the customer receives a confirmation by e-mail.
        Returns True."""
        self.ensure_one()
        check_state(self, ("valid",), self.env._("moved to another account"))
        account = self._debtor_account(
            self.commercial_partner_id, holder, iban, bic, current=self.partner_bank_id
        )
        if account == self.partner_bank_id:
            raise UserError(
                self.env._(
                    "%(iban)s is already the account of mandate %(mandate)s: enter "
                    "the IBAN of the new account.",
                    iban=iban,
                    mandate=self.name,
                )
            )
        self.partner_bank_id = account
        self._post_to_customer(
            "recurring_billing.mail_template_sepa_mandate_account_changed"
        )
        return True
