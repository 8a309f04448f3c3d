"""Cohort retention on the worked example."""

from decimal import Decimal

from mrr_example import APR, CHANGES, FEB, JAN, MAR, MONTHS, day

from mrr_analytics.engine.cohorts import cohorts
from mrr_analytics.engine.movements import Change, compute_movements


def _percent(ratio):
    return None if ratio is None else (ratio * 100).quantize(Decimal("0.01"))


def test_worked_example_cohorts_customer_retention():
    rows = cohorts(compute_movements(CHANGES), MONTHS)
    assert [(row.month, row.customers, row.size) for row in rows] == [
        (JAN, {"A", "B"}, 2),
        (FEB, {"C", "E"}, 2),
        (MAR, {"D"}, 1),
    ]
    assert [[_percent(c.customer_retention) for c in row.cells] for row in rows] == [
        [100, 100, 50, 50],
        [100, 50, 100],
        [100, 100],
    ]
    assert [[c.customers for c in row.cells] for row in rows] == [
        [2, 2, 1, 1],
        [2, 1, 2],
        [1, 1],
    ]


def test_worked_example_cohorts_mrr_retention():
    rows = cohorts(compute_movements(CHANGES), MONTHS)
    assert [row.mrr_first_month for row in rows] == [130, 82, 30]
    assert [[c.mrr for c in row.cells] for row in rows] == [
        [130, 150, 50, 30],
        [82, 30, 82],
        [30, 30],
    ]
    assert [[_percent(c.mrr_retention) for c in row.cells] for row in rows] == [
        [100, Decimal("115.38"), Decimal("38.46"), Decimal("23.08")],
        [100, Decimal("36.59"), 100],
        [100, 100],
    ]


def test_cohort_cells_are_numbered_by_month_offset():
    february = cohorts(compute_movements(CHANGES), MONTHS)[1]
    assert [(c.offset, c.month) for c in february.cells] == [
        (0, FEB),
        (1, MAR),
        (2, APR),
    ]


def test_cohort_of_a_customer_is_its_first_paid_month_not_its_return():
    rows = cohorts(compute_movements(CHANGES), [APR])
    assert rows == []


def test_cohort_lost_within_its_first_month_has_no_mrr_retention():
    changes = [
        Change("A", "s1", day(1, 5), Decimal(30), False),
        Change("A", "s1", day(1, 25), Decimal(0), False),
    ]
    january = cohorts(compute_movements(changes), [JAN, FEB])[0]
    assert (january.size, january.mrr_first_month) == (1, 0)
    assert [(c.customer_retention, c.mrr_retention) for c in january.cells] == [
        (0, None),
        (0, None),
    ]
