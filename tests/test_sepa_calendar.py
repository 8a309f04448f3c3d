import doctest
from datetime import date

import pytest

from recurring_billing.engine import sepa_calendar
from recurring_billing.engine.sepa_calendar import (
    add_business_days,
    collection_date,
    earliest_collection_date,
    is_target2_business_day,
    planned_collection_date,
    previous_business_day,
    submission_deadline,
    target2_holidays,
)


def test_good_friday_and_easter_monday_2026_are_closed():
    assert not is_target2_business_day(date(2026, 4, 3))
    assert not is_target2_business_day(date(2026, 4, 6))


def test_days_around_easter_2026_are_open():
    assert is_target2_business_day(date(2026, 4, 2))
    assert is_target2_business_day(date(2026, 4, 7))


def test_christmas_and_boxing_day_are_closed_but_christmas_eve_is_open():
    assert not is_target2_business_day(date(2026, 12, 25))
    assert not is_target2_business_day(date(2026, 12, 26))
    assert is_target2_business_day(date(2026, 12, 24))
    assert is_target2_business_day(date(2026, 12, 31))


def test_new_year_and_labour_day_are_closed():
    assert not is_target2_business_day(date(2027, 1, 1))
    assert not is_target2_business_day(date(2026, 5, 1))


def test_weekends_are_closed():
    assert not is_target2_business_day(date(2026, 3, 7))
    assert not is_target2_business_day(date(2026, 3, 8))
    assert is_target2_business_day(date(2026, 3, 9))


def test_national_holidays_are_business_days():
    # Whit Monday and German Unity Day close banks locally, not TARGET2.
    assert is_target2_business_day(date(2026, 5, 25))
    assert is_target2_business_day(date(2025, 10, 3))


def test_holidays_of_a_year_follow_easter():
    assert target2_holidays(2027) == {
        date(2027, 1, 1),
        date(2027, 3, 26),
        date(2027, 3, 29),
        date(2027, 5, 1),
        date(2027, 12, 25),
        date(2027, 12, 26),
    }


def test_previous_business_day_skips_the_easter_weekend():
    assert previous_business_day(date(2026, 4, 7)) == date(2026, 4, 2)


def test_previous_business_day_of_a_monday_is_the_friday():
    assert previous_business_day(date(2026, 3, 9)) == date(2026, 3, 6)


def test_submission_deadline_is_the_business_day_before_collection():
    assert submission_deadline(date(2026, 3, 11)) == date(2026, 3, 10)


def test_submission_deadline_for_the_tuesday_after_easter_is_maundy_thursday():
    assert submission_deadline(date(2026, 4, 7)) == date(2026, 4, 2)


def test_submission_deadline_after_christmas_is_christmas_eve():
    assert submission_deadline(date(2026, 12, 28)) == date(2026, 12, 24)


def test_submission_deadline_across_new_year_is_in_the_old_year():
    assert submission_deadline(date(2027, 1, 4)) == date(2026, 12, 31)


def test_far_due_date_on_a_business_day_is_kept():
    assert collection_date(date(2026, 5, 15), today=date(2026, 3, 2)) == (
        date(2026, 5, 15)
    )


def test_due_date_on_good_friday_moves_to_the_tuesday_after_easter():
    assert collection_date(date(2026, 4, 3), today=date(2026, 3, 2)) == (
        date(2026, 4, 7)
    )


def test_due_date_on_a_saturday_moves_to_monday():
    assert collection_date(date(2026, 5, 16), today=date(2026, 3, 2)) == (
        date(2026, 5, 18)
    )


def test_due_date_on_christmas_day_moves_to_the_next_monday():
    assert collection_date(date(2026, 12, 25), today=date(2026, 11, 2)) == (
        date(2026, 12, 28)
    )


def test_close_due_date_waits_for_the_14_day_prenotification():
    assert collection_date(date(2026, 3, 5), today=date(2026, 3, 2)) == (
        date(2026, 3, 16)
    )


def test_shorter_contractual_prenotification_is_honoured():
    assert collection_date(
        date(2026, 3, 5), today=date(2026, 3, 2), prenotification_days=2
    ) == date(2026, 3, 5)


def test_without_prenotification_collection_leaves_time_for_d_minus_1():
    # Due today (a Monday): the file can still reach the bank today for Tuesday.
    assert collection_date(
        date(2026, 3, 2), today=date(2026, 3, 2), prenotification_days=0
    ) == date(2026, 3, 3)


def test_negative_prenotification_is_refused():
    with pytest.raises(ValueError, match="0 days or more"):
        collection_date(
            date(2026, 3, 2), today=date(2026, 3, 2), prenotification_days=-1
        )


def test_earliest_collection_landing_on_good_friday_moves_after_easter():
    assert earliest_collection_date(date(2026, 3, 20)) == date(2026, 4, 7)


def test_earliest_collection_landing_on_new_year_moves_to_monday():
    assert earliest_collection_date(date(2026, 12, 18)) == date(2027, 1, 4)


def test_planned_collection_follows_the_latest_of_due_requested_and_retry_dates():
    today = date(2026, 3, 2)
    due, requested, retry = date(2026, 3, 10), date(2026, 3, 25), date(2026, 4, 1)
    assert planned_collection_date([due, None, None], today) == date(2026, 3, 16)
    assert planned_collection_date([due, requested, None], today) == requested
    # Wednesday 1 April: the retry date is a business day after the notice.
    assert planned_collection_date([due, requested, retry], today) == retry


def test_planned_collection_keeps_the_announced_date_while_it_fits():
    due = date(2026, 3, 10)
    announced = date(2026, 3, 16)
    # Told on 2 March; three days later the 14 days would give Thursday 19.
    assert planned_collection_date([due], date(2026, 3, 5), announced=announced) == (
        announced
    )
    # Too late to send the file by D-1 (Friday 13): the next possible day.
    assert planned_collection_date([due], date(2026, 3, 14), announced=announced) == (
        date(2026, 3, 30)
    )


def test_planned_collection_drops_an_announced_date_before_a_later_retry():
    announced = date(2026, 3, 16)
    retry = date(2026, 3, 25)
    assert planned_collection_date(
        [date(2026, 3, 10), retry], date(2026, 3, 5), announced=announced
    ) == date(2026, 3, 25)


def test_module_docstring_examples_hold():
    assert doctest.testmod(sepa_calendar).failed == 0


def test_fifth_business_day_after_a_monday_is_the_next_monday():
    assert add_business_days(date(2026, 3, 2), 5) == date(2026, 3, 9)


def test_business_days_after_skip_the_easter_weekend():
    # Monday 30 March: 31 March, 1 and 2 April, then Good Friday, the weekend and
    # Easter Monday are closed, so the 4th and 5th are Tuesday 7 and Wednesday 8.
    assert add_business_days(date(2026, 3, 30), 5) == date(2026, 4, 8)


def test_business_days_counted_from_a_closed_day_start_after_it():
    # Saturday 7 March: Monday 9 is the first business day after it.
    assert add_business_days(date(2026, 3, 7), 1) == date(2026, 3, 9)
