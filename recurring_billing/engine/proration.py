"""Proration by days of a change made during a billing period.

Amounts are computed exactly as fractions and rounded once, half-up (ties away from
zero, like Odoo's currency rounding), so the result does not depend on float error.
"""

from collections.abc import Hashable, Iterable
from datetime import date
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import NamedTuple

from .periods import Period

CENT = Decimal("0.01")


class Adjustment(NamedTuple):
    """One prorated line of a mid-period change: a charge (> 0) or a credit (< 0)."""

    key: Hashable
    amount: Decimal
    kind: str


def _exact(amount: Decimal | int | float | str) -> Fraction:
    # A float such as 0.1 is meant as its shortest repr, not as its binary value.
    if isinstance(amount, float):
        amount = repr(amount)
    return Fraction(Decimal(amount))


def _round_half_up(value: Fraction, precision: Decimal) -> Decimal:
    steps = value / Fraction(precision)
    magnitude = floor(abs(steps) + Fraction(1, 2))
    signed = magnitude if steps >= 0 else -magnitude
    return (signed * precision).quantize(precision)


def remaining_days(p: Period, change_date: date) -> int:
    """Return the days from ``change_date`` to the end of the period, both included.

    :raises ValueError: if ``change_date`` is not within the period.
    """
    if not p.start <= change_date <= p.end:
        raise ValueError(
            f"Change date {change_date} is outside the period {p.start} .. {p.end}."
        )
    return (p.end - change_date).days + 1


def prorate(
    amount: Decimal | int | float | str,
    remaining: int,
    total: int,
    precision: Decimal = CENT,
) -> Decimal:
    """Return ``amount * remaining / total`` rounded half-up to ``precision``.

    :raises ValueError: if ``total`` is not positive or ``remaining`` is not between 0
        and ``total``.
    """
    if total <= 0:
        raise ValueError(f"Period length must be at least 1 day, got {total}.")
    if not 0 <= remaining <= total:
        raise ValueError(
            f"Remaining days must be between 0 and {total}, got {remaining}."
        )
    return _round_half_up(_exact(amount) * remaining / total, precision)


def upgrade_adjustment(
    old_lines: Iterable[tuple[Hashable, Decimal | int | float | str]],
    new_lines: Iterable[tuple[Hashable, Decimal | int | float | str]],
    p: Period,
    change_date: date,
    precision: Decimal = CENT,
) -> list[Adjustment]:
    """Return the lines that bill a change made effective on ``change_date``.

    Each line is ``(key, per-period subtotal)``. Every old line is credited and every
    new line charged for the days left in the period, each line rounded on its own so
    that the invoice lines add up to the invoice total. Lines that round to zero are
    left out; credits come first, then charges, each in input order.

    :raises ValueError: if ``change_date`` is not within the period.
    """
    remaining = remaining_days(p, change_date)
    credits = [
        Adjustment(key, -prorate(amount, remaining, p.days, precision), "credit")
        for key, amount in old_lines
    ]
    charges = [
        Adjustment(key, prorate(amount, remaining, p.days, precision), "charge")
        for key, amount in new_lines
    ]
    return [line for line in credits + charges if line.amount]
