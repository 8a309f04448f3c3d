"""MRR movements per customer and day, and the monthly MRR bridge.

The input is a change log: every row gives a subscription's MRR (company currency)
and freemium state after a change. Customer MRR on a day is the sum of the latest MRR
of each of its subscriptions at the end of that day; a movement is the difference
between two consecutive days of one customer, classified as in ``doc/METRICS.md``.
"""

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from itertools import groupby
from typing import NamedTuple

ZERO = Decimal(0)
MOVEMENT_TYPES = ("new", "expansion", "contraction", "churn", "reactivation")
FREE_TO_PAID_CHOICES = ("reactivation", "new")


class Change(NamedTuple):
    """A subscription's state after one change of the log."""

    customer: Hashable
    subscription: Hashable
    day: date
    mrr: Decimal
    free: bool
    # Not the customer's choice: a suspension for non-payment, a cancellation for a
    # reason marked involuntary.
    involuntary: bool = False


class Movement(NamedTuple):
    """The net change of one customer's MRR on one day."""

    customer: Hashable
    day: date
    movement_type: str
    amount: Decimal
    mrr_before: Decimal
    mrr_after: Decimal
    # A loss (churn or contraction) caused by an involuntary change of that day.
    involuntary: bool = False


class BridgeRow(NamedTuple):
    """One month of the MRR bridge; contraction and churn are positive magnitudes."""

    month: date
    mrr_start: Decimal
    new: Decimal
    expansion: Decimal
    reactivation: Decimal
    contraction: Decimal
    churn: Decimal
    mrr_end: Decimal
    customers_end: int


def first_of_month(day: date) -> date:
    """Return the first day of the month of ``day``."""
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    """Return the first of the month ``count`` months (may be < 0) after ``month``."""
    year, index = divmod(month.year * 12 + month.month - 1 + count, 12)
    return date(year, index + 1, 1)


def normalize_months(months: Iterable[date]) -> list[date]:
    """Return the distinct months of ``months`` (any day of each) as sorted firsts."""
    return sorted({first_of_month(month) for month in months})


def _classify(before, after, paid_before, free_before, free_to_paid):
    if before > 0:
        if after == 0:
            return "churn"
        return "expansion" if after > before else "contraction"
    if paid_before or (free_before and free_to_paid == "reactivation"):
        return "reactivation"
    return "new"


def compute_movements(
    changes: Iterable[Change], free_to_paid: str = "reactivation"
) -> list[Movement]:
    """Return the movements produced by a change log, ordered by day.

    Changes are sorted once by day (stable, so changes of one subscription on one
    day apply in the given order and the last one wins), then read in a single pass
    that keeps each subscription's latest state and each customer's MRR in dicts: the
    cost is the sort plus constant work per change. All changes of one customer on one
    day net into one movement, and none is emitted when the customer's MRR ends the
    day unchanged.

    A customer going from 0 to a positive MRR is a reactivation when it had a positive
    MRR at the end of any earlier day, or when it was on a freemium plan at the end of
    the previous day and ``free_to_paid`` is ``"reactivation"`` (with ``"new"`` that
    case is new); otherwise it is new, which includes a trial converting to paid.
    A subscription whose customer changes moves its MRR from the old customer to the
    new one. A loss is involuntary when an involuntary change of the customer made
    it that day (a suspension for non-payment, a cancellation for an involuntary
    reason); gains never are.
    """
    if free_to_paid not in FREE_TO_PAID_CHOICES:
        raise ValueError(
            "free_to_paid must be one of %s, not %r"
            % (FREE_TO_PAID_CHOICES, free_to_paid)
        )
    subscriptions = {}
    customer_mrr = defaultdict(Decimal)
    customer_free = Counter()
    paid_customers = set()
    movements = []
    for day, day_changes in groupby(
        sorted(changes, key=lambda c: c.day), lambda c: c.day
    ):
        before = {}
        involuntary = set()
        for change in day_changes:
            if change.mrr < 0:
                raise ValueError(
                    "MRR of subscription %r on %s is negative: %s"
                    % (change.subscription, day, change.mrr)
                )
            previous = subscriptions.get(change.subscription)
            touched = ((previous[0],) if previous else ()) + (change.customer,)
            for customer in touched:
                before.setdefault(
                    customer, (customer_mrr[customer], customer_free[customer] > 0)
                )
            if previous:
                old_customer, old_mrr, old_free = previous
                customer_mrr[old_customer] -= old_mrr
                customer_free[old_customer] -= old_free
            free = bool(change.free)
            if change.involuntary:
                involuntary.add(change.customer)
            customer_mrr[change.customer] += change.mrr
            customer_free[change.customer] += free
            subscriptions[change.subscription] = (change.customer, change.mrr, free)
        for customer, (mrr_before, free_before) in before.items():
            mrr_after = customer_mrr[customer]
            if mrr_after == mrr_before:
                continue
            movement_type = _classify(
                mrr_before,
                mrr_after,
                customer in paid_customers,
                free_before,
                free_to_paid,
            )
            movements.append(
                Movement(
                    customer,
                    day,
                    movement_type,
                    mrr_after - mrr_before,
                    mrr_before,
                    mrr_after,
                    customer in involuntary and mrr_after < mrr_before,
                )
            )
            if mrr_after > 0:
                paid_customers.add(customer)
    return movements


def month_end_mrr(
    movements: Iterable[Movement],
    months: Iterable[date],
    opening: Mapping[Hashable, Decimal] | None = None,
) -> dict[date, dict[Hashable, Decimal]]:
    """Return, for each month, the MRR of each paying customer at the end of that month.

    Customers whose MRR is 0 at that month end are left out, so the length of a month's
    dict is its number of paying customers. ``opening`` is the customers' MRR before the
    first movement (empty when the movements start from the beginning of the log).
    One sort of the movements, then a single pass that snapshots the running state at
    each month end.
    """
    state = {customer: mrr for customer, mrr in (opening or {}).items() if mrr > 0}
    ordered = sorted(movements, key=lambda movement: movement.day)
    position = 0
    result = {}
    for month in normalize_months(months):
        end = add_months(month, 1)
        while position < len(ordered) and ordered[position].day < end:
            movement = ordered[position]
            if movement.mrr_after > 0:
                state[movement.customer] = movement.mrr_after
            else:
                state.pop(movement.customer, None)
            position += 1
        result[month] = dict(state)
    return result


def month_bridge(
    movements: Iterable[Movement],
    months: Iterable[date],
    opening: Mapping[Hashable, Decimal] | None = None,
) -> list[BridgeRow]:
    """Return the MRR bridge of each month, oldest first.

    MRR at the start and at the end of a month are read from the customers' states,
    and the flows are the sums of the month's movement amounts, so
    ``mrr_start + new + expansion + reactivation - contraction - churn == mrr_end``
    holds exactly whenever the movements chain (each ``mrr_before`` is the customer's
    previous ``mrr_after``), as those of :func:`compute_movements` do.
    """
    movements = list(movements)
    months = normalize_months(months)
    previous = [add_months(month, -1) for month in months]
    states = month_end_mrr(movements, months + previous, opening)
    flows = {month: dict.fromkeys(MOVEMENT_TYPES, ZERO) for month in months}
    for movement in movements:
        month_flows = flows.get(first_of_month(movement.day))
        if month_flows is not None:
            month_flows[movement.movement_type] += movement.amount
    rows = []
    for month, previous_month in zip(months, previous, strict=True):
        month_flows = flows[month]
        end_state = states[month]
        rows.append(
            BridgeRow(
                month=month,
                mrr_start=sum(states[previous_month].values(), ZERO),
                new=month_flows["new"],
                expansion=month_flows["expansion"],
                reactivation=month_flows["reactivation"],
                contraction=-month_flows["contraction"],
                churn=-month_flows["churn"],
                mrr_end=sum(end_state.values(), ZERO),
                customers_end=len(end_state),
            )
        )
    return rows
