"""Plan limits on self-service: minimum term, notice period, longest pause."""

from datetime import date

import pytest

from recurring_billing.engine.commitments import (
    CommitmentError,
    PauseTooLongError,
    cancellation_end,
    commitment_end,
    latest_resume,
)


def test_no_minimum_term_commits_to_nothing():
    assert commitment_end(date(2026, 2, 10), 0) is None


def test_minimum_term_ends_the_day_before_the_same_day_months_later():
    # 3 months from 2026-02-10: 02-10 .. 05-09.
    assert commitment_end(date(2026, 2, 10), 3) == date(2026, 5, 9)


def test_minimum_term_from_a_month_end_clamps():
    # 1 month from 2026-01-31: 02-28 is the same day a month later, clamped.
    assert commitment_end(date(2026, 1, 31), 1) == date(2026, 2, 27)


def test_cancel_without_limits_ends_with_the_current_period():
    end = cancellation_end(
        date(2026, 2, 15), date(2026, 3, 9), date(2026, 4, 9), date(2026, 2, 10)
    )
    assert end == date(2026, 3, 9)


def test_cancel_asked_exactly_the_notice_before_the_period_end_keeps_it():
    # 10 days from 02-27 to 03-09: the notice is given.
    end = cancellation_end(
        date(2026, 2, 27),
        date(2026, 3, 9),
        date(2026, 4, 9),
        date(2026, 2, 10),
        notice_period_days=10,
    )
    assert end == date(2026, 3, 9)


def test_cancel_asked_within_the_notice_ends_with_the_next_period():
    # 9 days from 02-28 to 03-09, fewer than 10: the next period's end.
    end = cancellation_end(
        date(2026, 2, 28),
        date(2026, 3, 9),
        date(2026, 4, 9),
        date(2026, 2, 10),
        notice_period_days=10,
    )
    assert end == date(2026, 4, 9)


def test_cancel_ending_before_the_minimum_term_is_refused_with_its_end():
    with pytest.raises(CommitmentError) as refused:
        cancellation_end(
            date(2026, 3, 15),
            date(2026, 4, 9),
            date(2026, 5, 9),
            date(2026, 2, 10),
            minimum_term_months=3,
        )
    assert refused.value.date_commitment_end == date(2026, 5, 9)


def test_cancel_ending_on_the_last_day_of_the_minimum_term_is_allowed():
    end = cancellation_end(
        date(2026, 4, 15),
        date(2026, 5, 9),
        date(2026, 6, 9),
        date(2026, 2, 10),
        minimum_term_months=3,
    )
    assert end == date(2026, 5, 9)


def test_notice_may_carry_the_end_past_the_minimum_term():
    # Asked on 04-30, 9 days before 05-09: ends 06-09, after the term (05-09).
    end = cancellation_end(
        date(2026, 4, 30),
        date(2026, 5, 9),
        date(2026, 6, 9),
        date(2026, 2, 10),
        minimum_term_months=3,
        notice_period_days=10,
    )
    assert end == date(2026, 6, 9)


def test_cancel_now_inside_the_minimum_term_is_refused():
    with pytest.raises(CommitmentError):
        cancellation_end(date(2026, 3, 15), None, None, date(2026, 2, 10), 3)


def test_pause_without_limit_may_have_no_resume_date():
    assert latest_resume(date(2026, 2, 15), None, 0) is None


def test_pause_up_to_the_limit_is_allowed():
    # 30 days from 02-15: resume on 03-17 at the latest.
    assert latest_resume(date(2026, 2, 15), date(2026, 3, 17), 30) == date(2026, 3, 17)


def test_pause_longer_than_the_limit_is_refused_with_the_latest_date():
    with pytest.raises(PauseTooLongError) as refused:
        latest_resume(date(2026, 2, 15), date(2026, 3, 18), 30)
    assert refused.value.date_latest == date(2026, 3, 17)


def test_pause_without_resume_date_is_refused_when_limited():
    with pytest.raises(PauseTooLongError):
        latest_resume(date(2026, 2, 15), None, 30)
