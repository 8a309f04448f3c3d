from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recurring_billing.engine.periods import (
    INTERVAL_UNITS,
    Period,
    aligned_anchor,
    billing_date,
    monthly_factor,
    period,
    period_index_at,
    period_start,
)


def test_day_31_anchor_clamps_to_month_end_and_comes_back():
    anchor = date(2026, 1, 31)
    assert [period(anchor, "month", 1, k) for k in range(4)] == [
        Period(0, date(2026, 1, 31), date(2026, 2, 27)),
        Period(1, date(2026, 2, 28), date(2026, 3, 30)),
        Period(2, date(2026, 3, 31), date(2026, 4, 29)),
        Period(3, date(2026, 4, 30), date(2026, 5, 30)),
    ]
    assert period_start(anchor, "month", 1, 4) == date(2026, 5, 31)


def test_period_days_counts_both_ends():
    assert period(date(2026, 2, 10), "month", 1, 0).days == 28
    assert period(date(2026, 1, 31), "month", 1, 2).days == 30


def test_leap_day_anchor_yearly_bills_feb_28_then_feb_29_again():
    anchor = date(2028, 2, 29)
    assert [period_start(anchor, "year", 1, k) for k in range(5)] == [
        date(2028, 2, 29),
        date(2029, 2, 28),
        date(2030, 2, 28),
        date(2031, 2, 28),
        date(2032, 2, 29),
    ]
    assert period(anchor, "year", 1, 0) == Period(
        0, date(2028, 2, 29), date(2029, 2, 27)
    )
    assert period(anchor, "year", 1, 3).days == 366


def test_quarterly_periods():
    anchor = date(2026, 11, 30)
    assert [period(anchor, "quarter", 1, k) for k in range(2)] == [
        Period(0, date(2026, 11, 30), date(2027, 2, 27)),
        Period(1, date(2027, 2, 28), date(2027, 5, 29)),
    ]
    assert period_start(anchor, "quarter", 1, 2) == date(2027, 5, 30)


def test_every_two_weeks_periods():
    anchor = date(2026, 12, 24)
    assert [period(anchor, "week", 2, k) for k in range(2)] == [
        Period(0, date(2026, 12, 24), date(2027, 1, 6)),
        Period(1, date(2027, 1, 7), date(2027, 1, 20)),
    ]


def test_every_three_months_is_one_quarter():
    anchor = date(2026, 1, 31)
    assert [period(anchor, "month", 3, k) for k in range(3)] == [
        period(anchor, "quarter", 1, k) for k in range(3)
    ]
    assert period(anchor, "month", 3, 1) == Period(
        1, date(2026, 4, 30), date(2026, 7, 30)
    )


def test_period_index_at_boundaries_of_day_31_anchor():
    anchor = date(2026, 1, 31)
    assert period_index_at(anchor, "month", 1, date(2026, 1, 31)) == 0
    assert period_index_at(anchor, "month", 1, date(2026, 2, 27)) == 0
    assert period_index_at(anchor, "month", 1, date(2026, 2, 28)) == 1
    assert period_index_at(anchor, "month", 1, date(2026, 3, 30)) == 1
    assert period_index_at(anchor, "month", 1, date(2026, 3, 31)) == 2


def _brute_force_index(anchor, unit, count, day):
    index = 0
    while period_start(anchor, unit, count, index + 1) <= day:
        index += 1
    return index


@settings(max_examples=300, deadline=None)
@given(
    anchor=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    unit=st.sampled_from(INTERVAL_UNITS),
    count=st.integers(min_value=1, max_value=12),
    offset=st.integers(min_value=0, max_value=30 * 366),
)
def test_period_index_at_matches_brute_force_loop(anchor, unit, count, offset):
    day = anchor + timedelta(days=offset)
    index = period_index_at(anchor, unit, count, day)
    assert index == _brute_force_index(anchor, unit, count, day)
    p = period(anchor, unit, count, index)
    assert p.start <= day <= p.end


def test_billing_date_in_advance_is_first_day_in_arrears_day_after_last():
    p = Period(0, date(2026, 2, 10), date(2026, 3, 9))
    assert billing_date(p, in_advance=True) == date(2026, 2, 10)
    assert billing_date(p, in_advance=False) == date(2026, 3, 10)


def test_monthly_factor_per_unit():
    assert monthly_factor("month", 1) == 1
    assert monthly_factor("month", 2) == Fraction(1, 2)
    assert monthly_factor("quarter", 1) == Fraction(1, 3)
    assert monthly_factor("quarter", 2) == Fraction(1, 6)
    assert monthly_factor("year", 1) == Fraction(1, 12)
    assert monthly_factor("week", 1) == Fraction(52, 12)
    assert monthly_factor("week", 2) == Fraction(52, 24)


def test_monthly_factor_weekly_12_is_52_and_yearly_1200_is_100():
    assert 12 * monthly_factor("week", 1) == 52
    assert 1200 * monthly_factor("year", 1) == 100


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("week", date(2026, 8, 10)),
        ("month", date(2026, 8, 1)),
        ("quarter", date(2026, 7, 1)),
        ("year", date(2026, 1, 1)),
    ],
)
def test_aligned_anchor_is_first_day_of_calendar_period(unit, expected):
    assert aligned_anchor(date(2026, 8, 13), unit) == expected


def test_aligned_anchor_keeps_a_day_already_aligned():
    assert aligned_anchor(date(2026, 8, 10), "week") == date(2026, 8, 10)
    assert aligned_anchor(date(2026, 10, 1), "quarter") == date(2026, 10, 1)
    assert aligned_anchor(date(2026, 12, 31), "quarter") == date(2026, 10, 1)


@pytest.mark.parametrize(
    ("unit", "count", "index", "message"),
    [
        ("day", 1, 0, "Unknown interval unit"),
        ("month", 0, 0, "at least 1"),
        ("month", -2, 0, "at least 1"),
        ("month", 1, -1, "0 or more"),
    ],
)
def test_period_start_rejects_bad_input(unit, count, index, message):
    with pytest.raises(ValueError, match=message):
        period_start(date(2026, 1, 1), unit, count, index)


def test_period_index_at_rejects_day_before_anchor():
    with pytest.raises(ValueError, match="before the anchor"):
        period_index_at(date(2026, 1, 31), "month", 1, date(2026, 1, 30))


def test_monthly_factor_and_aligned_anchor_reject_bad_input():
    with pytest.raises(ValueError, match="Unknown interval unit"):
        monthly_factor("decade", 1)
    with pytest.raises(ValueError, match="at least 1"):
        monthly_factor("week", 0)
    with pytest.raises(ValueError, match="Unknown interval unit"):
        aligned_anchor(date(2026, 1, 1), "fortnight")
