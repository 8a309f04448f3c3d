"""Cohort retention: customers grouped by the month of their first paid MRR."""

from collections.abc import Hashable, Iterable
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from .movements import ZERO, Movement, first_of_month, month_end_mrr, normalize_months


class CohortCell(NamedTuple):
    """A cohort seen at the end of one month, ``offset`` months after its own."""

    offset: int
    month: date
    customers: int
    customer_retention: Decimal
    mrr: Decimal
    mrr_retention: Decimal | None


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


def cohorts(movements: Iterable[Movement], months: Iterable[date]) -> list[CohortRow]:
    """Return the cohorts whose month is one of ``months``, oldest first.

    A customer belongs to the cohort of the month of its first paid MRR. Each cohort has
    one cell per month of ``months`` from its own month on: the members with MRR > 0 at
    that month end, that count over the cohort size, their MRR and that MRR over the
    cohort's MRR at the end of its first month (None when that MRR is 0).
    """
    movements = list(movements)
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
            cells.append(
                CohortCell(
                    offset=_month_offset(cohort_month, month),
                    month=month,
                    customers=len(paying),
                    customer_retention=Decimal(len(paying)) / size,
                    mrr=mrr,
                    mrr_retention=mrr / mrr_first_month if mrr_first_month else None,
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
