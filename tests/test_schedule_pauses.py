"""Pauses and changes of currency in the billing schedule (doc/BILLING.md): nothing is
billed for paused days, the days paid before a pause are never billed twice after it,
and each currency bills the days served in it at their price."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st
from schedule_timeline import JOBS, Timeline, replay

JAN_10 = date(2026, 1, 10)


def pause(resume_on=None):
    return lambda timeline, day: timeline.pause(day, resume_on)


def to_currency(currency, price):
    return lambda timeline, day: timeline.change_currency(day, currency, price)


def billed(timeline):
    """What each (currency, generation, period index) billed, zeros left out."""
    return {key: amount for key, amount in timeline.billed.items() if amount}


def live_basic(steps, until, keep_anchor=False):
    """Basic at 30 EUR a month in advance from 2026-01-10, lived to ``until``."""
    timeline = Timeline(JAN_10, "month", 1, 30, keep_anchor=keep_anchor)
    last_day = replay(timeline, steps, JAN_10, (until - JAN_10).days + 1)
    timeline.check(last_day)
    return timeline


# -- Worked examples -----------------------------------------------------------------------


def test_pause_credits_the_paid_days_and_a_restart_bills_a_new_period():
    # 10 Jan .. 9 Feb paid 30; paused on 20 Jan: 20 Jan .. 9 Feb (21 of 31 days) are
    # credited, -30 x 21/31 = -20.32, leaving 9.68 for the 10 days served. Resumed on
    # 15 Feb: a new period 15 Feb .. 14 Mar, 30.
    timeline = live_basic(
        {date(2026, 1, 20): pause(date(2026, 2, 15))}, date(2026, 2, 20)
    )
    assert billed(timeline) == {
        ("EUR", 0, 0): Decimal("9.68"),
        ("EUR", 1, 0): Decimal("30"),
    }


def test_resume_keeping_the_anchor_in_the_paid_period_charges_its_days_again():
    # Paused on 20 Jan (credit -20.32 as above), resumed on 25 Jan keeping the anchor:
    # 25 Jan .. 9 Feb (16 of 31 days) are served again, 30 x 16/31 = 15.48; the period
    # bills 30 - 20.32 + 15.48 = 25.16 for its 26 days served. 10 Feb starts as usual.
    timeline = live_basic(
        {date(2026, 1, 20): pause(date(2026, 1, 25))},
        date(2026, 2, 10),
        keep_anchor=True,
    )
    assert billed(timeline) == {
        ("EUR", 0, 0): Decimal("25.16"),
        ("EUR", 0, 1): Decimal("30"),
    }


def test_resume_keeping_the_anchor_after_a_long_pause_bills_from_the_resume_day():
    # Paused on 20 Jan, resumed on 20 Apr: the periods of February and March are not
    # billed; 20 Apr .. 9 May is 20 of the 30 days of 10 Apr .. 9 May, 20.00.
    timeline = live_basic(
        {date(2026, 1, 20): pause(date(2026, 4, 20))},
        date(2026, 4, 20),
        keep_anchor=True,
    )
    assert billed(timeline) == {
        ("EUR", 0, 0): Decimal("9.68"),
        ("EUR", 0, 3): Decimal("20.00"),
    }


def test_currency_change_credits_the_old_currency_and_charges_the_new():
    # On 20 Jan the price becomes 50 USD: 20 Jan .. 9 Feb (21 of 31 days) credited in
    # EUR, -30 x 21/31 = -20.32, and charged in USD, 50 x 21/31 = 33.87. The periods
    # do not move: 10 Feb .. 9 Mar is billed 50 USD.
    timeline = live_basic(
        {date(2026, 1, 20): to_currency("USD", 50)}, date(2026, 2, 10)
    )
    assert billed(timeline) == {
        ("EUR", 0, 0): Decimal("9.68"),
        ("USD", 0, 0): Decimal("33.87"),
        ("USD", 0, 1): Decimal("50"),
    }


def test_currency_changed_while_paused_bills_the_resumed_days_in_the_new_currency():
    # Paused on 20 Jan (EUR credit -20.32), moved to 33 USD on 22 Jan, resumed on
    # 25 Jan keeping the anchor: 25 Jan .. 9 Feb are charged in USD, 33 x 16/31 = 17.03;
    # nothing more in EUR.
    timeline = live_basic(
        {
            date(2026, 1, 20): pause(date(2026, 1, 25)),
            date(2026, 1, 22): to_currency("USD", 33),
        },
        date(2026, 2, 9),
        keep_anchor=True,
    )
    assert billed(timeline) == {
        ("EUR", 0, 0): Decimal("9.68"),
        ("USD", 0, 0): Decimal("17.03"),
    }


# -- Property: paused days never billed, each currency bills its own days ------------------

UNITS = [("week", 1), ("week", 2), ("month", 1), ("quarter", 1), ("year", 1)]
CURRENCIES = ["EUR", "USD", "CHF"]
HORIZON = 501

# Steps on the first days of periods meet the job that bills them that day.
BOUNDARIES = [7, 14, 28, 31, 59, 62, 90, 92, 181, 365, 366]

EVENTS = st.lists(
    st.tuples(
        st.one_of(st.integers(1, 400), st.sampled_from(BOUNDARIES)),
        st.sampled_from(["price", "interval", "pause", "pause", "currency"]),
        st.integers(20, 5000),
        st.sampled_from(UNITS),
        st.sampled_from(CURRENCIES),
        # Days until the resume; none: resumed by hand, never in the horizon.
        st.one_of(
            st.none(), st.integers(1, 10), st.integers(1, 40), st.integers(41, 400)
        ),
    ),
    max_size=6,
)


def _step(kind, price, unit_count, currency, pause_days):
    if kind == "price":
        return lambda timeline, day: timeline.change_price(day, price)
    if kind == "interval":
        return lambda timeline, day: timeline.change_interval(day, *unit_count, price)
    if kind == "currency":
        return lambda timeline, day: timeline.change_currency(day, currency, price)
    return lambda timeline, day: timeline.pause(
        day, pause_days and day + timedelta(days=pause_days)
    )


@settings(max_examples=300, deadline=None)
@given(
    unit_count=st.sampled_from(UNITS),
    start=st.dates(date(2024, 1, 1), date(2027, 12, 31)),
    events=EVENTS,
    stop_after=st.one_of(st.none(), st.integers(0, 500)),
    job=st.sampled_from(JOBS),
    in_advance=st.booleans(),
    aligned=st.booleans(),
    keep_anchor=st.booleans(),
)
# The job billed the period in the morning of the pause; the restart must not credit
# its days again.
@example(
    unit_count=("month", 1),
    start=JAN_10,
    events=[(31, "pause", 100, ("month", 1), "EUR", 5)],
    stop_after=None,
    job="morning",
    in_advance=True,
    aligned=False,
    keep_anchor=False,
)
# Moved to another currency while paused, resumed in the period paid before the pause.
@example(
    unit_count=("month", 1),
    start=JAN_10,
    events=[
        (10, "pause", 100, ("month", 1), "EUR", 15),
        (12, "currency", 70, ("month", 1), "USD", None),
    ],
    stop_after=None,
    job="evening",
    in_advance=True,
    aligned=False,
    keep_anchor=True,
)
# In arrears, a change on the first day of a period before the job ran: the period
# that ended the day before was served at the old price.
@example(
    unit_count=("week", 1),
    start=date(2024, 1, 1),
    events=[(35, "price", 20, ("week", 1), "EUR", None)],
    stop_after=None,
    job="evening",
    in_advance=False,
    aligned=False,
    keep_anchor=False,
)
def test_paused_days_are_never_billed_and_each_currency_bills_its_days(
    unit_count, start, events, stop_after, job, in_advance, aligned, keep_anchor
):
    """Pauses resumed as the plan says, changes of price, interval and currency, a
    cancellation, in advance or in arrears, from the start day or the calendar: per
    currency, each period bills exactly what its days served in that currency owe at
    the price of each day, and nothing for paused days."""
    timeline = Timeline(
        start,
        *unit_count,
        100,
        in_advance=in_advance,
        aligned=aligned,
        keep_anchor=keep_anchor,
        job=job,
    )
    steps = {start + timedelta(days=offset): _step(*event) for offset, *event in events}
    stop = None if stop_after is None else start + timedelta(days=stop_after)
    last_day = replay(timeline, steps, start, HORIZON, stop)
    timeline.check(last_day)
