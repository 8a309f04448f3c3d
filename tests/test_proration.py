from datetime import date
from decimal import Decimal

import pytest

from recurring_billing.engine.periods import Period, period
from recurring_billing.engine.proration import (
    Adjustment,
    prorate,
    remaining_days,
    upgrade_adjustment,
)

FEB_PERIOD = Period(0, date(2026, 2, 10), date(2026, 3, 9))


def test_remaining_days_counts_change_day_and_last_day():
    assert remaining_days(FEB_PERIOD, date(2026, 2, 15)) == 23
    assert remaining_days(FEB_PERIOD, date(2026, 2, 10)) == 28
    assert remaining_days(FEB_PERIOD, date(2026, 3, 9)) == 1


def test_remaining_days_rejects_date_outside_period():
    with pytest.raises(ValueError, match="outside the period"):
        remaining_days(FEB_PERIOD, date(2026, 2, 9))
    with pytest.raises(ValueError, match="outside the period"):
        remaining_days(FEB_PERIOD, date(2026, 3, 10))


def test_prorate_basic_to_pro_example_to_the_cent():
    assert prorate(Decimal("50"), 23, 28) == Decimal("41.07")
    assert prorate(Decimal("30"), 23, 28) == Decimal("24.64")


def test_prorate_rounds_exact_half_up():
    # 0.125 is exactly half a cent above 0.12: it must go up, not to even.
    assert prorate(Decimal("0.25"), 1, 2) == Decimal("0.13")
    assert prorate(Decimal("-0.25"), 1, 2) == Decimal("-0.13")


def test_prorate_is_exact_where_floats_are_not():
    # The float 1.005 is stored just below 1.005; rounding it as such gives 1.00.
    assert prorate(Decimal("2.01"), 1, 2) == Decimal("1.01")
    assert prorate(1.005, 1, 1) == Decimal("1.01")


def test_prorate_full_and_empty_period():
    assert prorate(Decimal("30"), 28, 28) == Decimal("30.00")
    assert prorate(Decimal("30"), 0, 28) == Decimal("0.00")


def test_prorate_to_other_precision():
    assert prorate(Decimal("1000"), 1, 3, Decimal("1")) == Decimal("333")
    assert prorate(Decimal("10"), 1, 3, Decimal("0.001")) == Decimal("3.333")


def test_prorate_rejects_bad_day_counts():
    with pytest.raises(ValueError, match="at least 1 day"):
        prorate(Decimal("30"), 0, 0)
    with pytest.raises(ValueError, match="between 0 and 28"):
        prorate(Decimal("30"), 29, 28)
    with pytest.raises(ValueError, match="between 0 and 28"):
        prorate(Decimal("30"), -1, 28)


def test_upgrade_basic_to_pro_credits_basic_and_charges_pro():
    adjustments = upgrade_adjustment(
        [("Basic", Decimal("30"))],
        [("Pro", Decimal("50"))],
        period(date(2026, 2, 10), "month", 1, 0),
        date(2026, 2, 15),
    )
    assert adjustments == [
        Adjustment("Basic", Decimal("-24.64"), "credit"),
        Adjustment("Pro", Decimal("41.07"), "charge"),
    ]
    assert sum(a.amount for a in adjustments) == Decimal("16.43")


def test_upgrade_rounds_each_line_on_its_own():
    # Three lines of 0.10 for 1 day of 4 are 0.025 each: 0.03 per line, 0.09 in all,
    # where rounding the total 0.075 would give 0.08.
    period_4_days = Period(0, date(2026, 3, 1), date(2026, 3, 4))
    adjustments = upgrade_adjustment(
        [],
        [(1, Decimal("0.10")), (2, Decimal("0.10")), (3, Decimal("0.10"))],
        period_4_days,
        date(2026, 3, 4),
    )
    assert [a.amount for a in adjustments] == [Decimal("0.03")] * 3
    assert sum(a.amount for a in adjustments) == Decimal("0.09")


def test_upgrade_lists_credits_first_then_charges_in_input_order():
    adjustments = upgrade_adjustment(
        [("seat", Decimal("28")), ("support", Decimal("56"))],
        [("seat", Decimal("56")), ("storage", Decimal("14"))],
        FEB_PERIOD,
        date(2026, 3, 3),
    )
    assert adjustments == [
        Adjustment("seat", Decimal("-7.00"), "credit"),
        Adjustment("support", Decimal("-14.00"), "credit"),
        Adjustment("seat", Decimal("14.00"), "charge"),
        Adjustment("storage", Decimal("3.50"), "charge"),
    ]


def test_upgrade_omits_lines_that_round_to_zero():
    adjustments = upgrade_adjustment(
        [("free", Decimal("0")), ("tiny", Decimal("0.10"))],
        [("pro", Decimal("50"))],
        FEB_PERIOD,
        date(2026, 3, 9),
    )
    assert adjustments == [Adjustment("pro", Decimal("1.79"), "charge")]


def test_upgrade_on_first_day_swaps_whole_period_price():
    adjustments = upgrade_adjustment(
        [("Basic", Decimal("30"))],
        [("Pro", Decimal("50"))],
        FEB_PERIOD,
        date(2026, 2, 10),
    )
    assert [a.amount for a in adjustments] == [Decimal("-30.00"), Decimal("50.00")]


def test_upgrade_accepts_generators_of_lines():
    adjustments = upgrade_adjustment(
        ((key, Decimal("28")) for key in ("a", "b")),
        iter([("c", Decimal("28"))]),
        FEB_PERIOD,
        date(2026, 3, 9),
    )
    assert [(a.key, a.amount, a.kind) for a in adjustments] == [
        ("a", Decimal("-1.00"), "credit"),
        ("b", Decimal("-1.00"), "credit"),
        ("c", Decimal("1.00"), "charge"),
    ]


def test_upgrade_rejects_change_date_outside_period():
    with pytest.raises(ValueError, match="outside the period"):
        upgrade_adjustment(
            [("Basic", Decimal("30"))],
            [("Pro", Decimal("50"))],
            FEB_PERIOD,
            date(2026, 3, 10),
        )
