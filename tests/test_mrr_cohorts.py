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


def test_dunning_example_cohort_lost_by_cause():
    # doc/METRICS.md, payment failures: G, H and I all start in January (cohort of 3,
    # MRR 30 + 50 + 30 = 110). February: G is suspended for non-payment (lost
    # involuntarily, 30) and I cancels (lost voluntarily, 30); H stays (50). March: G
    # pays and resumes, so only I is still lost; G and H keep 30 + 50 = 80.
    changes = [
        Change("G", "G-basic", day(1, 5), Decimal(30), False),
        Change("G", "G-basic", day(2, 12), Decimal(0), False, True),
        Change("G", "G-basic", day(3, 2), Decimal(30), False),
        Change("H", "H-pro", day(1, 10), Decimal(50), False),
        Change("I", "I-basic", day(1, 15), Decimal(30), False),
        Change("I", "I-basic", day(2, 20), Decimal(0), False),
    ]
    [january] = cohorts(compute_movements(changes), [JAN, FEB, MAR])
    assert january.size == 3
    assert [
        (
            c.customers,
            c.mrr,
            c.customers_lost_voluntary,
            c.mrr_lost_voluntary,
            c.customers_lost_involuntary,
            c.mrr_lost_involuntary,
        )
        for c in january.cells
    ] == [
        (3, 110, 0, 0, 0, 0),
        (1, 50, 1, 30, 1, 30),
        (2, 80, 1, 30, 0, 0),
    ]


def test_a_member_lost_within_its_first_month_is_lost_by_that_churn():
    # Starts on 01-05, suspended on 01-25: never paying at a month end, it is in the
    # January cohort and lost involuntarily from January on, with the 30 its
    # suspension took away.
    changes = [
        Change("A", "s1", day(1, 5), Decimal(30), False),
        Change("A", "s1", day(1, 25), Decimal(0), False, True),
    ]
    january = cohorts(compute_movements(changes), [JAN, FEB])[0]
    assert [
        (c.customers, c.customers_lost_involuntary, c.mrr_lost_involuntary)
        for c in january.cells
    ] == [(0, 1, 30), (0, 1, 30)]
