from odoo import Command, api, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date

from ..engine.sepa_text import mentions
from .sepa_debit_batch_line import sepa_step
from .tools import check_state, selection_label


class SepaDebitBatch(models.Model):
    """Matching the bank statement lines of a sent batch: the bank's credits for its
    debits, and its debits of the returns."""

    _inherit = "sepa.debit.batch"

    def _compute_has_return_to_match(self):
        for batch in self:
            batch.has_return_to_match = bool(batch._returns_to_match())

    # -- What the bank books ---------------------------------------------------------

    def _credited_lines(self):
        """The debits the bank credits: sent or collected, and those returned after
        the settlement, which the bank credited and then debited back on a line of
        their own. A debit rejected before the settlement is never credited."""
        return self.line_ids.filtered(
            lambda li: (
                li.state in ("sent", "collected")
                or (li.state == "returned" and li.return_type != "reject")
            )
        )

    def _debits_to_match(self):
        """Credited debits whose credit on the bank statement is not matched yet."""
        return self._credited_lines().filtered(lambda li: not li.statement_line_id)

    def _returns_to_match(self):
        """Debits returned after the settlement whose return is not matched yet."""
        return self.line_ids.filtered(
            lambda li: (
                li.state == "returned"
                and li.return_type != "reject"
                and not li.return_statement_line_id
            )
        )

    def _amount_to_match(self):
        self.ensure_one()
        return self.currency_id.round(sum(self._debits_to_match().mapped("amount")))

    @api.model
    def _block_key(self, debit):
        """The payment information block of the file holding ``debit``, as the
        file groups them: with batch booking the bank credits each block at once."""
        return (debit.date_collection, debit.sequence_type, debit.mandate_id.scheme)

    def _credit_groups(self):
        """The debits waiting for their credit, grouped as the bank credits them: by
        payment information block with batch booking, one by one without."""
        debits = self._debits_to_match()
        if not self.batch_booking:
            return list(debits)
        blocks = debits.grouped(self._block_key)
        return [blocks[key] for key in sorted(blocks)]

    def _group_label(self, kind, debits):
        """How the bank statement names what ``debits`` are booked for."""
        if kind == "return":
            return self.env._("Return of %(debit)s", debit=debits.end_to_end_id)
        if not self.batch_booking:
            return debits.end_to_end_id
        day, sequence_type, _scheme = self._block_key(debits[0])
        return self.env._(
            "%(scheme)s %(sequence)s of %(date)s: %(count)s debit(s)",
            scheme=selection_label(debits.mandate_id[:1], "scheme"),
            sequence=selection_label(debits[0], "sequence_type"),
            date=format_date(self.env, day),
            count=len(debits),
        )

    def _statement_proposals(self):
        """What waits for the bank statement, in order, as ``(kind, debits, amount,
        statement line)``: each credit (``kind`` "credit", of a payment block with
        batch booking, of a debit without) and each return ("return", debited with
        its bank fee). The statement line is the one unreconciled line of the
        collection journal of the amount, naming the debit when one debit is booked;
        none when there is not exactly one."""
        self.ensure_one()
        round_ = self.currency_id.round
        wanted = [
            ("credit", debits, round_(sum(debits.mapped("amount"))))
            for debits in self._credit_groups()
        ] + [
            ("return", debit, -round_(debit.amount + debit.return_fee))
            for debit in self._returns_to_match()
        ]
        candidates = self.env["account.bank.statement.line"].search(
            [
                ("journal_id", "=", self.journal_id.id),
                ("is_reconciled", "=", False),
                ("amount", "in", list({amount for _kind, _debits, amount in wanted})),
            ]
        )
        by_amount = candidates.grouped(lambda st: round_(st.amount))
        taken = set()
        proposals = []
        for kind, debits, amount in wanted:
            found = by_amount.get(amount, candidates.browse())
            if kind == "return" or not self.batch_booking:
                found = found.filtered(
                    lambda st, debit=debits: any(
                        mentions(text, key)
                        for text in (st.payment_ref, st.ref)
                        for key in (debit.end_to_end_id, debit.invoice_id.name)
                    )
                )
            if len(found) != 1 or found.id in taken:
                found = candidates.browse()
            taken.add(found.id)
            proposals.append((kind, debits, amount, found))
        return proposals

    # -- Matching --------------------------------------------------------------------

    def action_match_statement_line(self):
        self.ensure_one()
        self._check_matchable()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "recurring_billing.sepa_statement_match_wizard_action"
        )
        action["context"] = {"default_batch_id": self.id}
        return action

    def _check_matchable(self):
        # A reconciled batch still waits for the bank's debits of its returns.
        if self.state == "reconciled" and self._returns_to_match():
            return
        check_state(self, ("sent",), self.env._("matched with a bank statement line"))

    def _match_statement_lines(self, credits=(), returns=()):
        """Reconcile the bank statement lines with what they book.

        Each ``(debits, statement line)`` of ``credits`` is the bank's credit for a
        payment block or the whole file (batch booking) or for one debit (without);
        each ``(debit, statement line)`` of ``returns`` is the bank's debit of a
        return and its fee. The payments are reconciled with their invoices where not
        done yet; the batch is reconciled once each credited debit is.
        """
        self.ensure_one()
        self._check_matchable()
        if not credits and not returns:
            raise UserError(
                self.env._(
                    "Choose the bank statement line of at least one credit or return "
                    "of %(batch)s.",
                    batch=self.name,
                )
            )
        chosen = {}
        for debits, st_line in credits:
            self._check_credit_group(debits)
            self._check_statement_line(st_line, debits, chosen)
            self._check_amount(st_line, sum(debits.mapped("amount")), debits)
        waiting = self._returns_to_match()
        for debit, st_line in returns:
            if debit not in waiting:
                raise UserError(
                    self.env._(
                        "No return of the debit %(debit)s waits for its bank "
                        "statement line in %(batch)s: it is not returned after its "
                        "settlement, or its return is matched already.",
                        debit=debit.display_name,
                        batch=self.name,
                    )
                )
            self._check_statement_line(st_line, debit, chosen)
            self._check_amount(st_line, -(debit.amount + debit.return_fee), debit)
        for debits, st_line in credits:
            debits._mark_collected()
            debits.filtered(
                lambda li: li.state != "returned" and not li.payment_id.is_reconciled
            )._reconcile_payment()
            payments = debits.payment_id
            self._reconcile_statement_line(
                st_line,
                payments.move_id.line_ids.filtered(
                    lambda aml, payments=payments: (
                        aml.account_id in payments.outstanding_account_id
                        and not aml.reconciled
                    )
                ),
            )
            debits.statement_line_id = st_line
        for debit, st_line in returns:
            account = debit.payment_id.outstanding_account_id
            self._reconcile_statement_line(
                st_line,
                (debit.return_move_id + debit.fee_move_id).line_ids.filtered(
                    lambda aml, account=account: (
                        aml.account_id == account and not aml.reconciled
                    )
                ),
            )
            debit.return_statement_line_id = st_line
        self._after_match(credits, returns)

    def _after_match(self, credits, returns):
        left = self._debits_to_match()
        credited = self._credited_lines()
        vals = {}
        if credits and not left:
            vals["state"] = "reconciled"
        if len(credited.statement_line_id) == 1:
            vals["statement_line_id"] = credited.statement_line_id.id
        with sepa_step():
            self.write(vals)
        self.message_post(
            body=self.env._(
                "%(count)s debit(s) matched with their bank credits and %(returns)s "
                "return(s) with their bank debits; %(left)s debit(s) still wait for "
                "their credit.",
                count=sum(len(debits) for debits, _st_line in credits),
                returns=len(returns),
                left=len(left),
            )
        )

    def _reconcile_statement_line(self, st_line, outstanding):
        """Reconcile ``st_line`` with the ``outstanding`` journal items it books."""
        account = outstanding.account_id[:1]
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
                        counterpart_account_id=account.id
                    )
                ],
            }
        )
        counterpart = st_line.move_id.line_ids.filtered(
            lambda aml: aml.account_id == account
        )
        (counterpart + outstanding).reconcile()

    # -- Checks ----------------------------------------------------------------------

    def _check_credit_group(self, debits):
        """Raise unless the bank credits ``debits`` on one line."""
        waiting = self._debits_to_match()
        if not waiting:
            raise UserError(
                self.env._(
                    "All the debits of %(batch)s were rejected or are matched "
                    "already: the bank has nothing more to credit for it.",
                    batch=self.name,
                )
            )
        stranger = debits - waiting
        if stranger:
            raise UserError(
                self.env._(
                    "The debit %(debit)s is not waiting for its bank credit in "
                    "%(batch)s: it is matched already, rejected or not sent.",
                    debit=stranger[0].display_name,
                    batch=self.name,
                )
            )
        if not self.batch_booking:
            if len(debits) > 1:
                raise UserError(
                    self.env._(
                        "%(batch)s was sent without batch booking: the bank credits "
                        "each debit on a line of its own. Match each debit with its "
                        "line.",
                        batch=self.name,
                    )
                )
            return
        block = waiting.filtered(
            lambda li: self._block_key(li) == self._block_key(debits[0])
        )
        if debits not in (waiting, block):
            raise UserError(
                self.env._(
                    "%(batch)s was sent with batch booking: the bank credits each "
                    "payment block (collection date, sequence type and scheme) on "
                    "one line, or the whole file on one line. Match a whole block, "
                    "or the whole file, with its line.",
                    batch=self.name,
                )
            )

    def _check_statement_line(self, st_line, debits, chosen):
        """Raise unless ``st_line`` can book ``debits``: of the collection journal,
        not reconciled, and not chosen for something else (``chosen``, updated)."""
        if st_line in chosen:
            raise UserError(
                self.env._(
                    "The statement line %(line)s is chosen twice, for %(first)s and "
                    "%(second)s: each credit or return has a line of its own.",
                    line=st_line.display_name,
                    first=", ".join(chosen[st_line].mapped("display_name")),
                    second=", ".join(debits.mapped("display_name")),
                )
            )
        chosen[st_line] = debits
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
                    "line of the bank for %(batch)s.",
                    line=st_line.display_name,
                    batch=self.name,
                )
            )

    def _check_amount(self, st_line, amount, debits):
        currency = self.currency_id
        if not currency.compare_amounts(st_line.amount, amount):
            return
        if amount < 0:
            what = self.env._(
                "the return of %(debit)s with its bank fee", debit=debits.display_name
            )
        elif self.batch_booking and debits == self._debits_to_match():
            what = self.env._(
                "the total of the debits of %(batch)s waiting for their credit "
                "(rejected debits not counted)",
                batch=self.name,
            )
        elif not self.batch_booking:
            what = self.env._("the debit %(debit)s", debit=debits.display_name)
        else:
            what = self.env._(
                "the block %(block)s", block=self._group_label("credit", debits)
            )
        raise UserError(
            self.env._(
                "The statement line %(line)s is of %(line_amount)s, while %(what)s "
                "is of %(amount)s: choose the line of this amount.",
                line=st_line.display_name,
                line_amount=format_amount(self.env, st_line.amount, currency),
                what=what,
                amount=format_amount(self.env, amount, currency),
            )
        )
