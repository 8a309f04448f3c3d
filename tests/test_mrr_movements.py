"""MRR movements and the monthly bridge, on the worked example and on edge cases."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mrr_example import APR, CHANGES, FEB, JAN, MAR, MONTHS, day

from mrr_analytics.engine.movements import (
    MOVEMENT_TYPES,
    BridgeRow,
    Change,
    compute_movements,
    month_bridge,
    month_end_mrr,
)


def _summary(movements):
    return [(m.customer, m.day, m.movement_type, m.amount) for m in movements]


def test_worked_example_movements():
    assert _summary(compute_movements(CHANGES)) == [
        ("B", day(1, 1), "new", 100),
        ("A", day(1, 10), "new", 30),
        ("E", day(2, 2), "new", 52),
        ("C", day(2, 3), "new", 30),
        ("A", day(2, 15), "expansion", 20),
        ("E", day(3, 1), "churn", -52),
        ("D", day(3, 10), "reactivation", 30),
        ("B", day(3, 31), "churn", -100),
        ("E", day(4, 6), "reactivation", 52),
        ("A", day(4, 10), "contraction", -20),
    ]


def test_worked_example_month_table():
    rows = month_bridge(compute_movements(CHANGES), MONTHS)
    assert rows == [
        BridgeRow(JAN, 0, 130, 0, 0, 0, 0, 130, 2),
        BridgeRow(FEB, 130, 82, 20, 0, 0, 0, 232, 4),
        BridgeRow(MAR, 232, 0, 0, 30, 0, 152, 110, 3),
        BridgeRow(APR, 110, 0, 0, 52, 20, 0, 142, 4),
    ]


def test_free_to_paid_counted_as_new_with_chartmogul_setting():
    movements = compute_movements(CHANGES, free_to_paid="new")
    assert ("D", day(3, 10), "new", 30) in _summary(movements)
    march = month_bridge(movements, [MAR])[0]
    assert (march.new, march.reactivation, march.mrr_end) == (30, 0, 110)


def test_unknown_free_to_paid_setting_is_refused():
    with pytest.raises(ValueError, match="free_to_paid"):
        compute_movements(CHANGES, free_to_paid="expansion")


def test_several_changes_of_one_day_net_into_one_movement():
    changes = [
        Change("A", "s1", day(1, 5), Decimal(30), False),
        Change("A", "s1", day(2, 1), Decimal(50), False),
        Change("A", "s1", day(2, 1), Decimal(10), False),
        Change("A", "s1", day(2, 1), Decimal(40), False),
        Change("A", "s1", day(3, 1), Decimal(0), False),
        Change("A", "s1", day(3, 1), Decimal(40), False),
    ]
    assert _summary(compute_movements(changes)) == [
        ("A", day(1, 5), "new", 30),
        ("A", day(2, 1), "expansion", 10),
    ]


def test_customer_with_two_subscriptions_sums_their_mrr():
    changes = [
        Change("A", "basic", day(1, 5), Decimal(30), False),
        Change("A", "pro", day(1, 20), Decimal(50), False),
        Change("A", "basic", day(2, 10), Decimal(0), False),
        Change("A", "pro", day(3, 10), Decimal(0), False),
    ]
    movements = compute_movements(changes)
    assert [(m.movement_type, m.mrr_before, m.mrr_after) for m in movements] == [
        ("new", 0, 30),
        ("expansion", 30, 80),
        ("contraction", 80, 50),
        ("churn", 50, 0),
    ]
    assert month_end_mrr(movements, [JAN, FEB, MAR]) == {
        JAN: {"A": 80},
        FEB: {"A": 50},
        MAR: {},
    }


def test_trial_converting_after_a_cancelled_trial_is_new():
    changes = [
        Change("A", "trial", day(1, 5), Decimal(0), False),
        Change("A", "trial", day(1, 19), Decimal(0), False),
        Change("A", "basic", day(2, 1), Decimal(30), False),
    ]
    assert _summary(compute_movements(changes)) == [("A", day(2, 1), "new", 30)]


def test_subscription_moved_to_another_customer_moves_its_mrr():
    changes = [
        Change("A", "s1", day(1, 5), Decimal(30), False),
        Change("B", "s1", day(2, 1), Decimal(30), False),
    ]
    assert _summary(compute_movements(changes)) == [
        ("A", day(1, 5), "new", 30),
        ("A", day(2, 1), "churn", -30),
        ("B", day(2, 1), "new", 30),
    ]


def test_negative_mrr_is_refused():
    with pytest.raises(ValueError, match="negative"):
        compute_movements([Change("A", "s1", day(1, 5), Decimal(-1), False)])


def test_bridge_starts_from_opening_mrr():
    movements = [compute_movements(CHANGES)[-1]]
    opening = {"A": Decimal(50), "C": Decimal(30), "D": Decimal(30)}
    april = month_bridge(movements, [APR], opening)[0]
    assert (april.mrr_start, april.contraction, april.mrr_end) == (110, 20, 90)


SIGNS = {"new": 1, "expansion": 1, "reactivation": 1, "contraction": -1, "churn": -1}
START = date(2026, 1, 1)

change_logs = st.lists(
    st.builds(
        Change,
        customer=st.sampled_from("ABC"),
        subscription=st.sampled_from(["s1", "s2", "s3", "s4"]),
        day=st.integers(0, 180).map(lambda offset: START + timedelta(days=offset)),
        mrr=st.sampled_from(["0", "0", "9.99", "30", "52.00", "100", "1200"]).map(
            Decimal
        ),
        free=st.booleans(),
    ),
    max_size=40,
)


@given(change_logs, st.sampled_from(["reactivation", "new"]))
def test_bridge_holds_and_signs_match_types_for_any_history(changes, free_to_paid):
    movements = compute_movements(changes, free_to_paid)
    for movement in movements:
        assert movement.movement_type in MOVEMENT_TYPES
        assert movement.amount * SIGNS[movement.movement_type] > 0
        assert movement.amount == movement.mrr_after - movement.mrr_before
    months = [date(2025, 12, 1)] + [date(2026, month, 1) for month in range(1, 8)]
    rows = month_bridge(movements, months)
    for previous, row in zip(rows, rows[1:], strict=False):
        assert row.mrr_start == previous.mrr_end
    for row in rows:
        assert (
            row.mrr_start
            + row.new
            + row.expansion
            + row.reactivation
            - (row.contraction + row.churn)
            == row.mrr_end
        )
    assert rows[0].mrr_end == 0


@given(change_logs)
def test_month_end_mrr_matches_latest_subscription_states(changes):
    months = [date(2026, month, 1) for month in range(1, 8)]
    states = month_end_mrr(compute_movements(changes), months)
    for month in months:
        end = date(2026, month.month + 1, 1)
        latest = {}
        for change in sorted(changes, key=lambda change: change.day):
            if change.day < end:
                latest[change.subscription] = change
        expected = {}
        for change in latest.values():
            expected[change.customer] = expected.get(change.customer, 0) + change.mrr
        assert states[month] == {c: mrr for c, mrr in expected.items() if mrr > 0}


def test_losses_of_an_involuntary_change_are_involuntary_and_gains_never():
    """The payment follow-up example of the metrics rules (doc/METRICS.md)."""
    d = Decimal
    changes = [
        Change("G", "g", date(2026, 1, 5), d(30), False),
        Change("H", "h", date(2026, 1, 10), d(50), False),
        Change("I", "i", date(2026, 1, 15), d(30), False),
        # G suspended for non-payment, I cancels by choice.
        Change("G", "g", date(2026, 2, 12), d(0), False, involuntary=True),
        Change("I", "i", date(2026, 2, 20), d(0), False),
        # G pays: resumed.
        Change("G", "g", date(2026, 3, 2), d(30), False),
    ]
    assert [
        (m.customer, m.movement_type, m.amount, m.involuntary)
        for m in compute_movements(changes)
    ] == [
        ("G", "new", 30, False),
        ("H", "new", 50, False),
        ("I", "new", 30, False),
        ("G", "churn", -30, True),
        ("I", "churn", -30, False),
        ("G", "reactivation", 30, False),
    ]


def test_an_involuntary_change_netted_with_a_gain_is_not_a_loss():
    d = Decimal
    changes = [
        Change("K", "k1", date(2026, 1, 5), d(30), False),
        # Same day: one subscription suspended, another started at a higher price.
        Change("K", "k1", date(2026, 2, 1), d(0), False, involuntary=True),
        Change("K", "k2", date(2026, 2, 1), d(50), False),
    ]
    [_new, expansion] = compute_movements(changes)
    assert (expansion.movement_type, expansion.involuntary) == ("expansion", False)
