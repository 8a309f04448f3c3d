from datetime import date

import pytest

from mrr_analytics.engine.stocks import (
    CLOSING,
    OPENING,
    cohort_group_values,
    stock_values,
)

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


def test_a_cohort_row_shows_its_last_month_not_the_average_of_its_months():
    # The January cohort of the worked example kept 2, 2, 1, 1 of its 2 customers
    # from January to April: the row shows April's 1 of 2 (50 %), where the average
    # of the four months would be 75 % and the sum of customers 6.
    rows = [
        ("jan", JAN, month, (kept, 2, mrr, 130))
        for month, kept, mrr in [
            (JAN, 2, 130),
            (FEB, 2, 150),
            (MAR, 1, 50),
            (APR, 1, 30),
        ]
    ]
    assert cohort_group_values(rows) == {"jan": (1, 2, 30, 130, 0.5, 30 / 130)}


def test_cohorts_of_a_group_add_up_each_weighted_by_its_size():
    # Two months after their start: January's cohort kept 1 of 2 (March), February's
    # 2 of 2 (April): 3 of 4. A December cohort of 3 that kept none makes it 3 of 7
    # (42.86 %), not the average of the three retentions (50 + 100 + 0) / 3 = 50 %.
    rows = [("+2", JAN, MAR, (1, 2, 50, 130)), ("+2", FEB, APR, (2, 2, 82, 82))]
    assert cohort_group_values(rows)["+2"][:2] == (3, 4)
    assert cohort_group_values(rows)["+2"][4] == 0.75
    rows.append(("+2", date(2025, 12, 1), FEB, (0, 3, 0, 90)))
    assert cohort_group_values(rows)["+2"][4] == 3 / 7


def test_a_group_of_empty_cohorts_has_no_retention_rather_than_zero():
    rows = [("free", JAN, JAN, (0, 0, 0, 0))]
    assert cohort_group_values(rows) == {"free": (0, 0, 0, 0, None, None)}


def test_the_losses_of_a_cohort_row_are_those_of_its_last_month():
    # The dunning example's January cohort (G, H, I): in February G is lost
    # involuntarily (30) and I voluntarily (30); in March G is back, I still lost. Its
    # row shows March: 1 customer and 30 lost voluntarily, none involuntarily, not the
    # sum of the two months (2 and 60 voluntarily, 1 and 30 involuntarily).
    rows = [
        ("jan", JAN, FEB, (1, 3, 50, 110, 1, 1, 30, 30)),
        ("jan", JAN, MAR, (2, 3, 80, 110, 1, 0, 30, 0)),
    ]
    assert cohort_group_values(rows)["jan"][6:] == (1, 0, 30, 0)
