from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    sepa_creditor_identifier = fields.Char(
        related="company_id.sepa_creditor_identifier", readonly=False
    )
    sepa_scheme = fields.Selection(related="company_id.sepa_scheme", readonly=False)
    sepa_file_version = fields.Selection(
        related="company_id.sepa_file_version", readonly=False
    )
    sepa_batch_booking = fields.Boolean(
        related="company_id.sepa_batch_booking", readonly=False
    )
    sepa_prenotification_days = fields.Integer(
        related="company_id.sepa_prenotification_days", readonly=False
    )
    sepa_journal_id = fields.Many2one(
        related="company_id.sepa_journal_id", readonly=False
    )
    sepa_bank_account_id = fields.Many2one(
        related="company_id.sepa_bank_account_id", readonly=False
    )
    sepa_reconcile_mode = fields.Selection(
        related="company_id.sepa_reconcile_mode", readonly=False
    )
    sepa_retry_max = fields.Integer(related="company_id.sepa_retry_max", readonly=False)
    sepa_retry_interval_days = fields.Integer(
        related="company_id.sepa_retry_interval_days", readonly=False
    )
    dunning_retry_days = fields.Char(
        related="company_id.dunning_retry_days", readonly=False
    )
    dunning_outcome = fields.Selection(
        related="company_id.dunning_outcome", readonly=False
    )
