"""The invoices and credit notes of subscriptions, as accounting documents.

What a period or a change bills is the subscription's to say: its lines as they bill a
period (``_invoice_line_vals``), the pieces of a change (engine/schedule.py). This model
turns that into ``account.move`` values (customer, journal, terms, descriptions carrying
the dates), refuses with a readable message what accounting would refuse, records the
periods in the ledger, creates the moves and applies the plan's invoice policy. The
invoicing job calls it for many subscriptions at once, the subscription's steps for one.
"""

from decimal import Decimal

from odoo import Command, api, models
from odoo.exceptions import UserError
from odoo.tools import format_date, ormcache

from ..engine.schedule import change_pieces

LINE_DATE_FORMAT = "d MMM y"


class RecurringInvoiceMaker(models.AbstractModel):
    _name = "recurring.invoice.maker"
    _description = "Subscription Invoices"

    # -- Values ----------------------------------------------------------------------

    @api.model
    def _journal(self, sub):
        return sub.plan_id.journal_id or self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(sub.company_id),
                ("type", "=", "sale"),
            ],
            limit=1,
        )

    @api.model
    def _lang(self, sub):
        return sub.partner_invoice_id.lang or self.env.lang or "en_US"

    @api.model
    @ormcache("name", "date_start", "date_end", "lang", "unused")
    def _line_name(self, name, date_start, date_end, lang, unused=False):
        """Line description carrying the period: "Pro — 1 Mar 2026 to 31 Mar 2026".

        Cached: it depends on its arguments only (and on the languages, whose changes
        clear the cache), and a batch of the invoicing job asks it the same for
        hundreds of subscriptions.
        """
        env = self.with_context(lang=lang).env
        values = {
            "name": name,
            "start": format_date(env, date_start, lang, LINE_DATE_FORMAT),
            "end": format_date(env, date_end, lang, LINE_DATE_FORMAT),
        }
        if unused:
            return env._("%(name)s, unused — %(start)s to %(end)s", **values)
        return env._("%(name)s — %(start)s to %(end)s", **values)

    @api.model
    def _header_vals(self, sub, journal, invoice_date, kind, move_type="out_invoice"):
        """Header of an invoice or credit note of ``sub``: customer, terms, journal and
        links, the same for period invoices and adjustments."""
        partner = sub.partner_invoice_id
        return {
            "move_type": move_type,
            "company_id": sub.company_id.id,
            "journal_id": journal.id,
            "partner_id": partner.id,
            "invoice_date": invoice_date,
            "currency_id": sub.currency_id.id,
            "fiscal_position_id": sub.fiscal_position_id.id,
            "invoice_payment_term_id": partner.with_company(
                sub.company_id
            ).property_payment_term_id.id,
            "invoice_origin": sub.name,
            "invoice_user_id": sub.user_id.id,
            "subscription_id": sub.id,
            "recurring_kind": kind,
        }

    @api.model
    def _period_vals(self, sub, period, invoice_date, journal, checked=None):
        """Values of the invoice of ``period`` of ``sub``, without its ledger link;
        ``checked`` as for ``_check_invoiceable``."""
        self._check_invoiceable(sub, journal, checked)
        lang = self._lang(sub)
        return dict(
            self._header_vals(sub, journal, invoice_date, "period"),
            invoice_line_ids=[
                Command.create(vals) for vals in sub._invoice_line_vals(period, lang)
            ],
        )

    @api.model
    def _check_invoiceable(self, sub, journal, checked=None):
        """Raise a readable error for anything that would stop an invoice of ``sub``.

        ``checked`` is a set the caller keeps over many subscriptions (a batch of the
        invoicing job): what a line sells is checked once per product, taxes,
        company, fiscal position and journal, not again for every subscription
        selling it.
        """
        sub._check_billable()
        company = sub.company_id
        if not journal:
            raise UserError(
                self.env._(
                    "%(company)s has no sales journal: create one, or set a journal "
                    "on plan %(plan)s.",
                    company=company.name,
                    plan=sub.plan_id.display_name,
                )
            )
        sub._check_invoice_address()
        checked = set() if checked is None else checked
        for line in sub.line_ids:
            product = line.product_id
            key = (product, line.tax_ids, company, sub.fiscal_position_id, journal)
            if key in checked:
                continue
            if not product.active:
                raise UserError(
                    self.env._(
                        "%(subscription)s bills the archived product %(product)s: "
                        "restore the product or replace the line.",
                        subscription=sub.name,
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
                        subscription=sub.name,
                        tax=foreign[0].display_name,
                        company=company.name,
                        line=line.name,
                    )
                )
            account = (
                product.product_tmpl_id.with_company(company).get_product_accounts(
                    fiscal_pos=sub.fiscal_position_id
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
            checked.add(key)

    # -- Moves -----------------------------------------------------------------------

    @api.model
    def _invoice_periods(self, sub, periods, period_record=None, invoice_date=None):
        """Invoice ``periods`` of ``sub``; ``period_record`` is the ledger row of a
        period billed again."""
        journal = self._journal(sub)
        vals_list = [
            self._period_vals(
                sub, period, invoice_date or sub._billing_date(period), journal
            )
            for period in periods
        ]
        if period_record:
            moves = self.env["account.move"].create(
                [self._link_period(vals_list[0], period_record)]
            )
        else:
            moves = self._create_period_invoices([(sub, periods, vals_list)])
        self._apply_invoice_policy(moves)
        return moves

    @api.model
    def _change_pieces(self, sub, old_lines, new_lines, period, day, until=None):
        """What a change of ``sub`` effective on ``day`` bills in the billed
        ``period``: the pieces of engine/schedule.py ``change_pieces`` and, by piece
        key, the line (``_proration_lines``) each comes from.

        Lines the change leaves as they were stay out, where their credit and charge
        would only cancel out. The invoice of a change and its preview both ask this
        method, so what is shown before a change is what it bills.
        """
        old_lines, new_lines = list(old_lines), list(new_lines)
        for line in list(old_lines):
            if line in new_lines:
                old_lines.remove(line)
                new_lines.remove(line)
        sources = {("old", i): line for i, line in enumerate(old_lines)}
        sources.update({("new", i): line for i, line in enumerate(new_lines)})
        pieces = change_pieces(
            [
                (key, line["subtotal"])
                for key, line in sources.items()
                if key[0] == "old"
            ],
            [
                (key, line["subtotal"])
                for key, line in sources.items()
                if key[0] == "new"
            ],
            period,
            day,
            precision=Decimal(str(sub.currency_id.rounding)),
            until=until,
        )
        return pieces, sources

    @api.model
    def _change_preview(self, sub, view):
        """What changing ``sub`` today into ``view`` (an in-memory copy on its new
        plan and lines) invoices at once, without tax: a list of {"name", "amount"}
        (credits negative) and their net.

        On the same periods, the change is prorated over the periods already billed
        in advance (nothing when none holds today or a later day: the change is then
        billed with the next period). To a plan billing on other periods, as
        ``_change_periods_now`` bills it: the days of those periods from today
        credited at the old price, then the new plan's periods due today, from the
        anchor it would take, as their invoices bill them (``_billing_view``).
        """
        day = sub._today()
        billed = sub._billed_ahead(day)
        old = sub._lines_by_period(billed)
        restarted = sub._restarts_periods(view.plan_id) and sub._restarted_view(
            view, day
        )
        new = [] if restarted else [(p, view._proration_lines()) for p in billed]
        lang = self._lang(sub)
        lines, net = [], Decimal(0)
        for period, start, old_lines, period_new_lines in sub._changes_ahead(
            day, old, new
        ):
            pieces, sources = self._change_pieces(
                sub, old_lines, period_new_lines, period, start
            )
            net += sum(piece.amount for piece in pieces)
            lines += [
                {
                    "name": self._line_name(
                        sources[piece.key]["name"],
                        piece.start,
                        piece.end,
                        lang,
                        unused=piece.kind == "credit",
                    ),
                    "amount": float(piece.amount),
                }
                for piece in pieces
            ]
        for period in restarted._due_periods(day) if restarted else []:
            for name, amount in restarted._period_amounts(period, lang):
                net += Decimal(str(amount))
                lines.append({"name": name, "amount": amount})
        return lines, float(net)

    @api.model
    def _invoice_change(self, sub, old_lines, new_lines, period, day, until=None):
        """The invoice, or credit note if the net is negative, of a change of ``sub``
        effective on ``day`` in the billed ``period``: old lines credited and new ones
        charged for the days left (up to ``until``). None if all is zero."""
        pieces, sources = self._change_pieces(
            sub, old_lines, new_lines, period, day, until
        )
        if not pieces:
            return self.env["account.move"]
        refund = sum(piece.amount for piece in pieces) < 0
        period_record = sub._ledger().filtered(
            lambda record: record.date_start == period.start
        )[:1]
        lang = self._lang(sub)
        lines = []
        for piece in pieces:
            source = sources[piece.key]
            amount = -piece.amount if refund else piece.amount
            lines.append(
                Command.create(
                    {
                        "product_id": source["product_id"],
                        "name": self._line_name(
                            source["name"],
                            piece.start,
                            piece.end,
                            lang,
                            unused=piece.kind == "credit",
                        ),
                        "quantity": 1.0,
                        "price_unit": sub._price_billing(
                            amount,
                            self.env["product.product"].browse(source["product_id"]),
                            self.env["account.tax"].browse(source["tax_ids"]),
                        ),
                        "tax_ids": [Command.set(source["tax_ids"])],
                        "subscription_id": sub.id,
                        "recurring_period_id": period_record.id,
                    }
                )
            )
        move = self.env["account.move"].create(
            dict(
                self._header_vals(
                    sub,
                    self._journal(sub),
                    sub._today(),
                    "adjustment",
                    "out_refund" if refund else "out_invoice",
                ),
                recurring_period_id=period_record.id,
                invoice_line_ids=lines,
            )
        )
        self._apply_invoice_policy(move)
        return move

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
