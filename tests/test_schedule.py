"""The billing schedule: which periods are due, for which days, at which price."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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

UNITS = st.sampled_from(
    [("week", 1), ("week", 2), ("month", 1), ("quarter", 1), ("year", 1)]
)


def _simulate(anchor, unit, count, prices, stop, horizon):
    """Bill a subscription paid in advance day by day the way the models do.

    ``prices`` maps a day to the price per period from that day (changes now);
    ``stop`` is the day it is cancelled now, with the unused days credited.
    Returns the pieces billed and the price per period in force each day of service.
    """
    schedule = Schedule(anchor, unit, count)
    price = prices[anchor]
    pieces, in_force = [], {}
    day = anchor
    while day <= horizon:
        if day in prices and day != anchor:
            paid = schedule.billed_period_at(day)
            if paid:
                pieces += change_pieces([("x", price)], [("x", prices[day])], paid, day)
            price = prices[day]
        if day == stop:
            for span in schedule.used(day):
                pieces += span_pieces([("x", price)], span, schedule.period(span.index))
            paid = schedule.billed_period_at(day)
            if paid:
                pieces += unused_pieces([("x", price)], paid, day)
            in_force[day] = price
            break
        for span in schedule.due(day):
            pieces += span_pieces([("x", price)], span, schedule.period(span.index))
            schedule = schedule.moved(next_index=span.index + 1)
        in_force[day] = price
        day += timedelta(days=1)
    return schedule, pieces, in_force


@settings(max_examples=150, deadline=None)
@given(
    unit_count=UNITS,
    anchor=st.dates(date(2024, 1, 1), date(2027, 12, 31)),
    changes=st.lists(st.tuples(st.integers(1, 400), st.integers(20, 5000)), max_size=4),
    stop_after=st.one_of(st.none(), st.integers(0, 500)),
)
def test_every_day_billed_once_at_its_price(unit_count, anchor, changes, stop_after):
    unit, count = unit_count
    horizon = anchor + timedelta(days=500)
    prices = {anchor: Decimal(100)}
    for offset, price in changes:
        prices[anchor + timedelta(days=offset)] = Decimal(price)
    stop = stop_after is not None and anchor + timedelta(days=stop_after)
    schedule, pieces, in_force = _simulate(anchor, unit, count, prices, stop, horizon)
    # Per period: what the days of service owe at the price of each day, against what
    # the pieces of that period bill; each piece is rounded once (half a cent at most).
    owed, billed, rounded = {}, {}, {}
    for day, price in in_force.items():
        whole = schedule.period_at(day)
        owed[whole.index] = owed.get(whole.index, 0) + price / whole.days
    for piece in pieces:
        index = schedule.index_at(piece.start)
        billed[index] = billed.get(index, 0) + piece.amount
        rounded[index] = rounded.get(index, 0) + 1
    # Days after the stop or after the horizon, paid in advance and not credited, are
    # only in a period that was not over: compare the periods fully inside the run.
    last_day = max(in_force)
    for index, amount in billed.items():
        whole = schedule.period(index)
        if whole.end > last_day and not stop:
            continue
        assert abs(amount - owed.get(index, 0)) <= Decimal("0.005") * rounded[index], (
            index,
            amount,
            owed.get(index),
        )
    for index in owed:
        if schedule.period(index).end <= last_day or stop:
            assert index in billed, f"period {index} served but never billed"
