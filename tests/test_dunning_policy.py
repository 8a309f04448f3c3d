"""The dunning policy: retry days after a failure, one step a day, the outcome."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recurring_billing.engine.dunning import Policy, PolicyError, step_due


def test_default_policy_steps_three_five_seven_days_after_the_failure():
    policy = Policy.parse("3,5,7", "suspend")
    failure = date(2026, 3, 10)
    # 10 March + 3, 5 and 7 days.
    assert [policy.step_date(failure, n) for n in range(3)] == [
        date(2026, 3, 13),
        date(2026, 3, 15),
        date(2026, 3, 17),
    ]
    assert policy.step_date(failure, 3) is None
    assert policy.is_last(2) and not policy.is_last(1)


@pytest.mark.parametrize(
    "text, why",
    [
        ("", "at least one day"),
        ("3,x", "'x' is not a number"),
        ("0,3", "0 is not between 1 and 90"),
        ("3,91", "91 is not between 1 and 90"),
        ("3,3", "days must increase"),
        ("-1", "'-1' is not a number"),
    ],
)
def test_bad_retry_days_are_refused_with_the_reason(text, why):
    with pytest.raises(PolicyError, match=why):
        Policy.parse(text, "keep")


def test_unknown_outcome_is_refused():
    with pytest.raises(PolicyError, match="unknown outcome"):
        Policy.parse("3", "forgive")


def test_a_job_down_for_a_week_takes_one_step_a_day():
    policy = Policy.parse("3,5,7", "cancel")
    failure = date(2026, 3, 1)
    today = date(2026, 3, 20)  # every step day has passed
    assert step_due(policy, failure, 0, today)
    # The first step was taken today: the second waits for tomorrow.
    assert not step_due(policy, failure, 1, today, last_step_on=today)
    assert step_due(policy, failure, 1, date(2026, 3, 21), last_step_on=today)


@given(
    days=st.lists(st.integers(1, 90), min_size=1, max_size=6, unique=True).map(sorted),
    start=st.dates(date(2020, 1, 1), date(2030, 1, 1)),
)
def test_running_the_job_every_day_takes_each_step_once_on_its_day(days, start):
    policy = Policy(tuple(days), "keep")
    done, last, taken = 0, None, []
    for offset in range(0, 100):
        today = date.fromordinal(start.toordinal() + offset)
        if step_due(policy, start, done, today, last):
            taken.append(offset)
            done, last = done + 1, today
    assert taken == days
