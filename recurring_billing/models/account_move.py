from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    subscription_id = fields.Many2one(
        "recurring.subscription",
        index="btree_not_null",
        copy=False,
        readonly=True,
        check_company=True,
    )
    recurring_period_id = fields.Many2one(
        "recurring.period",
        "Billed Period",
        index="btree_not_null",
        copy=False,
        readonly=True,
        check_company=True,
        help="The subscription period this invoice or credit note bills or corrects.",
    )
    recurring_kind = fields.Selection(
        [("period", "Period invoice"), ("adjustment", "Mid-period change")],
        "Recurring Invoice Type",
        copy=False,
        readonly=True,
    )
    recurring_charge_due = fields.Boolean(
        "To Charge to the Saved Payment Method",
        index=True,
        copy=False,
        readonly=True,
        help="Posted for a subscription paid by a saved payment method and not "
        "charged yet: the charging job charges it.",
    )
    sepa_line_ids = fields.One2many(
        "sepa.debit.batch.line", "invoice_id", "SEPA Direct Debits"
    )
    sepa_mandate_id = fields.Many2one(
        "sepa.mandate",
        "Pre-notified Mandate",
        copy=False,
        readonly=True,
        check_company=True,
    )
    sepa_date_prenotified = fields.Date(
        "SEPA Pre-notification Sent", copy=False, readonly=True, tracking=True
    )
    sepa_date_collection_planned = fields.Date(
        "SEPA Collection Announced",
        copy=False,
        readonly=True,
        tracking=True,
        help="Collection date given to the customer in the pre-notification.",
    )
    sepa_retry_count = fields.Integer(
        "SEPA Retries", copy=False, readonly=True, tracking=True
    )
    sepa_date_retry = fields.Date(
        "SEPA Retry From",
        copy=False,
        readonly=True,
        tracking=True,
        help="A returned debit is not presented again before this date.",
    )
    sepa_no_retry = fields.Boolean(
        "SEPA Collection Stopped",
        copy=False,
        readonly=True,
        tracking=True,
        help="A return stopped the direct debit of this invoice: collect it another "
        "way.",
    )

    def _reverse_moves(self, default_values_list=None, cancel=False):
        # Credit notes stay attached to the subscription and period they correct.
        if not default_values_list:
            default_values_list = [{} for _move in self]
        for move, default_values in zip(self, default_values_list, strict=True):
            if move.subscription_id:
                default_values.setdefault("subscription_id", move.subscription_id.id)
                default_values.setdefault(
                    "recurring_period_id", move.recurring_period_id.id
                )
        return super()._reverse_moves(default_values_list, cancel=cancel)

    def _invoice_paid_hook(self):
        res = super()._invoice_paid_hook()
        followed = self.filtered("subscription_id")
        if followed:
            # sudo: whoever records the payment (an accountant, the customer paying
            # online) ends the follow-up and resumes what it suspended.
            self.env["recurring.dunning"].sudo()._invoices_paid(followed)
        return res
