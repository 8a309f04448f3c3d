"""The worked example of ``mrr_analytics/doc/METRICS.md`` (EUR, 2026) as a change log,
shared by tests.

Plans normalized to a month: Free 0 (freemium), Basic 30, Pro 50,
Annual 1200/year → 100, Weekly 12/week → 12 × 52 / 12 = 52.00.
A trial and a paused subscription contribute 0.
"""

from datetime import date
from decimal import Decimal

from mrr_analytics.engine.movements import Change

FREE = Decimal("0")
TRIAL = Decimal("0")
PAUSED = Decimal("0")
CANCELLED = Decimal("0")
BASIC = Decimal("30")
PRO = Decimal("50")
ANNUAL = Decimal("1200") / 12
WEEKLY = (Decimal("12") * 52 / 12).quantize(Decimal("0.01"))

MONTHS = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)]
JAN, FEB, MAR, APR = MONTHS


def day(month, number):
    """Return the date of 2026-``month``-``number``."""
    return date(2026, month, number)


CHANGES = [
    Change("A", "A-basic", day(1, 10), BASIC, False),
    Change("A", "A-basic", day(2, 15), PRO, False),
    Change("A", "A-basic", day(4, 10), BASIC, False),
    Change("B", "B-annual", day(1, 1), ANNUAL, False),
    Change("B", "B-annual", day(3, 31), CANCELLED, False),
    Change("C", "C-basic", day(1, 20), TRIAL, False),
    Change("C", "C-basic", day(2, 3), BASIC, False),
    Change("D", "D-plan", day(1, 5), FREE, True),
    Change("D", "D-plan", day(3, 10), BASIC, False),
    Change("E", "E-weekly", day(2, 2), WEEKLY, False),
    Change("E", "E-weekly", day(3, 1), PAUSED, False),
    Change("E", "E-weekly", day(4, 6), WEEKLY, False),
]
