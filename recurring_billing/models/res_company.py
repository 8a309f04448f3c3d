from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..engine.dunning import DEFAULT_RETRY_DAYS, OUTCOMES
from ..engine.sepa_calendar import PRENOTIFICATION_DAYS
from ..engine.sepa_file import DEFAULT_VERSION, FILE_VERSION_SELECTION, Creditor
from ..engine.sepa_ids import validate_creditor_identifier
from .tools import dunning_policy

SEPA_SCHEMES = [("core", "CORE (consumers)"), ("b2b", "B2B (businesses)")]
SEPA_RECONCILE_MODES = [
    ("sent", "On the collection date"),
    ("statement", "At bank statement matching"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    sepa_creditor_identifier = fields.Char(
        "SEPA Creditor Identifier",
        help="Identifier given by your bank or national bank to collect SEPA Direct "
        "Debits (ICS/CI), e.g. FR72ZZZ123456.",
    )
    sepa_scheme = fields.Selection(
        SEPA_SCHEMES, "Default SEPA Scheme", default="core", required=True
    )
    sepa_file_version = fields.Selection(
        FILE_VERSION_SELECTION,
        "SEPA File Version",
        default=DEFAULT_VERSION,
        required=True,
    )
    sepa_batch_booking = fields.Boolean(
        "SEPA Batch Booking",
        default=True,
        help="Ask the bank to book each payment block as one amount on the statement; "
        "otherwise every debit is booked on its own.",
    )
    sepa_prenotification_days = fields.Integer(
        "SEPA Pre-notification Days",
        default=PRENOTIFICATION_DAYS,
        help="Calendar days between the pre-notification e-mail and the collection; "
        "14 unless the contract with the customer says fewer.",
    )
    sepa_journal_id = fields.Many2one(
        "account.journal",
        "SEPA Collection Journal",
        domain="[('type', '=', 'bank')]",
        check_company=True,
        help="Bank journal that receives the collected payments.",
    )
    sepa_bank_account_id = fields.Many2one(
        "res.partner.bank",
        "SEPA Collection Account",
        compute="_compute_sepa_bank_account_id",
        store=True,
        readonly=False,
        domain="[('partner_id', '=', partner_id)]",
        help="Account of the company credited with the collections; the IBAN of the "
        "collection journal by default.",
    )
    sepa_reconcile_mode = fields.Selection(
        SEPA_RECONCILE_MODES,
        "Reconcile Direct Debits",
        default="sent",
        required=True,
        help="When the invoices of a debit batch are marked paid: on the collection "
        "date of their debits, once the batch was sent to the bank, or only once the "
        "bank statement line of the collection is matched with the batch.",
    )
    sepa_retry_max = fields.Integer(
        "SEPA Retries after Insufficient Funds",
        default=2,
        help="How many times a debit returned for insufficient funds (AM04) is "
        "presented again before the subscription is flagged as payment failed.",
    )
    dunning_retry_days = fields.Char(
        "Payment Retry Days",
        default=DEFAULT_RETRY_DAYS,
        required=True,
        help="Days after a failed automatic payment on which it is tried again and "
        "the customer reminded with a link to pay, e.g. 3,5,7. Plans may set their "
        "own.",
    )
    dunning_outcome = fields.Selection(
        OUTCOMES,
        "After the Last Retry",
        default="suspend",
        required=True,
        help="What happens to a subscription still unpaid after the last retry day: "
        "it stays active, is suspended until paid, or is cancelled (reason: payment "
        "failed).",
    )
    sepa_retry_interval_days = fields.Integer(
        "SEPA Retry Interval (days)",
        default=7,
        help="Days to wait after a return for insufficient funds before the debit "
        "may be presented again.",
    )

    _sql_constraints = [
        (
            "sepa_prenotification_days_positive",
            "CHECK(sepa_prenotification_days >= 0)",
            "The SEPA pre-notification period cannot be negative.",
        ),
        (
            "sepa_retry_positive",
            "CHECK(sepa_retry_max >= 0 AND sepa_retry_interval_days >= 0)",
            "The number of SEPA retries and their interval cannot be negative.",
        ),
    ]

    @api.depends("sepa_journal_id")
    def _compute_sepa_bank_account_id(self):
        for company in self:
            if company.sepa_journal_id.bank_account_id:
                company.sepa_bank_account_id = company.sepa_journal_id.bank_account_id

    @api.constrains("dunning_retry_days", "dunning_outcome")
    def _check_dunning_policy(self):
        for company in self:
            dunning_policy(
                self.env,
                company.dunning_retry_days,
                company.dunning_outcome,
                company.name,
            )

    @api.constrains("sepa_creditor_identifier")
    def _check_sepa_creditor_identifier(self):
        for company in self.filtered("sepa_creditor_identifier"):
            try:
                validate_creditor_identifier(company.sepa_creditor_identifier)
            except ValueError as error:
                raise ValidationError(
                    self.env._(
                        "%(company)s: %(error)s Copy it from the letter of your bank.",
                        company=company.name,
                        error=error,
                    )
                ) from error

    def write(self, vals):
        if "sepa_creditor_identifier" in vals:
            # A collected mandate whose creditor changes its identifier reports the
            # former one in its next collection (amendment).
            for company in self.filtered("sepa_creditor_identifier"):
                new = vals["sepa_creditor_identifier"] or ""
                if new.replace(" ", "").upper() == company.sepa_creditor_identifier:
                    continue
                mandates = self.env["sepa.mandate"].search(
                    [
                        ("company_id", "=", company.id),
                        ("state", "=", "valid"),
                        ("sequence_state", "=", "recurring"),
                        ("previous_creditor_identifier", "=", False),
                    ]
                )
                mandates.previous_creditor_identifier = company.sepa_creditor_identifier
            if vals["sepa_creditor_identifier"]:
                vals["sepa_creditor_identifier"] = (
                    vals["sepa_creditor_identifier"].replace(" ", "").upper()
                )
        res = super().write(vals)
        if vals.get("sepa_journal_id"):
            self.sepa_journal_id._add_sepa_payment_method()
        return res

    def _sepa_creditor(self, journal, batch_booking):
        """The creditor the company collects as, credited on its collection account
        (else the account of ``journal``); raise unless the settings give what a
        file needs."""
        self.ensure_one()
        account = self.sepa_bank_account_id or journal.bank_account_id
        if not self.sepa_creditor_identifier or not account:
            raise UserError(
                self.env._(
                    "Set the SEPA creditor identifier and the collection bank account "
                    "of %(company)s in the settings before generating a file.",
                    company=self.name,
                )
            )
        return Creditor(
            name=self.name,
            iban=account.acc_number,
            creditor_id=self.sepa_creditor_identifier,
            bic=account.bank_bic or None,
            batch_booking=batch_booking,
        )
