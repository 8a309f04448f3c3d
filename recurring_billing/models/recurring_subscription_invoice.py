"""Recurring invoicing: the due periods of subscriptions become invoice values.

The period math comes from ``engine.periods``; this layer only turns its periods into
``account.move`` values and records each billed period in the ledger
(``recurring.period``). Running it (now or scheduled) is in
``recurring_subscription_invoicing``, changes during a period in
``recurring_subscription_proration``.
"""

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date

from ..engine.periods import billing_date, due_periods, period_index_at

LINE_DATE_FORMAT = "d MMM y"


class RecurringSubscription(models.Model):
    _inherit = "recurring.subscription"

    period_ids = fields.One2many(
        "recurring.period", "subscription_id", "Billed Periods", readonly=True
    )
    period_count = fields.Integer(compute="_compute_period_count")
    invoice_error = fields.Text(
        "Invoicing Error",
        readonly=True,
        copy=False,
        help="Why the last scheduled invoicing of this subscription failed; it is "
        "retried on the next run and cleared once invoiced.",
    )
    preview_date_start = fields.Date(
        "Next Period Start", compute="_compute_invoice_preview"
    )
    preview_date_end = fields.Date(
        "Next Period End", compute="_compute_invoice_preview"
    )
    preview_date_invoice = fields.Date(
        "Next Billing Date", compute="_compute_invoice_preview"
    )
    preview_html = fields.Html(
        "Next Invoice Preview", compute="_compute_invoice_preview", sanitize=False
    )

    def _compute_period_count(self):
        counts = dict(
            self.env["recurring.period"]._read_group(
                [("subscription_id", "in", self.ids)], ["subscription_id"], ["__count"]
            )
        )
        for sub in self:
            sub.period_count = counts.get(sub, 0)

    @api.depends(
        "state",
        "date_anchor",
        "next_period_index",
        "date_end",
        "plan_id",
        "partner_invoice_id",
        "line_ids.name",
        "line_ids.quantity",
        "line_ids.price_unit",
        "line_ids.discount",
        "line_ids.price_subtotal",
        "line_ids.tax_ids",
    )
    def _compute_invoice_preview(self):
        for sub in self:
            period = sub._next_period()
            if not period or sub.plan_id.is_free:
                sub.preview_date_start = sub.preview_date_end = False
                sub.preview_date_invoice = False
                sub.preview_html = False
                continue
            sub.preview_date_start = period.start
            sub.preview_date_end = period.end
            sub.preview_date_invoice = sub._billing_date(period)
            sub.preview_html = sub._preview_table(period)

    def _preview_table(self, period):
        self.ensure_one()
        lang = self._invoice_lang()
        rows = Markup("").join(
            Markup(
                "<tr><td>%s</td><td class='text-end'>%s</td>"
                "<td class='text-end'>%s</td><td>%s</td><td class='text-end'>%s</td></tr>"
            )
            % (
                vals["name"],
                vals["quantity"],
                format_amount(self.env, vals["price_unit"], self.currency_id, lang),
                ", ".join(line.tax_ids.mapped("name")),
                format_amount(self.env, line.price_subtotal, self.currency_id, lang),
            )
            for line, vals in zip(
                self.line_ids, self._invoice_line_vals(period, lang), strict=True
            )
        )
        header = Markup(
            "<thead><tr><th>%s</th><th class='text-end'>%s</th>"
            "<th class='text-end'>%s</th><th>%s</th><th class='text-end'>%s</th>"
            "</tr></thead>"
        ) % (
            self.env._("Description"),
            self.env._("Quantity"),
            self.env._("Unit Price"),
            self.env._("Taxes"),
            self.env._("Amount"),
        )
        footer = Markup(
            "<tfoot><tr><td colspan='4' class='text-end'>%s</td>"
            "<td class='text-end'>%s</td></tr>"
            "<tr><td colspan='4' class='text-end fw-bold'>%s</td>"
            "<td class='text-end fw-bold'>%s</td></tr></tfoot>"
        ) % (
            self.env._("Untaxed Amount"),
            format_amount(self.env, self.amount_untaxed, self.currency_id, lang),
            self.env._("Total"),
            format_amount(self.env, self.amount_total, self.currency_id, lang),
        )
        return Markup(
            "<table class='table table-sm o_recurring_preview'>%s%s%s</table>"
        ) % (
            header,
            Markup("<tbody>%s</tbody>") % rows,
            footer,
        )

    # -- Periods ---------------------------------------------------------------------

    def _billing_date(self, period):
        return billing_date(period, self.plan_id.billing_mode == "advance")

    def _last_period_index(self):
        """Index of the last period to bill: the one holding the end date, if any."""
        self.ensure_one()
        if not self.date_end:
            return None
        if self.date_end < self.date_anchor:
            return -1
        plan = self.plan_id
        return period_index_at(
            self.date_anchor, plan.interval_unit, plan.interval_count, self.date_end
        )

    def _next_period(self):
        """The next period to invoice, or None when there is none (not active, ended)."""
        self.ensure_one()
        if self.state != "active" or not self.date_anchor:
            return None
        last = self._last_period_index()
        if last is not None and self.next_period_index > last:
            return None
        return self._period(self.next_period_index)

    def _due_periods(self, today):
        """The periods not invoiced yet whose billing date has come, oldest first."""
        self.ensure_one()
        if self.state != "active" or not self.date_anchor:
            return []
        plan = self.plan_id
        return due_periods(
            self.date_anchor,
            plan.interval_unit,
            plan.interval_count,
            self.next_period_index,
            today,
            plan.billing_mode == "advance",
            last_index=self._last_period_index(),
        )

    # -- Invoice values --------------------------------------------------------------

    def _invoice_journal(self):
        self.ensure_one()
        return self.plan_id.journal_id or self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(self.company_id),
                ("type", "=", "sale"),
            ],
            limit=1,
        )

    def _invoice_lang(self):
        return self.partner_invoice_id.lang or self.env.lang or "en_US"

    def _invoice_line_name(self, name, date_start, date_end, lang, unused=False):
        """Line description carrying the period: "Pro — 1 Mar 2026 to 31 Mar 2026"."""
        env = self.with_context(lang=lang).env
        values = {
            "name": name,
            "start": format_date(env, date_start, lang, LINE_DATE_FORMAT),
            "end": format_date(env, date_end, lang, LINE_DATE_FORMAT),
        }
        if unused:
            return env._("%(name)s, unused — %(start)s to %(end)s", **values)
        return env._("%(name)s — %(start)s to %(end)s", **values)

    def _invoice_line_vals(self, period, lang):
        self.ensure_one()
        return [
            {
                "product_id": line.product_id.id,
                "name": self._invoice_line_name(
                    line.name or line.product_id.display_name,
                    period.start,
                    period.end,
                    lang,
                ),
                "quantity": line.quantity,
                "price_unit": line.price_unit,
                "discount": line.discount,
                "tax_ids": [Command.set(line.tax_ids.ids)],
                "subscription_id": self.id,
            }
            for line in self.line_ids
        ]

    def _check_invoiceable(self, journal):
        """Raise a readable error for anything that would stop this invoice."""
        self.ensure_one()
        self._check_billable()
        company = self.company_id
        if not journal:
            raise UserError(
                self.env._(
                    "%(company)s has no sales journal: create one, or set a journal "
                    "on plan %(plan)s.",
                    company=company.name,
                    plan=self.plan_id.display_name,
                )
            )
        partner = self.partner_invoice_id
        if not (partner.street or partner.city):
            raise UserError(
                self.env._(
                    "The invoice address %(partner)s of %(subscription)s has no "
                    "address: fill in its street and city.",
                    partner=partner.display_name,
                    subscription=self.name,
                )
            )
        for line in self.line_ids:
            product = line.product_id
            if not product.active:
                raise UserError(
                    self.env._(
                        "%(subscription)s bills the archived product %(product)s: "
                        "restore the product or replace the line.",
                        subscription=self.name,
                        product=product.display_name,
                    )
                )
            foreign = line.tax_ids.filtered(
                lambda tax: tax.company_id not in company.parent_ids
            )
            if foreign:
                raise UserError(
                    self.env._(
                        "%(subscription)s applies the tax %(tax)s of another company "
                        "than %(company)s: pick a tax of %(company)s on the line "
                        "%(line)s.",
                        subscription=self.name,
                        tax=foreign[0].display_name,
                        company=company.name,
                        line=line.name,
                    )
                )
            account = (
                product.product_tmpl_id.with_company(company).get_product_accounts(
                    fiscal_pos=self.fiscal_position_id
                )["income"]
                or journal.default_account_id
            )
            if not account or account.deprecated or company not in account.company_ids:
                raise UserError(
                    self.env._(
                        "%(product)s has no usable income account in %(company)s: set "
                        "an active income account of the company on the product or its "
                        "category.",
                        product=product.display_name,
                        company=company.name,
                    )
                )

    def _prepare_invoice_vals(self, period, invoice_date, journal):
        """Values of the invoice of ``period``, without its ledger link yet."""
        self.ensure_one()
        self._check_invoiceable(journal)
        lang = self._invoice_lang()
        return dict(
            self._invoice_header_vals(journal, invoice_date, "period"),
            invoice_line_ids=[
                Command.create(vals) for vals in self._invoice_line_vals(period, lang)
            ],
        )

    def _invoice_header_vals(
        self, journal, invoice_date, kind, move_type="out_invoice"
    ):
        """Header of an invoice or credit note of this subscription: customer, terms,
        journal and links, the same for period invoices and adjustments."""
        partner = self.partner_invoice_id
        return {
            "move_type": move_type,
            "company_id": self.company_id.id,
            "journal_id": journal.id,
            "partner_id": partner.id,
            "invoice_date": invoice_date,
            "currency_id": self.currency_id.id,
            "fiscal_position_id": self.fiscal_position_id.id,
            "invoice_payment_term_id": partner.with_company(
                self.company_id
            ).property_payment_term_id.id,
            "invoice_origin": self.name,
            "invoice_user_id": self.user_id.id,
            "subscription_id": self.id,
            "recurring_kind": kind,
        }

    @api.model
    def _link_period(self, vals, period_record):
        vals["recurring_period_id"] = period_record.id
        for command in vals["invoice_line_ids"]:
            command[2]["recurring_period_id"] = period_record.id
        return vals

    @api.model
    def _create_period_invoices(self, jobs):
        """Record the periods of ``jobs`` in the ledger and create their invoices.

        ``jobs`` is a list of ``(subscription, periods, vals_list)``; one ``create``
        for the ledger rows and one for the invoices of all of them.
        """
        pairs = [
            (sub, period, vals)
            for sub, periods, vals_list in jobs
            for period, vals in zip(periods, vals_list, strict=True)
        ]
        records = self.env["recurring.period"]._create_billed(
            [
                {
                    "subscription_id": sub.id,
                    "period_index": period.index,
                    "date_start": period.start,
                    "date_end": period.end,
                    "date_invoice": sub._billing_date(period),
                }
                for sub, period, _vals in pairs
            ]
        )
        return self.env["account.move"].create(
            [
                self._link_period(vals, record)
                for (_sub, _period, vals), record in zip(pairs, records, strict=True)
            ]
        )

    @api.model
    def _apply_invoice_policy(self, moves):
        """Leave in draft, post, or post and queue for sending, as each plan says."""
        policy = {move: move.subscription_id.plan_id.invoice_policy for move in moves}
        to_post = moves.filtered(lambda move: policy[move] in ("post", "send"))
        to_post.action_post()
        to_send = moves.filtered(lambda move: policy[move] == "send")
        if to_send:
            # Odoo's own sending job mails them in batches with the standard invoice
            # template and attachment.
            to_send.sending_data = {
                "author_user_id": self.env.user.id,
                "author_partner_id": self.env.user.partner_id.id,
            }
            self.env.ref("account.ir_cron_account_move_send")._trigger()

    def _invoice_periods(self, periods, period_record=None, invoice_date=None):
        """Invoice ``periods`` of this subscription now, raising on any problem.

        ``period_record`` is the ledger row when its period is billed again.
        """
        self.ensure_one()
        journal = self._invoice_journal()
        vals_list = [
            self._prepare_invoice_vals(
                period, invoice_date or self._billing_date(period), journal
            )
            for period in periods
        ]
        if period_record:
            moves = self.env["account.move"].create(
                [self._link_period(vals_list[0], period_record)]
            )
        else:
            moves = self._create_period_invoices([(self, periods, vals_list)])
        self._apply_invoice_policy(moves)
        return moves
