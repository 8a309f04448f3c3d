"""What a customer collected automatically already holds is set against an invoice
before it is charged or debited: the credit notes of its subscription and the
customer's payments no invoice uses yet."""

from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _recurring_settle_credits(self):
        """Set what the customers of these invoices hold as credit against them,
        oldest first: the open credit notes of their subscriptions, then the
        inbound payments of the customer not reconciled yet, of the same company,
        receivable account and currency: the outstanding credits Odoo proposes on
        the invoice (a transfer the customer made, the payment of a charge whose
        invoice was reset to draft and posted again), but a payment made for
        another invoice still open (its debit waiting for the bank's statement).
        A customer collected automatically pays what is left, never the whole
        invoice beside an unused credit."""
        invoices = self.filtered(
            lambda move: move.move_type == "out_invoice" and move.state == "posted"
        )
        if not invoices:
            return
        receivable = [
            ("account_id.account_type", "=", "asset_receivable"),
            ("reconciled", "=", False),
            ("parent_state", "=", "posted"),
        ]
        Line = self.env["account.move.line"]
        credit_notes = Line.search(
            [
                ("move_id.subscription_id", "in", invoices.subscription_id.ids),
                ("move_id.move_type", "=", "out_refund"),
                *receivable,
            ]
        )
        # Payments are the accountants' records; what the customer paid and no
        # invoice uses yet decides what is left to collect, whoever collects it.
        payments = (
            Line.sudo()
            .search(
                [
                    ("payment_id.payment_type", "=", "inbound"),
                    (
                        "partner_id.commercial_partner_id",
                        "in",
                        invoices.commercial_partner_id.ids,
                    ),
                    ("company_id", "in", invoices.company_id.ids),
                    ("balance", "<", 0),
                    *receivable,
                ]
            )
            .with_env(self.env)
        )
        # A credit note credits its own subscription. A payment made for invoices
        # (a debit booked before the bank's statement is matched, the charge of an
        # invoice posted again) pays them while one is open; one made for none, or
        # whose invoices are settled or cancelled, is the customer's credit.
        # The payment of a SEPA debit is set against its invoice when the company
        # says (at once, or at the bank's statement), never here.
        debits = (
            self.env["sepa.debit.batch.line"]
            .sudo()
            .search([("payment_id", "in", payments.sudo().payment_id.ids)])
            .payment_id
        )
        meant = {}
        for line in payments.sudo():
            still_open = line.payment_id.invoice_ids.filtered(
                lambda move: (
                    move.state == "posted"
                    and not move.currency_id.is_zero(move.amount_residual)
                )
            )
            if line.payment_id in debits:
                meant[line] = invoices.browse()
            elif still_open:
                meant[line] = still_open & invoices
        invoices._recurring_reconcile_with(
            credit_notes, lambda line: line.move_id.subscription_id
        )
        # A payment made for several open invoices pays any of them.
        for targets, lines in (
            payments.filtered(lambda line: meant.get(line))
            .grouped(lambda line: meant[line])
            .items()
        ):
            targets._recurring_reconcile_with(lines, lambda line: True)
        invoices._recurring_reconcile_with(
            payments.filtered(lambda line: line not in meant),
            lambda line: line.company_id,
        )

    def _recurring_reconcile_with(self, credits, owner):
        """Reconcile the open receivable lines of these invoices with ``credits``
        of the same ``owner`` (of a line), customer, account and currency."""
        if not credits:
            return
        lines = self.line_ids.filtered(
            lambda line: (
                line.account_id.account_type == "asset_receivable"
                and not line.reconciled
            )
        )
        for group in (
            (lines | credits)
            .grouped(
                lambda line: (
                    owner(line),
                    line.partner_id.commercial_partner_id,
                    line.account_id,
                    line.currency_id,
                )
            )
            .values()
        ):
            if group.filtered(lambda line: line.balance < 0) and group.filtered(
                lambda line: line.balance > 0
            ):
                # Setting what the customer holds against their invoice is the
                # system's bookkeeping, whoever collects (a subscription manager
                # preparing debits may only read the books).
                group.sudo().reconcile()
