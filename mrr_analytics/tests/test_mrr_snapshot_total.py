from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import FEB, MrrCommon

MEASURES = ["mrr:sum", "arr:sum", "customer_count:sum"]


@tagged("post_install", "-at_install")
class TestMrrSnapshotTotal(MrrCommon):
    """The monthly totals and customer months kept with the snapshots."""

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

    def test_totals_and_customer_months_follow_each_change(self):
        self._play_with_seats()
        with freeze_time("2026-04-10"):
            self.assertEqual(
                self.env["mrr.snapshot"]._compare_with_rebuild(self.env.company), []
            )

    def test_customer_months_hold_the_mrr_at_start_and_end(self):
        subs = self._play_worked_example()
        customer = subs["A"].commercial_partner_id
        months = self.env["mrr.customer.month"].search(
            [("partner_id", "=", customer.id)], order="month"
        )
        snapshots = self.env["mrr.snapshot"].search([("partner_id", "=", customer.id)])
        for month in months:
            with self.subTest(month=month.month):
                self.assertEqual(
                    month.mrr,
                    sum(
                        snapshots.filtered(
                            lambda s, m=month: s.month == m.month
                        ).mapped("mrr")
                    ),
                )
        self.assertTrue(months)
        for previous, month in zip(months, months[1:], strict=False):
            self.assertEqual(month.mrr_start, previous.mrr)

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
