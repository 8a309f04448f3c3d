"""A subscription on one line, billed day by day through the schedule the way the
models bill it, shared by the property tests of the schedule.

Each step makes the calls to ``engine/schedule.py`` of the model method named in its
docstring, in the same order and on the same days, so that a property checked here is
one of what the models bill, not of a second formula. Every piece billed and every day
served is filed under (currency, generation, period index); a generation is one set of
periods, and a new one starts when periods restart (a change to another interval, a
resume that restarts them).
"""

from datetime import timedelta
from decimal import Decimal

from recurring_billing.engine.schedule import (
    Schedule,
    change_pieces,
    span_pieces,
    start_anchor,
    unused_pieces,
)

ONE_DAY = timedelta(days=1)
JOBS = ("morning", "evening", "steps")


class Timeline:
    """One subscription from its start on ``day``: a price in a currency, a plan's
    interval, billing mode, anchor policy and resume policy, and the hour its
    invoicing job runs: before the day's steps ("morning"), after them ("evening"),
    or never, so that only the steps bill what is due first ("steps")."""

    def __init__(
        self,
        day,
        unit,
        count,
        price,
        currency="EUR",
        in_advance=True,
        aligned=False,
        keep_anchor=False,
        job="evening",
    ):
        assert job in JOBS, job
        self.price, self.currency = Decimal(price), currency
        self.in_advance = in_advance
        self.aligned = aligned
        self.keep_anchor = keep_anchor
        self.job = job
        self.state = "active"
        self.resume_on = None
        self.generation = -1
        self.billed, self.owed, self.pieces = {}, {}, {}
        self._restart(day, unit, count)

    # -- Bookkeeping ---------------------------------------------------------------------

    def _lines(self):
        return [("line", self.price)]

    def _file(self, pieces):
        for piece in pieces:
            key = (self.currency, self.generation, self.schedule.index_at(piece.start))
            self.billed[key] = self.billed.get(key, 0) + piece.amount
            self.pieces[key] = self.pieces.get(key, 0) + 1

    def _restart(self, day, unit, count):
        """``_restart_vals``: periods of ``unit`` start on ``day``, or at the calendar
        anchor before it, the first one then billed from ``day``."""
        anchor = start_anchor(day, unit, self.aligned)
        self.schedule = Schedule(
            anchor,
            unit,
            count,
            self.in_advance,
            service_start=day if anchor < day else None,
        )
        self.generation += 1

    def _billed_current_period(self, day):
        return self.state == "active" and self.schedule.billed_period_at(day)

    # -- What the invoicing file does ----------------------------------------------------

    def invoice_due(self, day):
        """``_invoice_due``, also the invoicing job: the due spans, oldest first."""
        if self.state != "active":
            return
        for span in self.schedule.due(day):
            whole = self.schedule.period(span.index)
            self._file(span_pieces(self._lines(), span, whole))
            self.schedule = self.schedule.moved(next_index=span.index + 1)

    def bill_used_days(self, last_day):
        """``_bill_used_days``: in arrears, the days served up to ``last_day``."""
        if self.state != "active" or self.in_advance:
            return
        spans = self.schedule.used(last_day)
        for span in spans:
            whole = self.schedule.period(span.index)
            self._file(span_pieces(self._lines(), span, whole))
        if spans:
            last = spans[-1]
            whole = last.end == self.schedule.period(last.index).end
            self.schedule = self.schedule.moved(
                next_index=last.index + 1 if whole else last.index
            )

    def bill_arrears_until(self, day):
        """``_bill_arrears_until``: in arrears, the days before a change on ``day``,
        a whole period that ended the day before included: it was served on the old
        terms, and the job that would bill it on ``day`` may run after the change."""
        if self.state != "active" or self.in_advance or day <= self.schedule.anchor:
            return
        self.bill_used_days(day - ONE_DAY)
        self.schedule = self.schedule.moved(service_start=day)

    # -- Steps ---------------------------------------------------------------------------

    def change_price(self, day, price):
        """``_change_now``: a new price from ``day`` (an upgrade applied now)."""
        price = Decimal(price)
        if self.state != "active" or price == self.price:
            return
        self.invoice_due(day - ONE_DAY)
        self.bill_arrears_until(day)
        paid = self._billed_current_period(day)
        old, self.price = self._lines(), price
        if paid:
            self._file(change_pieces(old, self._lines(), paid, day))

    def change_interval(self, day, unit, count, price):
        """``_change_periods_now``: a plan of another interval from ``day``."""
        if self.state != "active":
            return
        self.invoice_due(day - ONE_DAY)
        self.bill_used_days(day - ONE_DAY)
        paid = self._billed_current_period(day)
        if paid:
            self._file(unused_pieces(self._lines(), paid, day - ONE_DAY))
        self._restart(day, unit, count)
        self.price = Decimal(price)
        self.invoice_due(day)

    def change_currency(self, day, currency, price):
        """``_change_currency_now``: another currency from ``day``, its own price.

        The periods do not move; the part of the period paid ahead is credited in the
        old currency and charged again in the new one. A paused subscription has no
        paid days left to move: its pause credited them.
        """
        if self.state not in ("active", "paused") or currency == self.currency:
            return
        self.invoice_due(day - ONE_DAY)
        self.bill_arrears_until(day)
        paid = self._billed_current_period(day)
        if paid:
            self._file(change_pieces(self._lines(), [], paid, day))
        self.currency, self.price = currency, Decimal(price)
        if paid:
            self._file(change_pieces([], self._lines(), paid, day))

    def pause(self, day, resume_on=None):
        """``action_pause``: service stops on ``day`` until ``resume_on`` (or a resume
        by hand). Nothing is billed for paused days (doc/BILLING.md): the days of the
        period paid in advance from ``day`` are credited at once, at the price and in
        the currency they were billed in, as ``_credit_unused_days`` credits them."""
        if self.state != "active":
            return
        self.invoice_due(day - ONE_DAY)
        self.bill_used_days(day - ONE_DAY)
        paid = self._billed_current_period(day)
        if paid:
            self._file(unused_pieces(self._lines(), paid, day - ONE_DAY))
        self.state, self.resume_on = "paused", resume_on

    def resume(self, day):
        """``action_resume``: new periods from ``day``, or the anchor kept
        (``Schedule.resumed``); a period the pause credited is charged again from
        ``day`` at today's price and currency."""
        if self.state != "paused":
            return
        self.state, self.resume_on = "active", None
        if not self.keep_anchor:
            self._restart(day, self.schedule.unit, self.schedule.count)
            return
        paid = self.schedule.billed_period_at(day)
        self.schedule = self.schedule.resumed(day)
        if paid:
            self._file(change_pieces([], self._lines(), paid, day))

    def cancel(self, day):
        """``action_cancel(credit_unused=True)``: ``day`` is the last day of service;
        the days paid ahead after it are credited."""
        if self.state not in ("active", "paused"):
            return
        self.invoice_due(day)
        paid = self._billed_current_period(day)
        self.bill_used_days(day)
        if paid:
            self._file(unused_pieces(self._lines(), paid, day))
        if self.state == "active":
            self.serve(day)
        self.state = "cancelled"

    # -- Days ----------------------------------------------------------------------------

    def serve(self, day):
        """A day of service, owed at the price of the day in the currency of the day."""
        if self.state != "active":
            return
        whole = self.schedule.period_at(day)
        key = (self.currency, self.generation, whole.index)
        self.owed[key] = self.owed.get(key, 0) + self.price / whole.days

    def live(self, day, step=None):
        """One day: the scheduled resume, the job and the step in their order, then
        the day served. ``step`` is called with this timeline and the day."""
        if self.state == "paused" and self.resume_on == day:
            self.resume(day)
        if self.job == "morning":
            self.invoice_due(day)
        if step:
            step(self, day)
        if self.state == "cancelled":
            return
        if self.job == "evening":
            self.invoice_due(day)
        self.serve(day)

    def close(self, last_day):
        """The job runs once more: what the last day served makes due is billed."""
        self.invoice_due(last_day if self.in_advance else last_day + ONE_DAY)

    # -- The property ----------------------------------------------------------------------

    def check(self, last_day):
        """Every (currency, generation, period) bills what its days served owe at the
        price of each day, to the half cent each rounded piece may add; nothing is
        billed, net, where no day was served.

        A period still running after ``last_day`` is checked too: in advance it is
        billed for its days to come as well, at today's price, unless paused; in
        arrears only its days before a change are billed yet.
        """
        horizon = self.schedule.period_at(last_day)
        for key, owed in self.owed.items():
            currency, generation, index = key
            billed = self.billed.get(key, Decimal(0))
            tolerance = Decimal("0.005") * self.pieces.get(key, 1)
            running = (
                self.state != "cancelled"
                and generation == self.generation
                and self.schedule.period(index).end > last_day
            )
            if running and not self.in_advance:
                assert billed <= owed + tolerance, (key, billed, owed)
                continue
            if running and self.state == "active" and currency == self.currency:
                assert index == horizon.index, (key, horizon)
                owed += self.price * (horizon.end - last_day).days / horizon.days
            assert abs(billed - owed) <= tolerance, (key, billed, owed)
        for key, billed in self.billed.items():
            # A period billed in the morning and credited in full by a pause that day
            # has pieces but bills nothing.
            tolerance = Decimal("0.005") * self.pieces[key]
            assert key in self.owed or abs(billed) <= tolerance, (
                f"{key} billed {billed} without a day of service"
            )


def replay(timeline, steps, start, days, stop=None):
    """Live ``days`` days from ``start`` with ``steps`` ({day: step}); cancel on
    ``stop``. Returns the last day lived."""
    day = start
    for _ in range(days):
        step = steps.get(day)
        if day == stop:
            step = _then_cancel(step)
        timeline.live(day, step)
        if timeline.state == "cancelled":
            return day
        day += ONE_DAY
    last_day = day - ONE_DAY
    timeline.close(last_day)
    return last_day


def _then_cancel(step):
    def both(timeline, day):
        if step:
            step(timeline, day)
        timeline.cancel(day)

    return both
