from collections import defaultdict

from odoo import Command, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date

from ..engine.sepa_calendar import submission_deadline
from ..engine.sepa_text import mentions
from .tools import check_state


class SepaDebitBatch(models.Model):
    """Sending the batch to the bank, and matching the bank's credit with it."""

    _inherit = "sepa.debit.batch"

    reconcile_mode = fields.Selection(related="company_id.sepa_reconcile_mode")
    statement_line_id = fields.Many2one(
        "account.bank.statement.line",
        "Bank Statement Line",
        readonly=True,
        copy=False,
        check_company=True,
        help="The credit of the bank matched with the collected debits.",
    )

    def action_confirm_sent(self):
        """The file reached the bank: record a payment per debit and move the
        mandates to recurring collections. The payments are reconciled with their
        invoices now, or when the bank statement is matched if the company says so."""
        check_state(self, ("generated",), self.env._("confirmed as sent"))
        for batch in self:
            lines = batch.line_ids.filtered(lambda li: li.state == "draft")
            lines._check_collectable()
            batch._check_submission_deadline(lines)
            method_line = batch.journal_id._sepa_payment_method_line()
            payments = self.env["account.payment"].create(
                [line._prepare_payment_vals(method_line) for line in lines]
            )
            payments.action_post()
            for line, payment in zip(lines, payments, strict=True):
                mandate = line.mandate_id
                line.write(
                    {
                        "payment_id": payment.id,
                        "amendment_previous_umr": mandate.previous_umr,
                        "amendment_previous_iban": mandate.previous_iban,
                        "amendment_previous_creditor_identifier": (
                            mandate.previous_creditor_identifier
                        ),
                        "amendment_smnda": mandate.amendment_smnda,
                    }
                )
            last_dates = defaultdict(list)
            for line in lines:
                last_dates[line.mandate_id].append(line.date_collection)
            for mandate, days in last_dates.items():
                mandate._register_collection(max(days))
            lines.state = "sent"
            batch.write(
                {"state": "sent", "date_sent": fields.Date.context_today(batch)}
            )
        return True

    def _check_submission_deadline(self, lines):
        """Raise if the bank gets the file of ``lines`` too late: after D-1, the
        business day before a collection date."""
        today = fields.Date.context_today(self)
        late = lines.filtered(
            lambda li: submission_deadline(li.date_collection) < today
        )
        if late:
            line = late[0]
            raise UserError(
                self.env._(
                    "The bank needed the file of %(batch)s by %(deadline)s, the "
                    "business day before the collection date %(date)s of %(debit)s: "
                    "it would refuse the file now. Reset the batch to draft and "
                    "generate the file again; the collection dates move to the "
                    "earliest possible day and the customers are told the new date.",
                    batch=self.name,
                    deadline=format_date(
                        self.env, submission_deadline(line.date_collection)
                    ),
                    date=format_date(self.env, line.date_collection),
                    debit=line.end_to_end_id,
                )
            )

    def action_view_payments(self):
        self.ensure_one()
        return self.line_ids.payment_id._get_records_action(
            name=self.env._("Payments"), context={"create": False}
        )

    # -- Matching the bank statement -------------------------------------------------

    def _collected_lines(self):
        """The debits of the batch the bank still holds: sent and not returned."""
        return self.line_ids.filtered(lambda li: li.state in ("sent", "collected"))

    def _amount_collected(self):
        self.ensure_one()
        return self.currency_id.round(sum(self._collected_lines().mapped("amount")))

    def _statement_line_domain(self):
        """Unreconciled statement lines of the collection journal that may be the
        bank's credit for the batch."""
        self.ensure_one()
        return [
            ("journal_id", "=", self.journal_id.id),
            ("is_reconciled", "=", False),
            ("amount", "=", self._amount_collected()),
        ]

    def action_match_statement_line(self):
        self.ensure_one()
        check_state(self, ("sent",), self.env._("matched with a bank statement line"))
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "recurring_billing.sepa_statement_match_wizard_action"
        )
        action["context"] = {"default_batch_id": self.id}
        return action

    def _match_statement_line(self, st_line):
        """Reconcile the bank's credit ``st_line`` (batch booking: one credit for the
        batch) with the payments of the collected debits, and the payments with their
        invoices where not done yet."""
        self.ensure_one()
        check_state(self, ("sent",), self.env._("matched with a bank statement line"))
        self._check_batch_booking(True)
        self._check_statement_line(st_line)
        self._check_batch_amount(st_line)
        self._reconcile_statement_line(st_line, self._collected_lines())
        self.write({"state": "reconciled", "statement_line_id": st_line.id})
        self.message_post(
            body=self.env._(
                "Matched with the bank statement line %(line)s of %(date)s.",
                line=st_line.display_name,
                date=st_line.date,
            )
        )

    def _match_debit_statement_lines(self, pairs):
        """Without batch booking the bank credits each debit on a line of its own:
        reconcile each ``(debit, statement line)`` of ``pairs``. The batch is
        reconciled once every collected debit is."""
        self.ensure_one()
        check_state(self, ("sent",), self.env._("matched with a bank statement line"))
        self._check_batch_booking(False)
        if not pairs:
            raise UserError(
                self.env._(
                    "Choose the bank statement line of at least one debit of %(batch)s.",
                    batch=self.name,
                )
            )
        waiting = self._debits_to_match()
        chosen = {}
        for debit, st_line in pairs:
            if debit not in waiting:
                raise UserError(
                    self.env._(
                        "The debit %(debit)s is not waiting for its bank credit in "
                        "%(batch)s: it is matched already, returned or not sent.",
                        debit=debit.display_name,
                        batch=self.name,
                    )
                )
            if st_line in chosen:
                raise UserError(
                    self.env._(
                        "The statement line %(line)s is chosen for two debits, "
                        "%(first)s and %(second)s: each debit has a line of its own.",
                        line=st_line.display_name,
                        first=chosen[st_line].display_name,
                        second=debit.display_name,
                    )
                )
            chosen[st_line] = debit
            self._check_statement_line(st_line)
            self._check_amount(
                st_line,
                debit.amount,
                self.env._("the debit %(debit)s", debit=debit.display_name),
            )
        for st_line, debit in chosen.items():
            self._reconcile_statement_line(st_line, debit)
            debit.statement_line_id = st_line
        left = waiting.filtered(lambda li: not li.statement_line_id)
        if not left:
            self.state = "reconciled"
        self.message_post(
            body=self.env._(
                "%(count)s debit(s) matched with their bank statement lines; "
                "%(left)s still wait for theirs.",
                count=len(chosen),
                left=len(left),
            )
        )

    def _debits_to_match(self):
        """Collected debits whose credit on the bank statement is not matched yet."""
        return self._collected_lines().filtered(lambda li: not li.statement_line_id)

    def _proposed_statement_lines(self):
        """Each debit waiting for its credit, in order, with the one unreconciled
        statement line of the collection journal of its amount whose label or reference
        names it (its end-to-end id or its invoice number): none when there is not
        exactly one."""
        self.ensure_one()
        debits = self._debits_to_match()
        candidates = self.env["account.bank.statement.line"].search(
            [
                ("journal_id", "=", self.journal_id.id),
                ("is_reconciled", "=", False),
                ("amount", "in", list(set(debits.mapped("amount")))),
            ]
        )
        by_amount = candidates.grouped(lambda st: self.currency_id.round(st.amount))
        proposals = dict.fromkeys(debits, candidates.browse())
        taken = set()
        for debit in debits:
            same_amount = by_amount.get(self.currency_id.round(debit.amount))
            if not same_amount:
                continue
            found = same_amount.filtered(
                lambda st, debit=debit: any(
                    mentions(text, key)
                    for text in (st.payment_ref, st.ref)
                    for key in (debit.end_to_end_id, debit.invoice_id.name)
                )
            )
            if len(found) == 1 and found.id not in taken:
                proposals[debit] = found
                taken.add(found.id)
        return proposals

    def _reconcile_statement_line(self, st_line, debits):
        """Reconcile ``st_line`` with the payments of ``debits``, and those payments
        with their invoices where not done yet."""
        debits._mark_collected()
        debits.filtered(lambda li: not li.payment_id.is_reconciled)._reconcile_payment()
        accounts = debits.payment_id.outstanding_account_id
        outstanding = debits.payment_id.move_id.line_ids.filtered(
            lambda aml: aml.account_id in accounts and not aml.reconciled
        )
        # The suspense line of the statement gives way to the outstanding account of
        # the payments, as the bank reconciliation of Odoo does. The move is written
        # directly: an accountant may edit journal items, not statement lines.
        st_line.move_id.with_context(
            force_delete=True,
            skip_readonly_check=True,
            skip_account_move_synchronization=True,
        ).write(
            {
                "line_ids": [Command.clear()]
                + [
                    Command.create(vals)
                    for vals in st_line._prepare_move_line_default_vals(
                        counterpart_account_id=outstanding.account_id.id
                    )
                ],
            }
        )
        counterpart = st_line.move_id.line_ids.filtered(
            lambda aml: aml.account_id == outstanding.account_id
        )
        (counterpart + outstanding).reconcile()

    def _check_batch_booking(self, booked):
        if self.batch_booking == booked:
            return
        if booked:
            raise UserError(
                self.env._(
                    "%(batch)s was sent without batch booking: the bank credits each "
                    "debit on a line of its own. Match each debit with its line.",
                    batch=self.name,
                )
            )
        raise UserError(
            self.env._(
                "%(batch)s was sent with batch booking: the bank credits all its "
                "debits on one line. Match the batch with that line.",
                batch=self.name,
            )
        )

    def _check_statement_line(self, st_line):
        """Raise unless ``st_line`` can be the bank's credit for the batch."""
        if st_line.journal_id != self.journal_id:
            raise UserError(
                self.env._(
                    "The statement line %(line)s is in the journal %(journal)s, not in "
                    "%(collection)s, the collection journal of %(batch)s: choose a "
                    "line of %(collection)s.",
                    line=st_line.display_name,
                    journal=st_line.journal_id.display_name,
                    collection=self.journal_id.display_name,
                    batch=self.name,
                )
            )
        if st_line.is_reconciled or st_line._seek_for_lines()[2]:
            raise UserError(
                self.env._(
                    "The statement line %(line)s is already reconciled: choose the "
                    "line of the credit for %(batch)s.",
                    line=st_line.display_name,
                    batch=self.name,
                )
            )

    def _check_batch_amount(self, st_line):
        """Raise unless ``st_line`` credits what the batch collected."""
        amount = self._amount_collected()
        if not amount:
            raise UserError(
                self.env._(
                    "All the debits of %(batch)s were returned: the bank has nothing "
                    "to credit for it.",
                    batch=self.name,
                )
            )
        self._check_amount(
            st_line,
            amount,
            self.env._(
                "the total of the debits collected by %(batch)s (returned debits not "
                "counted)",
                batch=self.name,
            ),
        )

    def _check_amount(self, st_line, amount, what):
        currency = self.currency_id
        if currency.compare_amounts(st_line.amount, amount):
            raise UserError(
                self.env._(
                    "The statement line %(line)s is of %(line_amount)s, while "
                    "%(what)s is of %(amount)s: choose the line of this credit.",
                    line=st_line.display_name,
                    line_amount=format_amount(self.env, st_line.amount, currency),
                    what=what,
                    amount=format_amount(self.env, amount, currency),
                )
            )
