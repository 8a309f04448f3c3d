"""Monthly SaaS rates (churn, retention, quick ratio, ARPA, ARR, LTV) from movements."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from .movements import (
    ZERO,
    Movement,
    add_months,
    month_bridge,
    month_end_mrr,
    normalize_months,
)


class RateRow(NamedTuple):
    """The rates of one month; ratios are plain (0.5, not 50), None when undefined."""

    month: date
    customer_churn: Decimal | None
    gross_mrr_churn: Decimal | None
    net_mrr_churn: Decimal | None
    nrr: Decimal | None
    grr: Decimal | None
    quick_ratio: Decimal | None
    arpa: Decimal | None
    arr: Decimal
    ltv: Decimal | None


def _ratio(numerator, denominator):
    """Return numerator / denominator, or None when the denominator is 0 or None."""
    if numerator is None or not denominator:
        return None
    return Decimal(numerator) / Decimal(denominator)


def monthly_rates(
    movements: Iterable[Movement], months: Iterable[date]
) -> list[RateRow]:
    """Return the rates of each month, oldest first, as defined in ``doc/METRICS.md``.

    C0 is the set of customers with MRR > 0 at the end of the previous month and
    MRR_start their total. Customer churn is the share of C0 with MRR 0 at the end of
    the month; gross and net MRR churn use the month's bridge flows over MRR_start;
    NRR and GRR follow the C0 customers only. ARPA divides MRR_end by the paying
    customers at the end, ARR is 12 times MRR_end and LTV is ARPA over customer churn.
    Every rate whose denominator is 0 is None, never 0.
    """
    movements = list(movements)
    months = normalize_months(months)
    previous = [add_months(month, -1) for month in months]
    states = month_end_mrr(movements, months + previous)
    rows = []
    for bridge, previous_month in zip(
        month_bridge(movements, months), previous, strict=True
    ):
        start_state = states[previous_month]
        end_state = states[bridge.month]
        mrr_start = bridge.mrr_start
        churned = sum(1 for customer in start_state if customer not in end_state)
        retained = sum(
            (end_state.get(customer, ZERO) for customer in start_state), ZERO
        )
        kept = sum(
            (
                min(end_state.get(customer, ZERO), mrr)
                for customer, mrr in start_state.items()
            ),
            ZERO,
        )
        lost = bridge.churn + bridge.contraction
        gained = bridge.new + bridge.expansion + bridge.reactivation
        customer_churn = _ratio(churned, len(start_state))
        arpa = _ratio(bridge.mrr_end, bridge.customers_end)
        rows.append(
            RateRow(
                month=bridge.month,
                customer_churn=customer_churn,
                gross_mrr_churn=_ratio(lost, mrr_start),
                net_mrr_churn=_ratio(
                    lost - bridge.expansion - bridge.reactivation, mrr_start
                ),
                nrr=_ratio(retained, mrr_start),
                grr=_ratio(kept, mrr_start),
                quick_ratio=_ratio(gained, lost),
                arpa=arpa,
                arr=12 * bridge.mrr_end,
                ltv=_ratio(arpa, customer_churn),
            )
        )
    return rows
