import random
from datetime import date, timedelta
from decimal import Decimal

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.mrr_analytics.engine.movements import (
    Change,
    compute_movements,
    month_bridge,
)
from odoo.addons.mrr_analytics.models.mrr_snapshot import SNAPSHOT_COLUMNS

from .common import MrrCommon

MONTHS = [date(2026, month, 1) for month in range(1, 13)]


@tagged("post_install", "-at_install")
class TestMrrConsistency(MrrCommon):
    """Movements kept up to date change by change equal those of a full rebuild."""

    def test_incremental_movements_equal_a_rebuild(self):
        self._play_worked_example()
        Movement = self.env["mrr.movement"]
        self.assertEqual(Movement._compare_with_rebuild(self.env.company), ([], []))
        before = self._movement_rows_raw()
        Movement._rebuild(self.env.company)
        self.assertEqual(self._movement_rows_raw(), before)

    def test_starting_several_customers_at_once_gives_each_a_new_movement(self):
        customers = self.env["res.partner"].create(
            [{"name": f"Migrated {n}", "street": "1 Road"} for n in range(3)]
        )
        subs = self.env["recurring.subscription"].browse()
        for customer, day in zip(customers, (5, 5, 20), strict=True):
            subs |= self._subscription(self.plan_basic, date(2026, 1, day), customer)
        subs.action_start()
        movements = self.env["mrr.movement"].search(
            [("partner_id", "in", customers.ids)], order="date, partner_id"
        )
        self.assertEqual(
            [(m.partner_id, str(m.date), m.movement_type, m.amount) for m in movements],
            [
                (customers[0], "2026-01-05", "new", 30.0),
                (customers[1], "2026-01-05", "new", 30.0),
                (customers[2], "2026-01-20", "new", 30.0),
            ],
        )
        compare = self.env["mrr.movement"]._compare_with_rebuild(self.env.company)
        self.assertEqual(compare, ([], []))
        snapshots = self.env["mrr.snapshot"]._compare_with_rebuild(self.env.company)
        self.assertEqual(snapshots, [])

    def test_customers_of_two_companies_started_at_once_match_a_rebuild(self):
        main = self.env.company
        other = self.env["res.company"].sudo().create({"name": "Second company"})
        self.env.user.sudo().company_ids = [Command.link(other.id)]
        env = self.env(context=dict(self.env.context, allowed_company_ids=[main.id]))
        other_env = self.env(
            context=dict(self.env.context, allowed_company_ids=[other.id, main.id])
        )
        other_plan = self._plan(other_env, "Second basic", 40.0)
        customers = env["res.partner"].create(
            [{"name": f"Shared {n}", "street": "1 Road"} for n in range(2)]
        )
        subs = self._subscription(self.plan_basic, date(2026, 1, 5), customers[0])
        for customer in customers:
            subs |= other_env["recurring.subscription"].create(
                {
                    "partner_id": customer.id,
                    "plan_id": other_plan.id,
                    "date_start": date(2026, 1, 5),
                    "line_ids": [Command.create({"product_id": self.product_pro.id})],
                }
            )
        subs.with_env(other_env).action_start()
        self.assertEqual(
            sorted(subs.mapped(lambda sub: (sub.company_id.name, sub.mrr))),
            sorted([(main.name, 30.0), (other.name, 40.0), (other.name, 40.0)]),
        )
        for company in (main, other):
            with self.subTest(company=company.name):
                Snapshot = self.env["mrr.snapshot"]
                self.assertEqual(Snapshot._compare_with_rebuild(company), [])
                movements = self.env["mrr.movement"]._compare_with_rebuild(company)
                self.assertEqual(movements, ([], []))
        other_rows = self._snapshot_rows(company=other, until=date(2026, 1, 1))
        self.assertEqual(
            [row[1:2] + row[5:6] for row in other_rows],
            [(customers[0].id, 40.0), (customers[1].id, 40.0)],
        )

    def _plan(self, env, name, price):
        return env["recurring.plan"].create(
            {
                "name": name,
                "code": name.upper().replace(" ", "-"),
                "company_id": env.company.id,
                "line_ids": [
                    Command.create(
                        {"product_id": self.product_pro.id, "price_unit": price}
                    )
                ],
            }
        )

    def test_incremental_snapshots_equal_a_rebuild(self):
        self._play_worked_example()
        incremental = self._snapshot_rows()
        self.assertTrue(incremental)
        with freeze_time("2026-04-10"):
            self.env["mrr.snapshot"]._rebuild(self.env.company)
        self.assertEqual(self._snapshot_rows(), incremental)

    def test_comparison_shows_a_movement_that_differs_from_a_rebuild(self):
        self._play_worked_example()
        movement = self.env["mrr.movement"].search(
            [("company_id", "=", self.env.company.id)], order="date, id", limit=1
        )
        day, amount = movement.date, movement.amount
        self.env.cr.execute(
            SQL(
                """
                UPDATE mrr_movement
                   SET amount = amount + 1, mrr_after = mrr_after + 1
                 WHERE id = %s
                """,
                movement.id,
            )
        )
        stored_only, rebuilt_only = self.env["mrr.movement"]._compare_with_rebuild(
            self.env.company
        )
        # Rows are (company, customer, date, month, type, amount, …).
        self.assertEqual([(row[2], row[5]) for row in stored_only], [(day, amount + 1)])
        self.assertEqual([(row[2], row[5]) for row in rebuilt_only], [(day, amount)])

    def test_comparison_counts_a_snapshot_row_stored_twice(self):
        self._play_worked_example()
        Snapshot = self.env["mrr.snapshot"]
        columns = SQL(", ").join(SQL.identifier(name) for name in SNAPSHOT_COLUMNS)
        with freeze_time("2026-04-10"):
            self.assertEqual(Snapshot._compare_with_rebuild(self.env.company), [])
            self.env.cr.execute(
                SQL(
                    """
                    INSERT INTO mrr_snapshot (%(columns)s)
                    SELECT %(columns)s FROM mrr_snapshot
                     WHERE company_id = %(company)s
                     ORDER BY id
                     LIMIT 1
                    """,
                    columns=columns,
                    company=self.env.company.id,
                )
            )
            self.assertEqual(
                Snapshot._compare_with_rebuild(self.env.company), ["mrr_snapshot"]
            )

    def test_snapshot_lines_add_up_to_the_subscription_mrr(self):
        customer = self.env["res.partner"].create(
            {"name": "Seats", "street": "1 Road", "city": "Lille"}
        )
        with freeze_time("2026-01-10"):
            sub = self._subscription(self.plan_pro, partner=customer)
            sub.action_start()
        with freeze_time("2026-01-20"):
            sub.write(
                {
                    "line_ids": [
                        Command.create(
                            {"product_id": self.product_seat.id, "quantity": quantity}
                        )
                        for quantity in (3, 1)
                    ]
                }
            )
        snapshots = self.env["mrr.snapshot"].search(
            [("subscription_id", "=", sub.id), ("month", "=", date(2026, 1, 1))]
        )
        self.assertEqual(sorted(snapshots.mapped("mrr")), [5.0, 15.0, 50.0])
        self.assertEqual(sum(snapshots.mapped("customer_count")), 1)
        self.assertEqual(sum(snapshots.mapped("arr")), 840.0)

    def test_random_histories_keep_the_bridge_and_match_a_rebuild(self):
        for seed in (7, 2026):
            with self.subTest(seed=seed):
                self._play_random_history(random.Random(seed))
                self._assert_consistent()

    def test_movement_groups_read_from_their_totals_equal_the_movements(self):
        # The pivots and graphs of the movements read the totals kept per month and
        # dimension, kept change by change: each group is the one the movements
        # themselves give.
        self._play_random_history(random.Random(7))
        Movement = self.env["mrr.movement"]
        domain = [("company_id", "=", self.env.company.id)]
        self.assertTrue(self.env["mrr.movement.total"].search_count(domain))
        for groupby in (
            ["month:month", "movement_type"],
            ["movement_type"],
            ["plan_id", "month:quarter"],
            ["is_involuntary"],
        ):
            with self.subTest(groupby=groupby):
                totals = Movement.read_group(
                    domain, ["amount:sum"], groupby, lazy=False
                )
                self.assertTrue(totals)
                self.assertEqual(
                    totals,
                    Movement.with_context(mrr_movement_lines=True).read_group(
                        domain, ["amount:sum"], groupby, lazy=False
                    ),
                )

    def _movement_rows_raw(self):
        movements = self.env["mrr.movement"].search(
            [("company_id", "=", self.env.company.id)]
        )
        return sorted(
            (m.partner_id.id, m.date, m.movement_type, m.amount, m.plan_id.id)
            for m in movements
        )

    def _play_random_history(self, rng):
        company = self.env["res.partner"].create(
            {
                "name": f"Group {rng.random()}",
                "is_company": True,
                "street": "1 Road",
                "city": "Lyon",
            }
        )
        customers = self.env["res.partner"].create(
            [
                {"name": "Contact of the group", "parent_id": company.id},
                {"name": f"Solo {rng.random()}", "street": "2 Road", "city": "Lille"},
                {"name": f"Other {rng.random()}", "street": "3 Road", "city": "Metz"},
            ]
        )
        plans = [
            self.plan_free,
            self.plan_basic,
            self.plan_pro,
            self.plan_annual,
            self.plan_weekly,
            self.plan_basic_trial,
        ]
        subs = self.env["recurring.subscription"]
        day = date(2026, 1, 1)
        cron = self.env["recurring.subscription"]._cron_lifecycle
        for _step in range(30):
            day += timedelta(days=rng.choice([0, 0, 1, 3, 6, 9]))
            with freeze_time(day), self.env.cr.savepoint() as savepoint:
                try:
                    subs |= self._random_step(rng, day, subs, plans, customers)
                    cron()
                except UserError:
                    savepoint.rollback()

    def _random_step(self, rng, day, subs, plans, customers):
        live = subs.filtered(lambda sub: sub.state in ("trial", "active", "paused"))
        action = rng.choice(["start", "start", "change", "pause", "resume", "cancel"])
        if action == "start" or not live:
            sub = self._subscription(rng.choice(plans), day, rng.choice(customers))
            sub.action_start()
            return sub
        sub = rng.choice(live)
        if action == "change":
            others = [plan for plan in plans if plan != sub.plan_id]
            sub.action_change_plan(rng.choice(others), when=rng.choice([None, "now"]))
        elif action == "pause":
            sub.action_pause()
        elif action == "resume":
            sub.action_resume()
        else:
            sub.action_cancel()
        return sub

    def _assert_consistent(self):
        company = self.env.company
        events = self.env["recurring.subscription.event"].search(
            [("company_id", "=", company.id)], order="date, id"
        )
        last_day = events[-1].date
        movement_types = (
            self.env["mrr.movement"]
            .search([("company_id", "=", company.id)])
            .mapped("movement_type")
        )
        self.assertGreaterEqual(len(set(movement_types)), 4)
        months = [month for month in MONTHS if month <= last_day]
        self.assertEqual(
            self.env["mrr.movement"]._compare_with_rebuild(company), ([], [])
        )
        incremental = self._snapshot_rows(until=last_day)
        with freeze_time(last_day):
            self.assertEqual(
                self.env["mrr.snapshot"]._compare_with_rebuild(company), []
            )
            self.env["mrr.snapshot"]._rebuild(company)
        self.assertEqual(self._snapshot_rows(until=last_day), incremental)
        metrics = self._metrics(months)
        for previous, metric in zip(metrics, metrics[1:], strict=False):
            self.assertEqual(metric.mrr_start, previous.mrr_end)
        for metric in metrics:
            self.assertAlmostEqual(
                metric.mrr_start
                + metric.new
                + metric.expansion
                + metric.reactivation
                - metric.contraction
                - metric.churn,
                metric.mrr_end,
                places=6,
            )
        changes = [
            Change(
                e.partner_id.id,
                e.subscription_id.id,
                e.date,
                Decimal(str(e.mrr_after_company)),
                e.is_free,
            )
            for e in events
        ]
        expected = [
            tuple(round(float(value), 2) for value in row[1:8]) + (row.customers_end,)
            for row in month_bridge(compute_movements(changes), months)
        ]
        self.assertEqual(
            [
                tuple(round(v, 2) for v in row[1:8]) + (row[8],)
                for row in self._bridge_rows(metrics)
            ],
            expected,
        )
