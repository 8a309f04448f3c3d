"""Proration by days: a per-period amount for some of the days of its period.

The pieces of a change or a stop built from it are in ``schedule``.

Amounts are computed exactly as fractions and rounded once, half-up (ties away from
zero, like Odoo's currency rounding), so the result does not depend on float error.
"""

from decimal import Decimal
from fractions import Fraction
from math import floor

CENT = Decimal("0.01")


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
