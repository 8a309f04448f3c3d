"""Cohort retention: customers grouped by the month of their first paid MRR."""

from bisect import bisect_left
from collections.abc import Hashable, Iterable
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from .movements import (
    ZERO,
    Movement,
    add_months,
    first_of_month,
    month_end_mrr,
    normalize_months,
)


class CohortCell(NamedTuple):
    """A cohort seen at the end of one month, ``offset`` months after its own."""

    offset: int
    month: date
    customers: int
    customer_retention: Decimal
    mrr: Decimal
    mrr_retention: Decimal | None
    # The members not paying at the month end, by the cause of their last churn, and
    # the MRR those churns took away.
    customers_lost_voluntary: int = 0
    customers_lost_involuntary: int = 0
    mrr_lost_voluntary: Decimal = ZERO
    mrr_lost_involuntary: Decimal = ZERO


class CohortRow(NamedTuple):
    """A cohort: its month, members, MRR at the end of that month and its retention."""

    month: date
    size: int
    customers: frozenset[Hashable]
    mrr_first_month: Decimal
    cells: tuple[CohortCell, ...]


def _month_offset(start: date, month: date) -> int:
    return (month.year - start.year) * 12 + month.month - start.month


def first_paid_months(movements: Iterable[Movement]) -> dict[Hashable, date]:
    """Return the month of each customer's first movement to a positive MRR."""
    first = {}
    for movement in sorted(movements, key=lambda movement: movement.day):
        if movement.mrr_after > 0 and movement.customer not in first:
            first[movement.customer] = first_of_month(movement.day)
    return first


def histories(movements: Iterable[Movement]) -> dict[Hashable, list[Movement]]:
    """Return each customer's movements, oldest first."""
    result = {}
    for movement in sorted(movements, key=lambda movement: movement.day):
        result.setdefault(movement.customer, []).append(movement)
    return result


def last_churns(
    history: dict[Hashable, list[Movement]], customers: Iterable[Hashable], month: date
) -> list[Movement]:
    """Return, for each of ``customers`` paying nothing at the end of ``month``, its
    last movement by then: the churn that lost it. ``history`` is :func:`histories`.

    >>> jan, feb = date(2026, 1, 1), date(2026, 2, 1)
    >>> g = [
    ...     Movement("G", date(2026, 1, 5), "new", 30, 0, 30),
    ...     Movement("G", date(2026, 2, 12), "churn", -30, 30, 0, True),
    ...     Movement("G", date(2026, 3, 2), "reactivation", 30, 0, 30),
    ... ]
    >>> last_churns(histories(g), ["G"], jan)
    []
    >>> [(m.day.isoformat(), m.involuntary) for m in last_churns(histories(g), "G", feb)]
    [('2026-02-12', True)]
    >>> last_churns(histories(g), ["G"], date(2026, 3, 1))
    []
    """
    end = add_months(first_of_month(month), 1)
    churns = []
    for customer in customers:
        moves = history.get(customer, [])
        index = bisect_left([movement.day for movement in moves], end) - 1
        if index >= 0 and moves[index].mrr_after == 0:
            churns.append(moves[index])
    return churns


def cohorts(movements: Iterable[Movement], months: Iterable[date]) -> list[CohortRow]:
    """Return the cohorts whose month is one of ``months``, oldest first.

    A customer belongs to the cohort of the month of its first paid MRR. Each cohort has
    one cell per month of ``months`` from its own month on: the members with MRR > 0 at
    that month end, that count over the cohort size, their MRR and that MRR over the
    cohort's MRR at the end of its first month (None when that MRR is 0), and the
    members not paying by the cause of their last churn, voluntary or involuntary
    (``Movement.involuntary``), with the MRR those churns took away: retained and
    lost customers add up to the cohort's size.
    """
    movements = list(movements)
    history = histories(movements)
    months = normalize_months(months)
    states = month_end_mrr(movements, months)
    members = {}
    for customer, month in first_paid_months(movements).items():
        members.setdefault(month, set()).add(customer)
    rows = []
    for cohort_month in months:
        cohort = members.get(cohort_month)
        if not cohort:
            continue
        size = len(cohort)
        mrr_first_month = sum(
            (states[cohort_month].get(customer, ZERO) for customer in cohort), ZERO
        )
        cells = []
        for month in months:
            if month < cohort_month:
                continue
            state = states[month]
            paying = [customer for customer in cohort if customer in state]
            mrr = sum((state[customer] for customer in paying), ZERO)
            lost = last_churns(history, cohort - set(paying), month)
            voluntary = [m for m in lost if not m.involuntary]
            involuntary = [m for m in lost if m.involuntary]
            cells.append(
                CohortCell(
                    offset=_month_offset(cohort_month, month),
                    month=month,
                    customers=len(paying),
                    customer_retention=Decimal(len(paying)) / size,
                    mrr=mrr,
                    mrr_retention=mrr / mrr_first_month if mrr_first_month else None,
                    customers_lost_voluntary=len(voluntary),
                    customers_lost_involuntary=len(involuntary),
                    mrr_lost_voluntary=-sum((m.amount for m in voluntary), ZERO),
                    mrr_lost_involuntary=-sum((m.amount for m in involuntary), ZERO),
                )
            )
        rows.append(
            CohortRow(
                month=cohort_month,
                size=size,
                customers=frozenset(cohort),
                mrr_first_month=mrr_first_month,
                cells=tuple(cells),
            )
        )
    return rows
