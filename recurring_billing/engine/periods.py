"""Billing periods of a subscription, computed from its anchor date.

Every period is derived from the anchor and its index, never from the previous period:
chaining ``start + 1 month`` would let a day-31 anchor drift to the 28th for good after
February, while ``anchor + k months`` clamps to the month end and comes back.

>>> from datetime import date
>>> [str(p.end) for p in (period(date(2026, 1, 31), "month", 1, k) for k in range(3))]
['2026-02-27', '2026-03-30', '2026-04-29']
"""

from datetime import date, timedelta
from fractions import Fraction
from functools import lru_cache
from typing import NamedTuple

from dateutil.relativedelta import relativedelta

INTERVAL_UNITS = ("week", "month", "quarter", "year")

_MONTHS_PER_UNIT = {"month": 1, "quarter": 3, "year": 12}
_ONE_DAY = timedelta(days=1)


class Period(NamedTuple):
    """One billing period; ``end`` is the last day of the period (inclusive)."""

    index: int
    start: date
    end: date

    @property
    def days(self) -> int:
        """Number of days in the period, both ends included."""
        return (self.end - self.start).days + 1


def _check_interval(unit: str, count: int) -> None:
    if unit not in INTERVAL_UNITS:
        raise ValueError(
            f"Unknown interval unit {unit!r}: use one of {', '.join(INTERVAL_UNITS)}."
        )
    if count <= 0:
        raise ValueError(f"Interval count must be at least 1, got {count}.")


def _step_months(unit: str, count: int) -> int:
    return _MONTHS_PER_UNIT[unit] * count


def period_start(anchor: date, unit: str, count: int, index: int) -> date:
    """Return the first day of the ``index``-th period (0-based) after ``anchor``.

    The period lasts ``count`` units; a quarter is 3 months and a year 12 months.
    Month arithmetic clamps to the end of short months: anchor Jan 31 gives Feb 28,
    then Mar 31.

    :raises ValueError: on an unknown unit, a count below 1 or a negative index.
    """
    _check_interval(unit, count)
    if index < 0:
        raise ValueError(f"Period index must be 0 or more, got {index}.")
    if unit == "week":
        return anchor + timedelta(weeks=index * count)
    return anchor + relativedelta(months=index * _step_months(unit, count))


@lru_cache(maxsize=4096)
def period(anchor: date, unit: str, count: int, index: int) -> Period:
    """Return the ``index``-th period: it ends the day before the next one starts.

    Cached: a period depends on its arguments only, and the invoicing of one
    subscription asks for the same period several times (what is due, its billing
    date, its share, the next invoice date), a batch of them for the same few.

    :raises ValueError: on an unknown unit, a count below 1 or a negative index.
    """
    start = period_start(anchor, unit, count, index)
    end = period_start(anchor, unit, count, index + 1) - _ONE_DAY
    return Period(index, start, end)


def period_index_at(anchor: date, unit: str, count: int, day: date) -> int:
    """Return the index of the period that contains ``day``.

    Runs in constant time: the index is estimated from the difference in weeks or months
    and then corrected by at most one period.

    :raises ValueError: if ``day`` is before ``anchor``, or on a bad unit or count.
    """
    _check_interval(unit, count)
    if day < anchor:
        raise ValueError(f"Day {day} is before the anchor date {anchor}.")
    if unit == "week":
        return (day - anchor).days // (7 * count)
    months = (day.year - anchor.year) * 12 + day.month - anchor.month
    index = months // _step_months(unit, count)
    # That period starts in the month of ``day`` at the latest, and the next one in a
    # later month; only a start later in the same month (anchor on the 31st, day on the
    # 15th) puts ``day`` in the previous period.
    if period_start(anchor, unit, count, index) > day:
        index -= 1
    return index


def billing_date(p: Period, in_advance: bool) -> date:
    """Return the day a period is invoiced: its first day, or the day after its last.

    In advance a period is billed on its first day; in arrears once it is over.
    """
    return p.start if in_advance else p.end + _ONE_DAY


def monthly_factor(unit: str, count: int) -> Fraction:
    """Return the factor that turns a per-period price into a monthly amount (MRR).

    A year has 52 weeks, so a weekly price counts 52/12 times a month.

    :raises ValueError: on an unknown unit or a count below 1.
    """
    _check_interval(unit, count)
    if unit == "week":
        return Fraction(52, 12 * count)
    return Fraction(1, _step_months(unit, count))


def aligned_anchor(start: date, unit: str) -> date:
    """Return the first day of the calendar week, month, quarter or year of ``start``.

    Plans aligned to the calendar use it as their anchor and prorate the first period.
    Weeks start on Monday.

    :raises ValueError: on an unknown unit.
    """
    _check_interval(unit, 1)
    if unit == "week":
        return start - timedelta(days=start.weekday())
    if unit == "month":
        return start.replace(day=1)
    if unit == "quarter":
        return date(start.year, start.month - (start.month - 1) % 3, 1)
    return date(start.year, 1, 1)
