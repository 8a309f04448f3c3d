"""Days of service inside a billing period: started late, or stopped early."""

from odoo import models


class RecurringSubscription(models.Model):
    _inherit = "recurring.subscription"

    def _clip_to_service(self, span):
        """``span`` starting on the day service started or resumed, if inside it."""
        day = self.date_service_start
        if day and span.start < day <= span.end:
            return span._replace(start=day)
        return span

    def _service_share(self, span):
        """(days of service, days) of a period served only in part; None when whole."""
        full = self._period(span.index)
        if not full or (span.start, span.end) == (full.start, full.end):
            return None
        return span.days, full.days

    def _bill_used_days(self, last_day):
        """Invoice now the days served up to ``last_day`` that are not billed yet.

        Plans billing in arrears invoice a period once it is over; when service stops
        inside one (pause, cancellation), the periods already over and the days used
        of the current one, prorated, are invoiced at once, or they would never be.
        """
        today = self._today()
        for sub in self:
            plan = sub.plan_id
            if sub.state != "active" or plan.is_free or plan.billing_mode != "arrears":
                continue
            due = sub._due_periods(today)
            if due:
                sub._invoice_periods(due)
            index = due[-1].index + 1 if due else sub.next_period_index
            last = sub._last_period_index()
            current = sub._period(index) if last is None or index <= last else None
            current = current and sub._clip_to_service(current)
            if current and current.start <= last_day:
                used = current._replace(end=min(current.end, last_day))
                sub._invoice_periods([used], invoice_date=today)
            sub.next_period_index = index
