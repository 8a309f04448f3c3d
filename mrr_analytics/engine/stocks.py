"""Stock measures of groups that span several months: one month's value, never a sum.

MRR, ARR, paying customers and ARPA are stocks: a month holds their value at its end,
and twelve months of 10 000 MRR are 10 000 MRR, not 120 000. A group spanning several
months (a quarter, a year, the whole range of a report) shows the value of one month:
the last for a closing stock (MRR at the end), the first for an opening stock (MRR at
the start). Flows (new MRR, churn …) add up over months and are not handled here.
"""

from collections.abc import Hashable, Iterable, Sequence
from datetime import date
from typing import Any

CLOSING = "closing"
OPENING = "opening"
KINDS = (CLOSING, OPENING)


def stock_values(
    rows: Iterable[tuple[Hashable, Hashable, date, Sequence[Any]]],
    kinds: Sequence[str],
) -> dict[Hashable, tuple]:
    """Return, per group, the value of each stock measure over the group's months.

    ``rows`` are ``(key, period, month, values)``: a group, the period it spans (the
    quarter or year it is a part of, or ``None`` for the whole range), one of its
    months and its measures in that month, in the order of ``kinds`` (each
    :data:`CLOSING` or :data:`OPENING`). Every group of one period is read at the same
    month, the last (closing) or first (opening) month of that period found in any of
    the rows: a group without a row in that month has ``None`` there (nothing left,
    not its own last value).

    >>> jan, feb = date(2026, 1, 1), date(2026, 2, 1)
    >>> rows = [
    ...     ("basic", None, jan, (30, 30)),
    ...     ("basic", None, feb, (60, 60)),
    ...     ("pro", None, jan, (50, 50)),
    ... ]
    >>> stock_values(rows, [CLOSING, OPENING])
    {'basic': (60, 30), 'pro': (None, 50)}
    """
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError("stock kinds must be among %s, not %s" % (KINDS, unknown))
    rows = list(rows)
    first, last = {}, {}
    cells = {}
    for key, period, month, values in rows:
        first[period] = min(first.get(period, month), month)
        last[period] = max(last.get(period, month), month)
        cells[key, month] = values
    result = {}
    for key, period, _month, _values in rows:
        if key in result:
            continue
        months = {CLOSING: last[period], OPENING: first[period]}
        result[key] = tuple(
            (cells.get((key, months[kind])) or (None,) * len(kinds))[index]
            for index, kind in enumerate(kinds)
        )
    return result


def cohort_group_values(
    rows: Iterable[tuple[Hashable, Hashable, date, Sequence[Any]]],
) -> dict[Hashable, tuple]:
    """Return, per group of a cohort table, its retained customers and MRR, the size
    and first-month MRR of its cohorts, the two retentions these give, and any further
    stocks of the cells (such as the customers and MRR lost by cause), added up.

    ``rows`` are ``(key, cohort, month, (customers, cohort_size, mrr,
    mrr_first_month, *others))``: one cell of a cohort at the end of one month, in a
    group. The
    retained customers and MRR of a cohort are stocks, so a group spanning several
    months of a cohort (its row of the table, a year) holds them at the group's last
    month of that cohort, never their sum; the cohorts of a group add up (the column
    of "3 months after the start" holds each cohort once). The retentions of a group
    are the ratios of these sums, each cohort weighted by its size; ``None`` when the
    denominator is 0.

    The January cohort of the worked example (A and B) kept both customers in
    January and February and one in March: its row shows March, 50 %, not the
    average of its months. One month later than its cohort, January's cohort kept 2 of
    2 and February's (C and E) 1 of 2: 3 of 4.

    >>> jan, feb, mar = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
    >>> cells = [
    ...     (jan, jan, (2, 2, 130, 130)),
    ...     (jan, feb, (2, 2, 150, 130)),
    ...     (jan, mar, (1, 2, 50, 130)),
    ...     (feb, feb, (2, 2, 82, 82)),
    ...     (feb, mar, (1, 2, 30, 82)),
    ... ]
    >>> rows = [(cohort, cohort, month, values) for cohort, month, values in cells]
    >>> cohort_group_values(rows)[jan]
    (1, 2, 50, 130, 0.5, 0.38461538461538464)
    >>> offset_one = [("+1", jan, feb, cells[1][2]), ("+1", feb, mar, cells[4][2])]
    >>> cohort_group_values(offset_one)["+1"]
    (3, 4, 180, 212, 0.75, 0.8490566037735849)
    """
    latest = {}
    for key, cohort, month, values in rows:
        seen = latest.get((key, cohort))
        if seen is None or month > seen[0]:
            latest[key, cohort] = (month, values)
    sums = {}
    for (key, _cohort), (_month, values) in latest.items():
        total = sums.setdefault(key, [0] * len(values))
        for index, value in enumerate(values):
            total[index] += value or 0
    return {
        key: (
            customers,
            size,
            mrr,
            mrr_first_month,
            customers / size if size else None,
            mrr / mrr_first_month if mrr_first_month else None,
            *others,
        )
        for key, (customers, size, mrr, mrr_first_month, *others) in sums.items()
    }
