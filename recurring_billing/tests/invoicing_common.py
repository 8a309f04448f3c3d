from datetime import date

from freezegun import freeze_time

from odoo import Command

from .common import RecurringCommon

INVOICING_LOGGER = "odoo.addons.recurring_billing.models.recurring_invoicing_job"


class InvoicingCommon(RecurringCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"street": "1 Main Street", "city": "Springfield"})
        cls.Subscription = cls.env["recurring.subscription"]

    def _active(self, plan, start, partner=None, **values):
        sub = self._subscription(plan, start, partner, **values)
        with freeze_time(start):
            sub.action_start()
        return sub

    def _run_cron(self, day):
        with freeze_time(day):
            self.Subscription._cron_generate_invoices()

    def _invoices(self, subs):
        return self.env["account.move"].search(
            [("subscription_id", "in", subs.ids)], order="invoice_date, id"
        )

    def _signed_lines(self, subs):
        """(invoice date, amount) of each invoice line: credit notes count negative."""
        return [
            (
                str(move.invoice_date),
                line.price_subtotal * (-1 if move.move_type == "out_refund" else 1),
            )
            for move in self._invoices(subs)
            for line in move.invoice_line_ids
        ]

    def _signed_moves(self, subs):
        """(invoice date, amount without tax) of each move: credit notes negative."""
        return [
            (
                str(move.invoice_date),
                move.amount_untaxed * (-1 if move.move_type == "out_refund" else 1),
            )
            for move in self._invoices(subs)
        ]

    def _invoice_lines(self, subs):
        """(invoice date, line description, subtotal) of each invoice line, in order."""
        return [
            (str(move.invoice_date), line.name, line.price_subtotal)
            for move in self._invoices(subs)
            for line in move.invoice_line_ids
        ]

    def _pro_with_seats(self, seats=4):
        """Pro 50 with ``seats`` extra seats at 5 from 2026-01-10, billed to 03-09."""
        sub = self._active(
            self.plan_pro,
            date(2026, 1, 10),
            line_ids=[
                Command.create({"product_id": self.product_pro.id}),
                Command.create(
                    {
                        "product_id": self.product_seat.id,
                        "addon_id": self.seat_addon.id,
                        "quantity": seats,
                    }
                ),
            ],
        )
        self._run_cron("2026-02-10")
        self.assertEqual(sub.amount_untaxed, 50 + 5 * seats)
        return sub
