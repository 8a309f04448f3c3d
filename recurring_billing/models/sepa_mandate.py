from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..engine.sepa_ids import validate_bic, validate_sepa_iban
from ..engine.sepa_returns import REASON_CODE_SELECTION
from ..engine.sepa_text import check_umr
from .res_company import SEPA_SCHEMES
from .tools import check_state

# Marks the writes of the state made by the mandate's own methods. An object, not a
# flag: a context sent over RPC holds JSON values, never this one.
_STATE_CHANGE = object()


class SepaMandate(models.Model):
    _name = "sepa.mandate"
    _description = "SEPA Direct Debit Mandate"
    _inherit = ["mail.thread", "mail.activity.mixin", "recurring.value.check.mixin"]
    _order = "date_signature desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        "Mandate Reference (UMR)",
        required=True,
        copy=False,
        default="/",
        index=True,
        tracking=True,
        help="Unique mandate reference: at most 35 letters, digits, spaces and "
        "/ - ? : ( ) . , ' +; taken from a sequence when left empty.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        "Customer",
        required=True,
        tracking=True,
        index=True,
        check_company=True,
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, index=True
    )
    partner_bank_id = fields.Many2one(
        "res.partner.bank",
        "Customer Bank Account",
        required=True,
        tracking=True,
        ondelete="restrict",
        check_company=True,
        domain="[('partner_id', 'child_of', commercial_partner_id)]",
    )
    iban = fields.Char("IBAN", related="partner_bank_id.acc_number")
    bic = fields.Char("BIC", related="partner_bank_id.bank_bic")
    creditor_identifier = fields.Char(
        related="company_id.sepa_creditor_identifier", string="Creditor Identifier"
    )
    scheme = fields.Selection(
        SEPA_SCHEMES,
        required=True,
        tracking=True,
        default=lambda self: self.env.company.sepa_scheme or "core",
    )
    mandate_type = fields.Selection(
        [("recurrent", "Recurrent"), ("oneoff", "One-off")],
        "Type",
        required=True,
        default="recurrent",
        tracking=True,
    )
    date_signature = fields.Date("Signature Date", tracking=True, copy=False)
    signed_document = fields.Binary(
        "Signed Mandate", attachment=True, copy=False, help="Scan of the signed form."
    )
    signed_document_name = fields.Char("Signed Mandate File Name", copy=False)
    signed_online = fields.Boolean(
        copy=False,
        readonly=True,
        help="Signed by the customer on the customer portal: the signer's IP address "
        "and browser are the evidence of the signature.",
    )
    signature_ip = fields.Char("Signed From (IP Address)", copy=False, readonly=True)
    signature_user_agent = fields.Char(
        "Signed With (Browser)", copy=False, readonly=True
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("valid", "Valid"),
            ("revoked", "Revoked"),
            ("expired", "Expired"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="draft",
        copy=False,
        tracking=True,
        index=True,
    )
    sequence_state = fields.Selection(
        [("first", "First collection"), ("recurring", "Recurring collections")],
        required=True,
        default="first",
        copy=False,
        tracking=True,
        help="A recurrent mandate is collected as FRST the first time, RCUR after.",
    )
    end_after_next_collection = fields.Boolean(
        "Ends After Next Collection",
        copy=False,
        readonly=True,
        tracking=True,
        help="The next collection is the last one (FNAL): once it is sent to the "
        "bank, the mandate expires and collects nothing more.",
    )
    date_last_collection = fields.Date("Last Collection", copy=False, readonly=True)
    previous_umr = fields.Char(
        "Previous Mandate Reference",
        copy=False,
        readonly=True,
        help="Reported in the next collection as an amendment, then forgotten.",
    )
    previous_iban = fields.Char(
        "Previous IBAN",
        copy=False,
        readonly=True,
        help="Reported in the next collection as an amendment, then forgotten.",
    )
    previous_creditor_identifier = fields.Char(
        copy=False,
        readonly=True,
        help="Reported in the next collection as an amendment, then forgotten.",
    )
    amendment_smnda = fields.Boolean(
        "Debtor Changed Bank",
        copy=False,
        readonly=True,
        help="The next collection reports that the debtor moved to another bank.",
    )
    batch_line_ids = fields.One2many("sepa.debit.batch.line", "mandate_id")
    payment_returned = fields.Boolean(
        compute="_compute_last_return",
        help="The bank rejected or returned the last debit sent under this mandate.",
    )
    return_reason_code = fields.Selection(
        REASON_CODE_SELECTION,
        "Last Return Reason",
        compute="_compute_last_return",
    )
    date_last_return = fields.Date("Last Return", compute="_compute_last_return")
    subscription_ids = fields.One2many("recurring.subscription", "mandate_id")
    subscription_count = fields.Integer(compute="_compute_subscription_count")

    _sql_constraints = [
        (
            "name_company_unique",
            "UNIQUE(name, company_id)",
            "Another mandate of this company has this reference (UMR): a mandate "
            "reference must be unique per creditor.",
        ),
    ]

    @api.depends(
        "batch_line_ids.state",
        "batch_line_ids.return_reason_code",
        "batch_line_ids.date_return",
    )
    def _compute_last_return(self):
        for mandate in self:
            last = mandate.batch_line_ids.filtered(
                lambda li: li.state in ("sent", "collected", "returned")
            ).sorted(lambda li: (li.date_collection, li.id))[-1:]
            returned = last.state == "returned"
            mandate.payment_returned = returned
            mandate.return_reason_code = returned and last.return_reason_code
            mandate.date_last_return = returned and last.date_return

    @api.depends("subscription_ids")
    def _compute_subscription_count(self):
        for mandate in self:
            mandate.subscription_count = len(mandate.subscription_ids)

    @api.constrains("name")
    def _check_name(self):
        for mandate in self:
            try:
                check_umr(mandate.name)
            except ValueError as error:
                raise ValidationError(
                    self.env._("%(error)s Fix the mandate reference.", error=error)
                ) from error

    @api.constrains("partner_id", "partner_bank_id")
    def _check_partner_bank_id(self):
        for mandate in self:
            bank = mandate.partner_bank_id
            if bank.partner_id.commercial_partner_id != mandate.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "The bank account %(account)s belongs to %(owner)s, not to the "
                        "customer %(customer)s of mandate %(mandate)s.",
                        account=bank.acc_number,
                        owner=bank.partner_id.display_name,
                        customer=mandate.partner_id.display_name,
                        mandate=mandate.name,
                    )
                )
            try:
                validate_sepa_iban(bank.acc_number)
            except ValueError as error:
                raise ValidationError(
                    self.env._(
                        "Mandate %(mandate)s: %(error)s A SEPA Direct Debit needs the "
                        "IBAN of the customer's account.",
                        mandate=mandate.name,
                        error=error,
                    )
                ) from error
            if bank.bank_bic:
                try:
                    validate_bic(bank.bank_bic)
                except ValueError as error:
                    raise ValidationError(
                        self.env._(
                            "Mandate %(mandate)s: %(error)s Correct the BIC of the bank "
                            "%(bank)s, or leave it empty: within SEPA the IBAN is "
                            "enough.",
                            mandate=mandate.name,
                            error=error,
                            bank=bank.bank_id.display_name,
                        )
                    ) from error

    @api.constrains("date_signature", "state")
    def _check_date_signature(self):
        today = fields.Date.context_today(self)
        for mandate in self.filtered("date_signature"):
            if mandate.date_signature > today:
                raise ValidationError(
                    self.env._(
                        "Mandate %(mandate)s is signed on %(date)s, in the future: "
                        "enter the date the customer signed it.",
                        mandate=mandate.name,
                        date=mandate.date_signature,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        # Refused on the mandate itself, before a reference is taken from the sequence.
        self.check_access("create")
        by_method = self.env.context.get("sepa_mandate_state") is _STATE_CHANGE
        for vals in vals_list:
            if not by_method and (
                vals.get("state", "draft") != "draft"
                or vals.get("end_after_next_collection")
            ):
                raise UserError(
                    self.env._(
                        "A new mandate is a draft: leave its state and whether it "
                        "ends after its next collection out, then use the buttons of "
                        "the mandate (Validate, End After Next Collection), which "
                        "check the signature and the collections."
                    )
                )
            if vals.get("name", "/") in ("/", False):
                company = self.env["res.company"].browse(vals.get("company_id"))
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(company or self.env.company)
                    .next_by_code("sepa.mandate")
                )
            self._check_name_free(
                vals["name"], vals.get("company_id") or self.env.company.id
            )
        return super().create(vals_list)

    def write(self, vals):
        by_method = self.env.context.get("sepa_mandate_state") is _STATE_CHANGE
        if "end_after_next_collection" in vals and not by_method:
            raise UserError(
                self.env._(
                    "Whether a mandate ends after its next collection is set by its "
                    "button End After Next Collection, which checks that the "
                    "mandate can still collect once: use it."
                )
            )
        if "state" in vals and not by_method:
            raise UserError(
                self.env._(
                    "The state of a mandate follows its life: use the buttons of the "
                    "mandate (Validate, Revoke, Cancel, Back to draft) to change it. A "
                    "revoked or expired mandate cannot be valid again: have the "
                    "customer sign a new one."
                )
            )
        if "name" in vals:
            for company in self.company_id:
                self._check_name_free(vals["name"], company.id, exclude=self)
        if {"name", "partner_bank_id"} & vals.keys():
            self._remember_amendment(vals)
        return super().write(vals)

    def _check_name_free(self, name, company_id, exclude=None):
        """Raise if another mandate of the company has the reference ``name``; the
        database refuses it as well, with a less helpful message."""
        domain = [("name", "=", name), ("company_id", "=", company_id)]
        if exclude:
            domain.append(("id", "not in", exclude.ids))
        # sudo: the mandate holding the reference may be one the user cannot read.
        if self.sudo().with_context(active_test=False).search_count(domain, limit=1):
            raise ValidationError(
                self.env._(
                    "Another mandate already has the reference %(umr)s: a mandate "
                    "reference (UMR) identifies one mandate of the creditor. Choose "
                    "another one or leave it empty to take the next number.",
                    umr=name,
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(mandate.state != "draft" for mandate in self):
            raise UserError(
                self.env._(
                    "Only draft mandates can be deleted; revoke or cancel the others "
                    "so that their collections keep their mandate."
                )
            )

    # -- Lifecycle -------------------------------------------------------------------

    def action_validate(self):
        for mandate in self:
            if mandate.state != "draft":
                raise UserError(
                    self.env._(
                        "Mandate %(mandate)s is not a draft.", mandate=mandate.name
                    )
                )
            if not mandate.date_signature:
                raise UserError(
                    self.env._(
                        "Enter the date the customer signed mandate %(mandate)s "
                        "before validating it.",
                        mandate=mandate.name,
                    )
                )
        self._set_state("valid")
        self._link_waiting_subscriptions()
        return True

    def _set_state(self, state):
        """Write ``state`` on the mandates: the one door to their state, for the
        methods that checked the change is allowed."""
        self._write_checked({"state": state})

    def _write_checked(self, vals):
        """Write ``vals``, which only the mandate's own methods may change, for the
        methods that checked the change is allowed."""
        self.with_context(sepa_mandate_state=_STATE_CHANGE).write(vals)

    def _link_waiting_subscriptions(self):
        """Give the mandate to the customer's subscriptions paid by SEPA without one."""
        # sudo: an accountant validating the mandate may only read subscriptions.
        subscriptions = (
            self.env["recurring.subscription"]
            .sudo()
            .search(
                [
                    ("payment_method", "=", "sepa"),
                    ("mandate_id", "=", False),
                    ("commercial_partner_id", "in", self.commercial_partner_id.ids),
                    ("company_id", "in", self.company_id.ids),
                ]
            )
        )
        for sub in subscriptions:
            sub.mandate_id = self.filtered(
                lambda m, sub=sub: (
                    m.commercial_partner_id == sub.commercial_partner_id
                    and m.company_id == sub.company_id
                )
            )[:1]

    def action_revoke(self):
        """The customer withdraws the mandates: no new collection, but the debits in
        a file already generated are collected (see ``_stop_collections``)."""
        check_state(self, ("valid",), self.env._("revoked"))
        self._set_state("revoked")
        self._stop_collections()
        return True

    def action_cancel(self):
        check_state(self, ("draft", "valid"), self.env._("cancelled"))
        self._set_state("cancelled")
        return True

    def action_draft(self):
        check_state(self, ("cancelled",), self.env._("reset to draft"))
        self.filtered(lambda m: not m.date_last_collection)._set_state("draft")
        return True

    def action_view_subscriptions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "recurring_billing.recurring_subscription_action"
        )
        action["domain"] = [("mandate_id", "=", self.id)]
        action["context"] = {"create": False}
        return action
