"""The billing schedule: which periods are due, for which days, at which price."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from schedule_timeline import Timeline, replay

from recurring_billing.engine.periods import Period
from recurring_billing.engine.schedule import (
    Schedule,
    change_pieces,
    span_pieces,
    unused_pieces,
)

FEB = Schedule(date(2026, 2, 10), "month")
FEB_PERIOD = FEB.period(0)


def amounts(pieces):
    return [(p.key, p.amount, p.kind) for p in pieces]


# -- Due periods -------------------------------------------------------------------------


def test_due_catches_up_three_missed_months_in_advance():
    schedule = Schedule(date(2026, 1, 15), "month", next_index=1)
    assert schedule.due(date(2026, 4, 20)) == [
        Period(1, date(2026, 2, 15), date(2026, 3, 14)),
        Period(2, date(2026, 3, 15), date(2026, 4, 14)),
        Period(3, date(2026, 4, 15), date(2026, 5, 14)),
    ]


def test_due_catches_up_three_missed_months_in_arrears():
    schedule = Schedule(date(2026, 1, 15), "month", in_advance=False)
    assert schedule.due(date(2026, 4, 20)) == [
        Period(0, date(2026, 1, 15), date(2026, 2, 14)),
        Period(1, date(2026, 2, 15), date(2026, 3, 14)),
        Period(2, date(2026, 3, 15), date(2026, 4, 14)),
    ]


def test_nothing_due_before_billing_date():
    anchor = date(2026, 1, 15)
    assert Schedule(anchor, "month", in_advance=False).due(date(2026, 2, 14)) == []
    assert Schedule(anchor, "month", next_index=1).due(date(2026, 2, 14)) == []


def test_fixed_term_stops_after_the_period_holding_the_end():
    schedule = Schedule(
        date(2026, 1, 15), "month", next_index=1, date_end=date(2026, 4, 14)
    )
    assert [(p.index, p.start) for p in schedule.due(date(2026, 9, 1))] == [
        (1, date(2026, 2, 15)),
        (2, date(2026, 3, 15)),
    ]
    assert schedule.moved(next_index=3).next() is None


def test_fixed_term_in_arrears_bills_last_period_after_its_end():
    schedule = Schedule(
        date(2026, 1, 15),
        "month",
        in_advance=False,
        next_index=2,
        date_end=date(2026, 4, 14),
    )
    assert schedule.due(date(2026, 4, 14)) == []
    assert schedule.due(date(2026, 4, 15)) == [
        Period(2, date(2026, 3, 15), date(2026, 4, 14))
    ]


def test_service_start_clips_the_first_period_and_its_share():
    # Aligned to the month, started on 15 Feb: February is billed for 14 of 28 days.
    schedule = Schedule(date(2026, 2, 1), "month", service_start=date(2026, 2, 15))
    span = schedule.next()
    assert (span.start, span.end) == (date(2026, 2, 15), date(2026, 2, 28))
    assert schedule.share(span) == (14, 28)
    assert schedule.share(schedule.span(1)) is None


def test_used_bills_whole_periods_then_the_part_used():
    schedule = Schedule(date(2026, 1, 10), "month", next_index=0)
    used = schedule.used(date(2026, 3, 20))
    assert [(p.start, p.end) for p in used] == [
        (date(2026, 1, 10), date(2026, 2, 9)),
        (date(2026, 2, 10), date(2026, 3, 9)),
        (date(2026, 3, 10), date(2026, 3, 20)),
    ]


def test_billed_period_only_for_advance_periods_in_the_ledger():
    schedule = Schedule(date(2026, 2, 10), "month", next_index=1)
    assert schedule.billed_period_at(date(2026, 2, 15)) == FEB_PERIOD
    assert schedule.billed_period_at(date(2026, 3, 15)) is None
    assert schedule.moved(in_advance=False).billed_period_at(date(2026, 2, 15)) is None


def test_term_end_and_renewal_count_whole_periods():
    schedule = Schedule(date(2026, 1, 31), "month")
    assert schedule.term_end(12) == date(2027, 1, 30)
    renewed = schedule.moved(date_end=date(2027, 1, 30)).renewed_end(12)
    assert renewed == date(2028, 1, 30)


def test_index_at_a_day_before_the_anchor_is_the_first_period():
    assert FEB.index_at(date(2026, 1, 1)) == 0


# -- Pieces ------------------------------------------------------------------------------


def test_upgrade_basic_to_pro_credits_basic_and_charges_pro():
    # 23 of 28 days remain: Pro 50 x 23/28 = 41.07, Basic -30 x 23/28 = -24.64.
    pieces = change_pieces(
        [("Basic", Decimal("30"))],
        [("Pro", Decimal("50"))],
        FEB_PERIOD,
        date(2026, 2, 15),
    )
    assert amounts(pieces) == [
        ("Basic", Decimal("-24.64"), "credit"),
        ("Pro", Decimal("41.07"), "charge"),
    ]
    assert sum(p.amount for p in pieces) == Decimal("16.43")
    assert {(p.start, p.end) for p in pieces} == {(date(2026, 2, 15), date(2026, 3, 9))}


def test_change_rounds_each_line_on_its_own():
    # Three lines of 0.10 for 1 day of 4 are 0.025 each: 0.03 per line, 0.09 in all,
    # where rounding the total 0.075 would give 0.08.
    period_4_days = Period(0, date(2026, 3, 1), date(2026, 3, 4))
    pieces = change_pieces(
        [],
        [(1, Decimal("0.10")), (2, Decimal("0.10")), (3, Decimal("0.10"))],
        period_4_days,
        date(2026, 3, 4),
    )
    assert [p.amount for p in pieces] == [Decimal("0.03")] * 3


def test_change_lists_credits_first_then_charges_in_input_order():
    # 7 of 28 days remain (3 Mar .. 9 Mar): a quarter of each line.
    pieces = change_pieces(
        [("seat", Decimal("28")), ("support", Decimal("56"))],
        [("seat", Decimal("56")), ("storage", Decimal("14"))],
        FEB_PERIOD,
        date(2026, 3, 3),
    )
    assert amounts(pieces) == [
        ("seat", Decimal("-7.00"), "credit"),
        ("support", Decimal("-14.00"), "credit"),
        ("seat", Decimal("14.00"), "charge"),
        ("storage", Decimal("3.50"), "charge"),
    ]


def test_change_omits_lines_that_round_to_zero():
    # Last day: 0.10 x 1/28 rounds to 0.00; Pro 50 x 1/28 = 1.79.
    pieces = change_pieces(
        [("free", Decimal("0")), ("tiny", Decimal("0.10"))],
        [("pro", Decimal("50"))],
        FEB_PERIOD,
        date(2026, 3, 9),
    )
    assert amounts(pieces) == [("pro", Decimal("1.79"), "charge")]


def test_change_rejects_a_day_outside_the_period():
    with pytest.raises(ValueError, match="outside the period"):
        change_pieces([("Basic", 30)], [("Pro", 50)], FEB_PERIOD, date(2026, 3, 10))


def test_unused_days_after_the_last_day_of_service():
    # Cancelled on 15 Feb, paid to 9 Mar: 16 Feb .. 9 Mar = 22 of 28 days,
    # -30 x 22/28 = -23.57; nothing when service ran to the end.
    assert amounts(unused_pieces([("Basic", 30)], FEB_PERIOD, date(2026, 2, 15))) == [
        ("Basic", Decimal("-23.57"), "credit")
    ]
    assert unused_pieces([("Basic", 30)], FEB_PERIOD, date(2026, 3, 9)) == []


def test_span_pieces_of_a_partial_first_period():
    # 14 of 28 days of 50: 25.00.
    span = Period(0, date(2026, 2, 15), date(2026, 2, 28))
    whole = Period(0, date(2026, 2, 1), date(2026, 2, 28))
    assert amounts(span_pieces([("Pro", 50)], span, whole)) == [
        ("Pro", Decimal("25.00"), "charge")
    ]


# -- Property: every day of service billed once, at the price of that day ------------------

UNITS = [("week", 1), ("week", 2), ("month", 1), ("quarter", 1), ("year", 1)]
HORIZON = 501

EVENTS = st.lists(
    st.tuples(
        st.integers(1, 400),
        st.sampled_from(["price", "price", "interval"]),
        st.integers(20, 5000),
        st.sampled_from(UNITS),
    ),
    max_size=4,
)


def _step(kind, price, unit_count):
    if kind == "price":
        return lambda timeline, day: timeline.change_price(day, price)
    return lambda timeline, day: timeline.change_interval(day, *unit_count, price)


@settings(max_examples=150, deadline=None)
@given(
    unit_count=st.sampled_from(UNITS),
    anchor=st.dates(date(2024, 1, 1), date(2027, 12, 31)),
    events=EVENTS,
    stop_after=st.one_of(st.none(), st.integers(0, 500)),
    lazy=st.booleans(),
)
def test_every_day_billed_once_at_its_price(
    unit_count, anchor, events, stop_after, lazy
):
    """Changes of price or interval, a cancellation, a job that ran late or on time:
    each period bills exactly what its days of service owe at the price of each day,
    to the half cent each rounded piece may add."""
    timeline = Timeline(anchor, *unit_count, 100, job="steps" if lazy else "evening")
    steps = {
        anchor + timedelta(days=offset): _step(*event) for offset, *event in events
    }
    stop = None if stop_after is None else anchor + timedelta(days=stop_after)
    last_day = replay(timeline, steps, anchor, HORIZON, stop)
    timeline.check(last_day)
