from datetime import date

import pytest

from mrr_analytics.engine.stocks import CLOSING, OPENING, stock_values

JAN, FEB, MAR, APR = (date(2026, month, 1) for month in range(1, 5))


def test_a_year_of_constant_mrr_is_worth_one_month_not_twelve():
    rows = [("all", None, date(2026, month, 1), (10_000,)) for month in range(1, 13)]
    assert stock_values(rows, [CLOSING]) == {"all": (10_000,)}


def test_each_period_is_read_at_its_own_last_and_first_month():
    # Q1 runs January to March, Q2 only has April in the range.
    rows = [
        (("q1",), "q1", JAN, (100, 0)),
        (("q1",), "q1", MAR, (110, 232)),
        (("q2",), "q2", APR, (142, 110)),
    ]
    assert stock_values(rows, [CLOSING, OPENING]) == {
        ("q1",): (110, 0),
        ("q2",): (142, 110),
    }


def test_a_group_gone_by_the_last_month_of_its_period_holds_nothing():
    # Annual churned in March: over January to April it ends with nothing.
    rows = [
        ("annual", None, JAN, (100,)),
        ("annual", None, MAR, (100,)),
        ("basic", None, APR, (90,)),
    ]
    assert stock_values(rows, [CLOSING]) == {"annual": (None,), "basic": (90,)}


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="stock kinds"):
        stock_values([], ["sum"])
