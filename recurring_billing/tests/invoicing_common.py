from freezegun import freeze_time

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

    def _invoice_lines(self, subs):
        """(invoice date, line description, subtotal) of each invoice line, in order."""
        return [
            (str(move.invoice_date), line.name, line.price_subtotal)
            for move in self._invoices(subs)
            for line in move.invoice_line_ids
        ]
