import logging

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .report_table import ensure_report_table

_logger = logging.getLogger(__name__)

# In the order of the month bridge: growth, then loss. Reports list them so.
MOVEMENT_TYPES = [
    ("new", "New"),
    ("expansion", "Expansion"),
    ("reactivation", "Reactivation"),
    ("contraction", "Contraction"),
    ("churn", "Churn"),
]
ANALYTICS_GROUPS = (
    "recurring_billing.group_manager",
    "account.group_account_manager",
)
COMPARED_COLUMNS = (
    "company_id",
    "partner_id",
    "date",
    "month",
    "movement_type",
    "amount",
    "mrr_before",
    "mrr_after",
    "currency_id",
    "plan_id",
    "user_id",
    "country_id",
    "is_involuntary",
)


class MrrMovement(models.Model):
    _name = "mrr.movement"
    _inherit = "mrr.totals.reader"
    _description = "MRR Movement"
    _order = "date desc, id desc"
    _rec_name = "movement_type"
    _check_company_auto = True
    _auto = False
    _totals_model = "mrr.movement.total"
    _totals_aggregates = {"__count": "line_count:sum", "amount:sum": "amount:sum"}

    partner_id = fields.Many2one(
        "res.partner",
        "Customer",
        required=True,
        readonly=True,
        index=True,
        help="Commercial partner whose MRR moved.",
    )
    date = fields.Date(required=True, readonly=True, index=True)
    month = fields.Date(
        required=True, readonly=True, index=True, help="First day of the month."
    )
    movement_type = fields.Selection(
        MOVEMENT_TYPES, "Movement", required=True, readonly=True, index=True
    )
    amount = fields.Monetary(
        readonly=True,
        currency_field="currency_id",
        help="MRR after minus MRR before: negative for contraction and churn.",
    )
    mrr_before = fields.Monetary(
        "MRR Before", readonly=True, currency_field="currency_id", aggregator=None
    )
    mrr_after = fields.Monetary(
        "MRR After", readonly=True, currency_field="currency_id", aggregator=None
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(
        "res.currency", "Company Currency", required=True, readonly=True
    )
    plan_id = fields.Many2one(
        "recurring.plan",
        readonly=True,
        check_company=True,
        help="Plan of the customer's last change of the day.",
    )
    user_id = fields.Many2one(
        "res.users",
        "Salesperson",
        readonly=True,
        help="Salesperson of the subscription of the customer's last change of the day.",
    )
    country_id = fields.Many2one("res.country", readonly=True)
    is_involuntary = fields.Boolean(
        "Involuntary",
        readonly=True,
        help="A loss the customer did not choose: a suspension for non-payment or a "
        "cancellation for a reason marked involuntary.",
    )

    def init(self):
        constraints = (
            # A customer's changes of one day net into one movement.
            "UNIQUE (company_id, partner_id, date)",
            "CHECK (amount <> 0 AND amount = mrr_after - mrr_before)",
        )
        # The cohort changes and the totals are derived from the movements: any of
        # the three tables new means all three are written again.
        created = [
            ensure_report_table(self, constraints),
            self.env["mrr.cohort.change"]._ensure_table(),
            self.env["mrr.movement.total"]._ensure_table(),
        ]
        if any(created):
            self._rebuild_movements(self.env["res.company"].search([]))

    # -- Actions -----------------------------------------------------------------------

    @api.model
    def action_rebuild(self, companies=None):
        """Rebuild the MRR analytics of ``companies`` (the allowed companies by default)."""
        if not any(self.env.user.has_group(group) for group in ANALYTICS_GROUPS):
            raise AccessError(
                self.env._(
                    "Only subscription managers and accounting managers can rebuild "
                    "the MRR analytics."
                )
            )
        companies = companies or self.env.companies
        # The report tables are read-only for everyone: their rows are written here.
        self.sudo()._rebuild(companies)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "MRR analytics rebuilt for %(companies)s.",
                    companies=", ".join(companies.mapped("name")),
                ),
            },
        }

    @api.model
    def _cron_rebuild(self):
        """Daily: rebuild each company's analytics, one savepoint per company."""
        companies = self.env["res.company"].search([])
        for done, company in enumerate(companies, start=1):
            try:
                with self.env.cr.savepoint():
                    self._rebuild(company)
            except (UserError, psycopg2.Error):
                _logger.exception("MRR analytics of %s not rebuilt", company.name)
            self.env["ir.cron"]._notify_progress(
                done=done, remaining=len(companies) - done
            )
