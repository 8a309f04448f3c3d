"""The billing schedule of a subscription: which periods are due, for which days, at
which price.

This is the one place of the addon that decides it (doc/BILLING.md). A subscription
builds a :class:`Schedule` from its plan, its anchor, its position in the period ledger
and its days of service, and asks it; the models only turn the answers into invoices.
Amounts are exact fractions rounded once per line, half-up (``proration``).

>>> from datetime import date
>>> s = Schedule(date(2026, 2, 10), "month")
>>> s.period(0)
Period(index=0, start=datetime.date(2026, 2, 10), end=datetime.date(2026, 3, 9))
>>> [p.index for p in s.due(date(2026, 3, 10))]
[0, 1]
>>> [(p.key, str(p.amount)) for p in change_pieces(
...     [("basic", 30)], [("pro", 50)], s.period(0), date(2026, 2, 15))]
[('basic', '-24.64'), ('pro', '41.07')]
"""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from .periods import Period, aligned_anchor, billing_date, period, period_index_at
from .proration import CENT, prorate

_ONE_DAY = timedelta(days=1)

Amount = Decimal | int | float | str


class Piece(NamedTuple):
    """One billed piece of a line: a charge (> 0) or a credit (< 0) for some days."""

    key: Hashable
    start: date
    end: date
    amount: Decimal
    kind: str

    @property
    def days(self) -> int:
        """Days the piece bills, both ends included."""
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Schedule:
    """The periods of one subscription, and where its billing stands.

    ``next_index`` is the first period the ledger has not billed. ``service_start`` is
    the day service starts inside a period begun earlier (a start aligned to the
    calendar, a resume keeping the anchor): that period is billed from that day.
    ``date_end`` is the last day of service (fixed term, cancellation); no period after
    the one holding it is billed, and that one only up to it.

    >>> s = Schedule(date(2026, 1, 25), "month", date_end=date(2026, 2, 9))
    >>> s.span(0).end, s.share(s.span(0)), s.span(1)
    (datetime.date(2026, 2, 9), (16, 31), None)
    """

    anchor: date
    unit: str
    count: int = 1
    in_advance: bool = True
    next_index: int = 0
    service_start: date | None = None
    date_end: date | None = None

    # -- Periods -------------------------------------------------------------------

    def period(self, index: int) -> Period:
        """The whole ``index``-th period from the anchor (0-based)."""
        return period(self.anchor, self.unit, self.count, index)

    def index_at(self, day: date) -> int:
        """Index of the period holding ``day``; a day before the anchor is in period 0."""
        return period_index_at(
            self.anchor, self.unit, self.count, max(day, self.anchor)
        )

    def period_at(self, day: date) -> Period:
        """The whole period holding ``day`` (period 0 before the anchor)."""
        return self.period(self.index_at(day))

    def last_index(self) -> int | None:
        """Index of the last period to bill: the one holding the end date, if any."""
        if self.date_end is None:
            return None
        if self.date_end < self.anchor:
            return -1
        return self.index_at(self.date_end)

    def span(self, index: int) -> Period | None:
        """The days of the ``index``-th period that are billed; None past the end."""
        last = self.last_index()
        if last is not None and index > last:
            return None
        whole = self.period(index)
        span = whole
        day = self.service_start
        if day and whole.start < day <= whole.end:
            span = span._replace(start=day)
        if self.date_end and span.start <= self.date_end < whole.end:
            # Service ends inside the period (a planned departure kept by a resume
            # that restarted the periods): billed up to that day, prorated.
            span = span._replace(end=self.date_end)
        return span

    def share(self, span: Period) -> tuple[int, int] | None:
        """(billed days, days of the whole period) of a partial span; None when whole."""
        whole = self.period(span.index)
        if (span.start, span.end) == (whole.start, whole.end):
            return None
        return span.days, whole.days

    def billing_date(self, span: Period) -> date:
        """The day a span is invoiced: its first day in advance, the day after in arrears."""
        return billing_date(span, self.in_advance)

    # -- What is due -----------------------------------------------------------------

    def next(self) -> Period | None:
        """The next span to invoice, or None once the last one is billed."""
        return self.span(self.next_index)

    def due(self, today: date) -> list[Period]:
        """Spans not billed yet whose billing date has come, oldest first.

        Periods missed while the job was not running are caught up, each with its own
        dates.
        """
        spans = []
        index = self.next_index
        while (span := self.span(index)) and self.billing_date(span) <= today:
            spans.append(span)
            index += 1
        return spans

    def used(self, last_day: date) -> list[Period]:
        """Spans not billed yet of the days served up to ``last_day`` (included).

        Whole periods over by then, then the part of the one holding ``last_day``: what
        a stop of service (pause, cancellation) must invoice before it, in advance or in
        arrears, so that every day used is billed once.
        """
        spans = []
        index = self.next_index
        while (span := self.span(index)) and span.start <= last_day:
            if span.end > last_day:
                spans.append(span._replace(end=last_day))
                break
            spans.append(span)
            index += 1
        return spans

    def billed_period_at(self, day: date) -> Period | None:
        """The period holding ``day`` if it was invoiced in advance, else None."""
        periods = self.billed_from(day)
        return periods[0] if periods and periods[0].start <= day else None

    def billed_from(self, day: date) -> list[Period]:
        """Periods invoiced in advance that hold days from ``day`` on, oldest first.

        The one holding ``day`` and any invoiced ahead of it (invoiced on request
        before their billing date): their days from ``day`` are paid ahead, what a
        change or a stop credits.

        >>> s = Schedule(date(2026, 1, 10), "month", next_index=3)
        >>> [p.start.isoformat() for p in s.billed_from(date(2026, 2, 20))]
        ['2026-02-10', '2026-03-10']
        >>> s.moved(next_index=1).billed_from(date(2026, 2, 20))
        []
        """
        if not self.in_advance:
            return []
        first = self.index_at(day) if day >= self.anchor else 0
        return [self.period(index) for index in range(first, self.next_index)]

    def resumed(self, day: date) -> "Schedule":
        """The schedule of a pause ended on ``day`` that keeps the anchor.

        The periods of the pause are never billed: the period holding ``day`` is the
        next one to invoice, billed from ``day``, prorated. A period holding ``day``
        that was invoiced in advance before the pause stays in the ledger; the pause
        credited its days from the pause day, so its days from ``day`` are charged
        again: ``change_pieces([], lines, paid, day)`` with
        ``paid = billed_period_at(day)`` asked before resuming.

        >>> s = Schedule(date(2026, 1, 10), "month", next_index=1)
        >>> r = s.resumed(date(2026, 4, 20))
        >>> r.next_index, r.next()
        (3, Period(index=3, start=datetime.date(2026, 4, 20), end=datetime.date(2026, 5, 9)))
        >>> s.resumed(date(2026, 2, 5)).next()
        Period(index=1, start=datetime.date(2026, 2, 10), end=datetime.date(2026, 3, 9))
        """
        index = self.index_at(day)
        if self.next_index <= index:
            return self.moved(next_index=index, service_start=day)
        return self.moved(service_start=None)

    def term_end(self, periods: int) -> date:
        """Last day of a term of ``periods`` periods from the anchor."""
        return self.period(periods - 1).end

    def renewed_end(self, periods: int) -> date:
        """Last day after extending the term that holds ``date_end`` by ``periods``."""
        return self.period(self.index_at(self.date_end) + periods).end

    def moved(self, **changes) -> "Schedule":
        """The same schedule with other values (a new anchor, a later ``next_index``…)."""
        return replace(self, **changes)


def start_anchor(day: date, unit: str, aligned: bool) -> date:
    """The anchor of periods that start on ``day``: ``day`` itself, or the first day
    of its calendar week, month, quarter or year for a plan aligned to the calendar
    (the first period is then billed from ``day``, prorated).

    >>> start_anchor(date(2026, 2, 15), "month", aligned=True)
    datetime.date(2026, 2, 1)
    """
    return aligned_anchor(day, unit) if aligned else day


# -- Pieces ------------------------------------------------------------------------


def span_pieces(
    lines: Iterable[tuple[Hashable, Amount]],
    span: Period,
    whole: Period,
    precision: Decimal = CENT,
    kind: str = "charge",
) -> list[Piece]:
    """Each line's per-period amount for the days of ``span`` out of ``whole``.

    A credit (``kind="credit"``) is negative. Lines that round to zero are left out.
    """
    sign = -1 if kind == "credit" else 1
    pieces = [
        Piece(
            key,
            span.start,
            span.end,
            sign * prorate(amount, span.days, whole.days, precision),
            kind,
        )
        for key, amount in lines
    ]
    return [piece for piece in pieces if piece.amount]


def change_pieces(
    old_lines: Iterable[tuple[Hashable, Amount]],
    new_lines: Iterable[tuple[Hashable, Amount]],
    paid: Period,
    day: date,
    precision: Decimal = CENT,
    until: date | None = None,
) -> list[Piece]:
    """What a change on ``day`` bills inside the period ``paid`` in advance.

    Old lines are credited and new ones charged for the days from ``day`` to the end of
    the period (or to ``until``, when the days after it were credited already), each
    line rounded on its own (credits first, in input order).

    :raises ValueError: if ``day`` or ``until`` is not within the period.
    """
    until = until or paid.end
    if not paid.start <= day <= until <= paid.end:
        raise ValueError(
            f"Change date {day} is outside the period {paid.start} .. {until}."
        )
    rest = paid._replace(start=day, end=until)
    return span_pieces(old_lines, rest, paid, precision, "credit") + span_pieces(
        new_lines, rest, paid, precision
    )


def unused_pieces(
    lines: Iterable[tuple[Hashable, Amount]],
    paid: Period,
    last_day: date,
    precision: Decimal = CENT,
) -> list[Piece]:
    """Credits for the days of ``paid`` after ``last_day``, the last day of service."""
    if last_day >= paid.end:
        return []
    return change_pieces(
        lines, [], paid, max(last_day + _ONE_DAY, paid.start), precision
    )
