from decimal import Decimal

import pytest

from recurring_billing.engine.proration import prorate


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
