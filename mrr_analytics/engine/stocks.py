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
