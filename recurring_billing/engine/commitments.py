"""What a plan's limits allow a subscriber: the minimum term, the notice period of a
cancellation, the longest pause (doc/BILLING.md, Plan limits).

A minimum term of M months from the start commits the subscriber until the day before
the same day M months later; a cancellation that would end the service before that day
is refused. A cancellation asked fewer than N days (the notice period) before the end
of the current period ends the service at the end of the next period instead. A pause
ends on its resume date at most the plan's longest pause after today.

>>> from datetime import date
>>> commitment_end(date(2026, 2, 10), 3)
datetime.date(2026, 5, 9)
>>> cancellation_end(date(2026, 2, 28), date(2026, 3, 9), date(2026, 4, 9),
...                  date(2026, 2, 10), notice_period_days=10)
datetime.date(2026, 4, 9)
>>> latest_resume(date(2026, 2, 15), date(2026, 3, 17), 30)
datetime.date(2026, 3, 17)
"""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta


class CommitmentError(ValueError):
    """The cancellation would end the service before the minimum term ends."""

    def __init__(self, date_commitment_end: date):
        super().__init__(
            f"The minimum term runs until {date_commitment_end}: the subscription "
            "cannot end before."
        )
        self.date_commitment_end = date_commitment_end


class PauseTooLongError(ValueError):
    """The pause has no resume date, or one after the latest allowed."""

    def __init__(self, date_latest: date):
        super().__init__(f"The pause must end on {date_latest} at the latest.")
        self.date_latest = date_latest


def commitment_end(date_start: date, minimum_term_months: int) -> date | None:
    """Return the last day of the minimum term started on ``date_start``, None
    without one. Months clamp to the end of short months, as billing periods do.

    >>> commitment_end(date(2026, 1, 31), 1)
    datetime.date(2026, 2, 27)
    """
    if not minimum_term_months:
        return None
    return date_start + relativedelta(months=minimum_term_months) - timedelta(days=1)


def cancellation_end(
    today: date,
    period_end: date | None,
    next_period_end: date | None,
    date_start: date,
    minimum_term_months: int = 0,
    notice_period_days: int = 0,
) -> date:
    """Return the last day of service of a subscription cancelled on ``today``.

    With ``period_end`` (the last day of the current period), the service ends then,
    or at ``next_period_end`` when fewer than ``notice_period_days`` days are left
    until ``period_end``; without it, the cancellation is immediate: it ends today.

    :raises CommitmentError: when that day is before the end of the minimum term of
        ``minimum_term_months`` months from ``date_start``.
    """
    end = today
    if period_end:
        end = period_end
        if (period_end - today).days < notice_period_days and next_period_end:
            end = next_period_end
    committed = commitment_end(date_start, minimum_term_months)
    if committed and end < committed:
        raise CommitmentError(committed)
    return end


def latest_resume(
    today: date, date_resume: date | None, pause_max_days: int
) -> date | None:
    """Return the resume date of a pause starting ``today``, checked against the
    longest pause of ``pause_max_days`` days (0: no limit).

    :raises PauseTooLongError: when the pause is limited and has no resume date, or
        one more than ``pause_max_days`` days after today.
    """
    if not pause_max_days:
        return date_resume
    latest = today + timedelta(days=pause_max_days)
    if not date_resume or date_resume > latest:
        raise PauseTooLongError(latest)
    return date_resume
