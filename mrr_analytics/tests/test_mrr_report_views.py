from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import MrrCommon

# The domain of the search panel's "2026" filter on the month.
YEAR_2026 = ["&", ("month", ">=", "2026-01-01"), ("month", "<=", "2026-12-31")]
SNAPSHOT_MEASURES = ["mrr:sum", "arr:sum", "customer_count:sum", "__count"]


def read_default_pivot(model, domain, extra_measures=()):
    """Read the default pivot view of ``model`` as the web client does: its measures
    with their fields' aggregators, for the total, the rows, the columns and the cells.

    Returns {groupby: groups}, the groupby being "total", "rows", "columns" or
    "cells".
    """
    arch = etree.fromstring(
        model.get_views([(False, "pivot")])["views"]["pivot"]["arch"]
    )
    fields = model.fields_get(attributes=["aggregator"])

    def specs(kind):
        return [
            ":".join(filter(None, [node.get("name"), node.get("interval")]))
            for node in arch.xpath(f"//field[@type='{kind}']")
        ]

    measures = [
        f"{name}:{fields[name]['aggregator']}"
        for name in specs("measure") + list(extra_measures)
    ]
    rows, columns = specs("row"), specs("col")
    return {
        name: model.read_group(domain, measures, groupby, lazy=False)
        for name, groupby in [
            ("total", []),
            ("rows", rows),
            ("columns", columns),
            ("cells", rows + columns),
        ]
    }


class MrrYearCommon(MrrCommon):
    """The worked example, with the months of its year up to December."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._play_worked_example(cls)
        # The daily rebuild of December brings the months of the year up to December.
        with freeze_time("2026-12-15"):
            cls.env["mrr.movement"]._rebuild(cls.env.company)


@tagged("post_install", "-at_install")
class TestMrrPivotTotals(MrrYearCommon):
    """Totals of the analytics pivots over several months, read as the pivot asks."""

    def _pivot(self, model, measures, groupby, domain=None):
        return self.env[model].read_group(
            YEAR_2026 if domain is None else domain, measures, groupby, lazy=False
        )

    def test_snapshot_total_of_a_year_is_the_mrr_of_december(self):
        # Nothing moves after April: December holds A 30 + C 30 + D 30 + E 52 = 142
        # MRR, ARR 12 × 142 = 1704, 4 customers. The sum of the twelve months would
        # be 130 + 232 + 110 + 9 × 142 = 1750.
        [total] = self._pivot("mrr.snapshot", SNAPSHOT_MEASURES, [])
        self.assertEqual(
            (total["mrr"], total["arr"], total["customer_count"]), (142.0, 1704.0, 4)
        )

    def test_snapshot_row_totals_per_plan_are_those_of_december(self):
        per_plan = {
            group["plan_id"][0]: (group["mrr"], group["customer_count"])
            for group in self._pivot("mrr.snapshot", SNAPSHOT_MEASURES, ["plan_id"])
        }
        december = {
            group["plan_id"][0]: (group["mrr"], group["customer_count"])
            for group in self._pivot(
                "mrr.snapshot",
                SNAPSHOT_MEASURES,
                ["plan_id"],
                [("month", "=", date(2026, 12, 1))],
            )
        }
        # A plan that holds nothing in December (Annual: B churned in March) totals
        # 0 over the year, not its earlier months added up.
        self.assertIn(self.plan_annual.id, per_plan)
        self.assertEqual(
            per_plan, {plan: december.get(plan, (0.0, 0)) for plan in per_plan}
        )
        self.assertEqual(sum(mrr for mrr, _count in per_plan.values()), 142.0)

    def test_snapshot_quarters_show_their_last_month(self):
        # Q1 shows March's 110 (A on Pro 50 + C 30 + D 30; B churned on the 31st, E
        # paused); Q2 to Q4 show June, September and December: 142.
        quarters = self._pivot("mrr.snapshot", SNAPSHOT_MEASURES, ["month:quarter"])
        self.assertEqual(
            [(group["month:quarter"], group["mrr"]) for group in quarters],
            [
                ("Q1 2026", 110.0),
                ("Q2 2026", 142.0),
                ("Q3 2026", 142.0),
                ("Q4 2026", 142.0),
            ],
        )

    def test_cohort_pivot_totals_are_those_of_the_last_month_of_each_cohort(self):
        # Cohorts: January {A, B}, February {C, E}, March {D}. In December A, C, D
        # and E pay: the January row shows 1 of 2 (50 %), not the average of its
        # twelve months (2 + 10 × 0.5) / 12 = 58.33 %; February 2 of 2, March 1 of 1.
        # The column "1 month after" holds each cohort once: January 2 of 2 in
        # February, February 1 of 2 in March (E paused), March 1 of 1 in April:
        # 4 of 5 = 80 %, where the average of the three rates is 83.33 %. The total
        # is December's 4 of the 5 customers.
        pivot = read_default_pivot(
            self.env["mrr.cohort"],
            [
                ("cohort_month", ">=", "2026-01-01"),
                ("cohort_month", "<=", "2026-12-31"),
                ("company_id", "=", self.env.company.id),
            ],
            extra_measures=["customers", "cohort_size"],
        )
        shown = {
            name: [
                (
                    group.get("cohort_month:month", group.get("months_since_start")),
                    round(group["customer_retention"], 4),
                    group["customers"],
                    group["cohort_size"],
                )
                for group in groups
            ]
            for name, groups in pivot.items()
            if name != "cells"
        }
        self.assertEqual(shown["total"], [(None, 0.8, 4, 5)])
        self.assertEqual(
            shown["rows"],
            [
                ("January 2026", 0.5, 1, 2),
                ("February 2026", 1.0, 2, 2),
                ("March 2026", 1.0, 1, 1),
            ],
        )
        self.assertEqual(
            shown["columns"][:3], [(0, 1.0, 5, 5), (1, 0.8, 4, 5), (2, 0.8, 4, 5)]
        )

    def test_metrics_total_of_a_year_bridges_january_to_december(self):
        # MRR start of the year is January's (0), MRR end December's (142); the flows
        # add up: new 130 + 82 = 212, expansion 20, reactivation 30 + 52 = 82,
        # contraction 20, churn 152; 0 + 212 + 20 + 82 - 20 - 152 = 142.
        measures = [
            "mrr_start:sum",
            "new:sum",
            "expansion:sum",
            "reactivation:sum",
            "contraction:sum",
            "churn:sum",
            "mrr_end:sum",
            "customers_end:sum",
            "arr:sum",
            "arpa:avg",
        ]
        [total] = self._pivot(
            "mrr.metric",
            measures,
            [],
            YEAR_2026 + [("company_id", "=", self.env.company.id)],
        )
        self.assertEqual(
            [total[spec.split(":")[0]] for spec in measures],
            [0.0, 212.0, 20.0, 82.0, 20.0, 152.0, 142.0, 4, 1704.0, 35.5],
        )


@tagged("post_install", "-at_install")
class TestMrrDefaultPivots(MrrCommon):
    """The default pivots over a year of one customer paying 10 000 a month."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        plan = cls._create_plan("Enterprise", "ENT", cls.product_pro, 10_000.0)
        with freeze_time("2026-01-01"):
            cls._subscription(plan, start=date(2026, 1, 1)).action_start()
        with freeze_time("2026-12-15"):
            cls.env["mrr.movement"]._rebuild(cls.env.company)

    def test_snapshot_pivot_of_a_year_totals_one_month(self):
        # 12 months of 10 000 MRR: the total is 10 000 MRR, 120 000 ARR and one
        # customer, not 120 000 MRR and 12 customers; each month row shows the same.
        pivot = read_default_pivot(
            self.env["mrr.snapshot"],
            YEAR_2026 + [("company_id", "=", self.env.company.id)],
        )
        [total] = pivot["total"]
        self.assertEqual(
            (total["mrr"], total["arr"], total["customer_count"]),
            (10_000.0, 120_000.0, 1),
        )
        self.assertEqual(len(pivot["rows"]), 12)
        self.assertEqual({group["mrr"] for group in pivot["rows"]}, {10_000.0})

    def test_metrics_pivot_of_a_year_totals_one_month(self):
        # The same year read by month in the metrics: MRR at the end 10 000, ARR
        # 120 000, ARPA 10 000; net new MRR adds up: 10 000 in January, then 0.
        metric = self.env["mrr.metric"]
        [total] = metric.read_group(
            YEAR_2026 + [("company_id", "=", self.env.company.id)],
            ["mrr_end:sum", "arr:sum", "arpa:avg", "net_new_mrr:sum"],
            [],
            lazy=False,
        )
        self.assertEqual(
            (total["mrr_end"], total["arr"], total["arpa"], total["net_new_mrr"]),
            (10_000.0, 120_000.0, 10_000.0, 10_000.0),
        )


@tagged("post_install", "-at_install")
class TestMrrMovementGraph(MrrYearCommon):
    """The movements graph, read as the graph view asks: every month of the range."""

    def test_movement_graph_shows_every_month_of_the_range(self):
        # The "2026" filter on the date; the graph asks for empty months to be filled.
        domain = ["&", ("date", ">=", "2026-01-01"), ("date", "<=", "2026-12-31")]
        groups = (
            self.env["mrr.movement"]
            .with_context(fill_temporal=True)
            .web_read_group(
                domain, ["amount:sum"], ["month:month", "movement_type"], lazy=False
            )["groups"]
        )
        months = list(dict.fromkeys(group["month:month"] for group in groups))
        self.assertEqual(
            months,
            [
                f"{name} 2026"
                for name in [
                    "January",
                    "February",
                    "March",
                    "April",
                    "May",
                    "June",
                    "July",
                    "August",
                    "September",
                    "October",
                    "November",
                    "December",
                ]
            ],
        )
        # No blank series: every bar is one movement type, and the months after April
        # hold a zero of each type shown.
        self.assertTrue(all(group["movement_type"] for group in groups))
        december = [
            group for group in groups if group["month:month"] == "December 2026"
        ]
        self.assertEqual(
            {group["movement_type"] for group in december},
            {"new", "expansion", "reactivation", "contraction", "churn"},
        )
        self.assertEqual({group["amount"] for group in december}, {0})
        # January to April are those of the bridge: new 130 in January, churn -152 in
        # March.
        amounts = {
            (group["month:month"], group["movement_type"]): group["amount"]
            for group in groups
        }
        self.assertEqual(amounts["January 2026", "new"], 130.0)
        self.assertEqual(amounts["March 2026", "churn"], -152.0)

    def test_movements_come_in_the_order_of_the_month_bridge(self):
        # The pivot's columns and the graph's series follow the order of the groups:
        # growth first (new, expansion, reactivation), then loss (contraction,
        # churn), as in MRR start + new + expansion + reactivation - contraction -
        # churn; not alphabetical (churn, contraction, expansion, new, ...).
        groups = self.env["mrr.movement"].read_group(
            ["&", ("date", ">=", "2026-01-01"), ("date", "<=", "2026-12-31")],
            ["amount:sum"],
            ["movement_type"],
            lazy=False,
        )
        self.assertEqual(
            [group["movement_type"] for group in groups],
            ["new", "expansion", "reactivation", "contraction", "churn"],
        )


@tagged("post_install", "-at_install")
class TestMrrMetricList(MrrCommon):
    """The monthly metrics list: a compact default, rates that are never a false 0."""

    def test_net_new_mrr_of_the_worked_example(self):
        # New + expansion + reactivation - contraction - churn: January 130, February
        # 82 + 20 = 102, March 30 - 152 = -122, April 52 - 20 = 32; each equals MRR end
        # - MRR start of the bridge.
        self._play_worked_example()
        self.assertEqual(
            self._metrics().mapped("net_new_mrr"), [130.0, 102.0, -122.0, 32.0]
        )

    def test_list_shows_the_compact_columns_and_offers_the_rest(self):
        arch = etree.fromstring(
            self.env["mrr.metric"].get_views([(False, "list")])["views"]["list"]["arch"]
        )
        columns = [
            node
            for node in arch.iter("field")
            if node.get("column_invisible") not in ("True", "1")
        ]
        self.assertEqual(
            [node.get("name") for node in columns if not node.get("optional")],
            [
                "month",
                "mrr_end",
                "net_new_mrr",
                "customers_end",
                "customer_churn",
                "nrr",
                "grr",
                "quick_ratio",
                "arpa",
                "ltv",
            ],
        )
        self.assertTrue(
            {"mrr_start", "new", "churn", "arr", "gross_mrr_churn", "net_mrr_churn"}
            <= {node.get("name") for node in columns if node.get("optional") == "hide"}
        )

    def test_undefined_rates_say_why_instead_of_showing_zero(self):
        arch = etree.fromstring(
            self.env["mrr.metric"].get_views([(False, "list")])["views"]["list"]["arch"]
        )
        rates = {
            "customer_churn": "has_customers_start",
            "gross_mrr_churn": "has_customers_start",
            "net_mrr_churn": "has_customers_start",
            "nrr": "has_customers_start",
            "grr": "has_customers_start",
            "quick_ratio": "has_quick_ratio",
            "arpa": "has_arpa",
            "ltv": "has_ltv",
        }
        for name, flag in rates.items():
            with self.subTest(rate=name):
                [node] = arch.xpath(f"//field[@name='{name}']")
                self.assertEqual(node.get("widget"), "mrr_rate")
                self.assertEqual(safe_eval(node.get("options"))["defined"], flag)

    def test_months_read_as_months_not_as_their_first_day(self):
        # A row holds the month's figures at its end: "01/01/2026" would read as
        # the MRR of New Year's Day. Both lists name the month, "January 2026".
        for model, name in [("mrr.metric", "month"), ("mrr.cohort", "cohort_month")]:
            with self.subTest(model=model):
                arch = etree.fromstring(
                    self.env[model].get_views([(False, "list")])["views"]["list"][
                        "arch"
                    ]
                )
                [node] = arch.xpath(f"//field[@name='{name}']")
                self.assertEqual(node.get("widget"), "mrr_month")
