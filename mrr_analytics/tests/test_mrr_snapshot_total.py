from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import APR, FEB, JAN, MAR, MrrCommon

MEASURES = ["mrr:sum", "arr:sum", "customer_count:sum"]


@tagged("post_install", "-at_install")
class TestMrrSnapshotTotal(MrrCommon):
    """The monthly totals and cohort changes kept with the snapshots and movements."""

    def _play_with_seats(self):
        subs = self._play_worked_example()
        with freeze_time("2026-03-20"):
            subs["A"].write(
                {
                    "line_ids": [
                        Command.create(
                            {"product_id": self.product_seat.id, "quantity": 2}
                        )
                    ]
                }
            )
        return subs

    def test_totals_follow_each_change(self):
        self._play_with_seats()
        with freeze_time("2026-04-10"):
            self.assertEqual(
                self.env["mrr.snapshot"]._compare_with_rebuild(self.env.company), []
            )

    def test_cohort_changes_add_up_to_each_cohort_at_each_month_end(self):
        self._play_worked_example()
        # Month ends of the worked example (doc/METRICS.md), by cohort, the month of
        # the customer's first paid MRR: January A 30 and B 100; February A 50 (Pro
        # from the 15th), B 100, C 30 (paid after its trial), E 52 (weekly 12 × 52 /
        # 12); March A 50 (its move to Basic waits for the period end), C 30, D 30
        # (free, then Basic on the 10th), B and E 0 (cancelled, paused); April A 30,
        # C 30, D 30, E 52 (resumed). Cohorts: January A, B; February C, E; March D.
        expected = {
            (JAN, JAN): (2, 130.0),
            (JAN, FEB): (2, 150.0),
            (JAN, MAR): (1, 50.0),
            (JAN, APR): (1, 30.0),
            (FEB, FEB): (2, 82.0),
            (FEB, MAR): (1, 30.0),
            (FEB, APR): (2, 82.0),
            (MAR, MAR): (1, 30.0),
            (MAR, APR): (1, 30.0),
        }
        changes = self.env["mrr.cohort.change"].search(
            [("company_id", "=", self.env.company.id), ("month", "<=", APR)],
            order="cohort_month, month",
        )
        stocks, running = {}, {}
        for month in (JAN, FEB, MAR, APR):
            for change in changes.filtered(lambda c, m=month: c.month == m):
                customers, mrr = running.get(change.cohort_month, (0, 0.0))
                running[change.cohort_month] = (
                    customers + change.customers,
                    mrr + change.mrr,
                )
            for cohort, stock in running.items():
                stocks[cohort, month] = stock
        self.assertEqual(stocks, expected)

    def test_cohort_changes_hold_what_each_month_won_shrunk_and_churned(self):
        self._play_worked_example()
        # From the month ends above: January wins A 30 and B 100; February C 30 and
        # E 52; March D 30, while B (100) and E (52) stop paying; April wins E 52
        # back and A pays 20 less.
        expected = [
            (JAN, 130.0, 0.0, 0),
            (FEB, 82.0, 0.0, 0),
            (MAR, 30.0, 152.0, 2),
            (APR, 52.0, 20.0, 0),
        ]
        months = self.env["mrr.cohort.change"]._read_group(
            [("company_id", "=", self.env.company.id), ("month", "<=", APR)],
            ["month:month"],
            ["mrr_won:sum", "mrr_shrunk:sum", "customers_churned:sum"],
            order="month:month",
        )
        self.assertEqual(months, expected)

    def test_pivot_reads_from_totals_equal_reads_of_the_lines(self):
        self._play_with_seats()
        Snapshot = self.env["mrr.snapshot"]
        Lines = Snapshot.with_context(mrr_snapshot_lines=True)
        cases = [
            ([], ["month:month", "plan_id"]),
            ([], ["plan_id"]),
            ([], []),
            ([], ["month:quarter", "product_id"]),
            ([], ["country_id", "user_id", "subscription_currency_id"]),
            ([("plan_id", "=", self.plan_pro.id)], ["month:month"]),
            ([("month", ">=", FEB), ("plan_id.name", "!=", "x")], ["month:year"]),
            # Not answered by the totals: per customer.
            ([], ["month:month", "partner_id"]),
            ([("partner_id", "!=", False)], ["plan_id"]),
        ]
        for domain, groupby in cases:
            with self.subTest(domain=domain, groupby=groupby):
                totals = Snapshot.read_group(domain, MEASURES, groupby, lazy=False)
                self.assertTrue(totals)
                self.assertEqual(
                    totals, Lines.read_group(domain, MEASURES, groupby, lazy=False)
                )

    def test_a_pivot_by_month_and_plan_sums_the_customers(self):
        self._play_worked_example()
        pivot = self.env["mrr.snapshot"].read_group(
            [("month", "=", date(2026, 1, 1))],
            MEASURES,
            ["month:month", "plan_id"],
            lazy=False,
        )
        self.assertEqual(
            {group["plan_id"][0]: group["customer_count"] for group in pivot},
            {self.plan_annual.id: 1, self.plan_basic.id: 1},
        )
