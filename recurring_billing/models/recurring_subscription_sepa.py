"""How a subscription is collected: its SEPA Direct Debit mandate, or the saved
payment method it is switched to and back from (doc/BILLING.md)."""

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .tools import record_argument


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

    # -- Saved payment method ----------------------------------------------------------

    def action_set_payment_token(self, token):
        """Collect this subscription by ``token`` (a saved payment method, as a record
        or an id) from now on: each invoice posted next is charged to it, and so are
        the retries of an open payment follow-up. Refused, with nothing written,
        unless the token may pay it (``_payment_token_error``). The SEPA mandate
        that collected it lets it go: the mandate stays valid (it may collect the
        customer's other invoices, or this subscription again), only its debits
        already in a batch are still collected."""
        self.ensure_one()
        token = record_argument(self.env, token, "payment.token")
        self._check_states(
            ("draft", "trial", "active", "paused"), self.env._("collected")
        )
        error = self._payment_token_error(token)
        if error:
            raise ValidationError(error)
        if self.payment_method == "token" and self.payment_token_id == token:
            return True
        mandate = self.mandate_id
        with self._mrr_tracking("change") as tracked:
            tracked.write(
                {
                    "payment_method": "token",
                    "payment_token_id": token.id,
                    # Linked, its revocation would move the subscription to manual
                    # payment (``_stop_collections``).
                    "mandate_id": False,
                }
            )
        body = self.env._(
            "From now on, the invoices of %(subscription)s are charged to the saved "
            "payment method %(token)s.",
            subscription=self.name,
            token=token.display_name,
        )
        if mandate:
            body = Markup("%s<br/>%s") % (
                body,
                self.env._(
                    "SEPA mandate %(umr)s no longer collects it but stays valid: a "
                    "debit already in a batch is still collected.",
                    umr=mandate.name,
                ),
            )
        self.message_post(body=body)
        return True

    def action_remove_payment_token(self):
        """Stop charging this subscription to its saved payment method: its next
        invoices are sent to be paid by transfer or online (manual payment). The
        saved payment method stays the customer's."""
        return self._remove_payment_token()

    def _remove_payment_token(self, reason=None):
        """``action_remove_payment_token``, whose message also tells ``reason``
        when the system rather than a user stops the saved payment method."""
        self.ensure_one()
        self._check_states(
            ("draft", "trial", "active", "paused"), self.env._("collected")
        )
        if self.payment_method != "token":
            raise UserError(
                self.env._(
                    "%(subscription)s is not paid by a saved payment method: there "
                    "is none to remove.",
                    subscription=self.name,
                )
            )
        token = self.payment_token_id
        with self._mrr_tracking("change") as tracked:
            tracked.write({"payment_method": "manual", "payment_token_id": False})
        body = self.env._(
            "The invoices of %(subscription)s are no longer charged to %(token)s: "
            "they are sent to be paid by transfer or online.",
            subscription=self.name,
            token=token.display_name,
        )
        if reason:
            body = Markup("%s<br/>%s") % (body, reason)
        self.message_post(body=body)
        return True

    def _payment_token_offered(self):
        """The payment method the customer saved when paying one of this
        subscription's invoices online, if it may pay the subscription and does not
        yet: offered to the customer, never set without their consent."""
        self.ensure_one()
        # Transactions are the payment managers' records; which card was saved by
        # paying this subscription is told to its customer.
        txs = (
            self.env["payment.transaction"]
            .sudo()
            .search(
                [
                    ("invoice_ids", "in", self.invoice_ids.ids),
                    ("operation", "in", ("online_direct", "online_redirect")),
                    ("state", "in", ("authorized", "done")),
                    ("token_id", "!=", False),
                ],
                order="id desc",
                limit=10,
            )
        )
        allowed = self.payment_token_allowed_ids
        if self.payment_method == "token":
            allowed -= self.payment_token_id
        return txs.token_id.filtered(lambda token: token in allowed)[:1]
