"""TARGET2 business days and the dates of a SEPA Direct Debit collection.

TARGET2 is closed on Saturdays, Sundays, 1 January, Good Friday, Easter Monday, 1 May,
25 and 26 December. A collection is requested for a TARGET2 business day D and the file
must reach the creditor's bank by D-1, the TARGET2 business day before (SDD Core and B2B
since 2016, first collections included).

>>> collection_date(date(2026, 4, 3), today=date(2026, 3, 1))  # Good Friday
datetime.date(2026, 4, 7)
>>> submission_deadline(date(2026, 4, 7))  # the Thursday before Easter
datetime.date(2026, 4, 2)
"""

import functools
from datetime import date, timedelta

from dateutil.easter import easter

PRENOTIFICATION_DAYS = 14

_ONE_DAY = timedelta(days=1)


@functools.lru_cache(maxsize=64)
def target2_holidays(year: int) -> frozenset[date]:
    """Return the TARGET2 holidays of ``year``; weekends are closed besides them."""
    easter_sunday = easter(year)
    return frozenset(
        {
            date(year, 1, 1),
            easter_sunday - 2 * _ONE_DAY,
            easter_sunday + _ONE_DAY,
            date(year, 5, 1),
            date(year, 12, 25),
            date(year, 12, 26),
        }
    )


def is_target2_business_day(day: date) -> bool:
    """Return whether TARGET2 settles payments on ``day``."""
    return day.weekday() < 5 and day not in target2_holidays(day.year)


def previous_business_day(day: date) -> date:
    """Return the last TARGET2 business day strictly before ``day``."""
    day -= _ONE_DAY
    while not is_target2_business_day(day):
        day -= _ONE_DAY
    return day


def business_day_on_or_after(day: date) -> date:
    """Return the first TARGET2 business day on or after ``day``."""
    while not is_target2_business_day(day):
        day += _ONE_DAY
    return day


def add_business_days(day: date, count: int) -> date:
    """Return the ``count``-th TARGET2 business day after ``day`` (``count`` ≥ 1).

    >>> add_business_days(date(2026, 4, 2), 1)  # Maundy Thursday: Tuesday after Easter
    datetime.date(2026, 4, 7)
    """
    for _step in range(count):
        day = business_day_on_or_after(day + _ONE_DAY)
    return day


def submission_deadline(collection_day: date) -> date:
    """Return D-1, the TARGET2 business day before ``collection_day``.

    A file requesting collection on ``collection_day`` must reach the bank by then.
    """
    return previous_business_day(collection_day)


def collection_date(
    due_date: date, today: date, prenotification_days: int = PRENOTIFICATION_DAYS
) -> date:
    """Return the date to request in the file for an invoice due on ``due_date``.

    It is the first TARGET2 business day on or after both ``due_date`` and
    ``today + prenotification_days``. The date moves forward, never back: collecting
    before the due date or before the pre-notification period ends would breach the
    debtor's rights, while a collection a few days late only delays the creditor. It
    also moves forward until its D-1 submission deadline is not in the past, so that a
    file built ``today`` can still be sent on time even with a short pre-notification.

    :raises ValueError: if ``prenotification_days`` is negative.
    """
    if prenotification_days < 0:
        raise ValueError(
            "The pre-notification period must be 0 days or more, "
            f"got {prenotification_days}."
        )
    day = business_day_on_or_after(
        max(due_date, today + timedelta(days=prenotification_days))
    )
    while submission_deadline(day) < today:
        day = business_day_on_or_after(day + _ONE_DAY)
    return day


def earliest_collection_date(
    today: date, prenotification_days: int = PRENOTIFICATION_DAYS
) -> date:
    """Return the earliest collection date for a pre-notification sent ``today``.

    It is ``collection_date`` of an invoice already due.
    """
    return collection_date(today, today, prenotification_days)


def planned_collection_date(
    due_dates: list[date | None],
    today: date,
    prenotification_days: int = PRENOTIFICATION_DAYS,
    announced: date | None = None,
) -> date:
    """Return the date to request in the file for a debit collected no earlier than
    any of ``due_dates`` (the invoice's due date, the collection date the creditor
    asks for, the date a retry is allowed from; ``None`` ones do not count).

    It is ``collection_date`` of the latest of them, unless the customer was told
    ``announced`` in a pre-notification and that date still fits: not before those
    dates, a business day whose D-1 has not passed. Keeping it respects the notice
    the customer was given, even when the pre-notification period has shrunk since.

    >>> planned_collection_date([date(2026, 3, 10), None], today=date(2026, 3, 2))
    datetime.date(2026, 3, 16)
    >>> planned_collection_date(
    ...     [date(2026, 3, 10)], today=date(2026, 3, 5), announced=date(2026, 3, 16)
    ... )
    datetime.date(2026, 3, 16)

    :raises ValueError: if ``prenotification_days`` is negative.
    """
    due = max(day for day in due_dates if day)
    planned = collection_date(due, today, prenotification_days)
    if (
        announced
        and due <= announced
        and collection_date(announced, today, 0) == announced
    ):
        return announced
    return planned
