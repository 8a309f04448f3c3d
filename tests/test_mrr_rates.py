"""Monthly rates on the worked example, and empty rates on zero denominators."""

from decimal import Decimal

from mrr_example import CHANGES, FEB, JAN, MAR, MONTHS, day

from mrr_analytics.engine.movements import Change, compute_movements
from mrr_analytics.engine.rates import RateRow, monthly_rates

RATIOS = ("customer_churn", "gross_mrr_churn", "net_mrr_churn", "nrr", "grr")
PLACES = {field: Decimal("0.0001") for field in RATIOS} | {
    field: Decimal("0.01") for field in ("quick_ratio", "arpa", "arr", "ltv")
}

# mrr_analytics/doc/METRICS.md rates table: percentages as ratios to 4 decimals, the
# rest to 2 decimals.
EXPECTED = [
    {
        "customer_churn": "0",
        "gross_mrr_churn": "0",
        "net_mrr_churn": "-0.1538",
        "nrr": "1.1538",
        "grr": "1",
        "quick_ratio": None,
        "arpa": "58.00",
        "arr": "2784.00",
        "ltv": None,
    },
    {
        "customer_churn": "0.5",
        "gross_mrr_churn": "0.6552",
        "net_mrr_churn": "0.5259",
        "nrr": "0.3448",
        "grr": "0.3448",
        "quick_ratio": "0.20",
        "arpa": "36.67",
        "arr": "1320.00",
        "ltv": "73.33",
    },
    {
        "customer_churn": "0",
        "gross_mrr_churn": "0.1818",
        "net_mrr_churn": "-0.2909",
        "nrr": "0.8182",
        "grr": "0.8182",
        "quick_ratio": "2.60",
        "arpa": "35.50",
        "arr": "1704.00",
        "ltv": None,
    },
]


def _rounded(row):
    return {
        field: None if value is None else value.quantize(PLACES[field])
        for field, value in row._asdict().items()
        if field in PLACES
    }


def test_worked_example_rates_table():
    rows = monthly_rates(compute_movements(CHANGES), MONTHS)
    assert [row.month for row in rows] == MONTHS
    assert [_rounded(row) for row in rows[1:]] == [
        {
            field: None if value is None else Decimal(value)
            for field, value in month.items()
        }
        for month in EXPECTED
    ]


def test_first_month_without_opening_customers_has_empty_rates():
    january = monthly_rates(compute_movements(CHANGES), MONTHS)[0]
    assert january == RateRow(
        month=JAN,
        customer_churn=None,
        gross_mrr_churn=None,
        net_mrr_churn=None,
        nrr=None,
        grr=None,
        quick_ratio=None,
        arpa=65,
        arr=1560,
        ltv=None,
    )


def test_rates_without_any_movement_are_empty_not_zero():
    row = monthly_rates([], [FEB])[0]
    assert row == RateRow(FEB, None, None, None, None, None, None, None, 0, None)


def test_month_without_churn_has_no_quick_ratio_nor_ltv():
    february = monthly_rates(compute_movements(CHANGES), [FEB])[0]
    assert february.customer_churn == 0
    assert (february.quick_ratio, february.ltv) == (None, None)


def test_month_where_every_customer_churns_has_full_churn_and_no_arpa():
    changes = [
        Change("A", "s1", day(2, 3), Decimal(30), False),
        Change("A", "s1", day(3, 15), Decimal(0), False),
    ]
    march = monthly_rates(compute_movements(changes), [MAR])[0]
    assert (march.customer_churn, march.nrr, march.grr, march.arpa, march.ltv) == (
        1,
        0,
        0,
        None,
        None,
    )
