"""The pure engines, fed with the change log, are the oracle of the SQL reports."""

import random
from contextlib import closing
from datetime import date, timedelta
from decimal import Decimal

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.mrr_analytics.engine.cohorts import cohorts
from odoo.addons.mrr_analytics.engine.movements import (
    Change,
    add_months,
    compute_movements,
    first_of_month,
    month_bridge,
    month_end_mrr,
)
from odoo.addons.mrr_analytics.engine.rates import monthly_rates

from .common import MrrCommon

SEEDS = (3, 11, 47, 2026, 90125)
STEPS = 50
CENT = Decimal("0.01")
# Far tighter than a cent: PostgreSQL divides numerics to 16 significant digits and
# Odoo reads them as floats.
TOLERANCE = Decimal("0.000001")
MOVEMENT_TYPES = {"new", "expansion", "contraction", "churn", "reactivation"}
BRIDGE_FIELDS = (
    "mrr_start",
    "new",
    "expansion",
    "reactivation",
    "contraction",
    "churn",
    "mrr_end",
    "customers_end",
)
RATE_FIELDS = (
    "customer_churn",
    "gross_mrr_churn",
    "net_mrr_churn",
    "nrr",
    "grr",
    "quick_ratio",
    "arpa",
    "arr",
    "ltv",
)
# Rates that may be empty, and the flag of the report that says they are not.
EMPTY_FLAGS = {
    "customer_churn": "has_customers_start",
    "quick_ratio": "has_quick_ratio",
    "arpa": "has_arpa",
    "ltv": "has_ltv",
}
COHORT_FIELDS = (
    "size",
    "customers",
    "customer_retention",
    "mrr",
    "mrr_first_month",
    "mrr_retention",
    "customers_lost_voluntary",
    "customers_lost_involuntary",
    "mrr_lost_voluntary",
    "mrr_lost_involuntary",
)
ACTIONS = (
    "start",
    "start",
    "start",
    "change",
    "change",
    "change",
    "free_to_paid",
    "seats",
    "pause",
    "resume",
    "cancel",
    "reactivate",
    "move",
)


def _cents(amount):
    """``amount`` (a float read from the database, or a Decimal) to the cent."""
    return Decimal(str(amount)).quantize(CENT)


@tagged("post_install", "-at_install")
class TestMrrEnginesAsOracle(MrrCommon):
    """Random histories played through the lifecycle: SQL and engines agree row by row."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 100 every 3 months = 33.33/month; 20 every 2 weeks = 20 x 52 / 24 = 43.33.
        cls.plan_quarterly = cls._create_plan(
            "Quarterly", "QUARTERLY", cls.product_pro, 100.0, interval_count=3
        )
        cls.plan_fortnightly = cls._create_plan(
            "Fortnightly",
            "FORTNIGHTLY",
            cls.product_basic,
            20.0,
            interval_unit="week",
            interval_count=2,
        )
        cls.paid_plans = [
            cls.plan_basic,
            cls.plan_pro,
            cls.plan_annual,
            cls.plan_weekly,
            cls.plan_basic_trial,
            cls.plan_quarterly,
            cls.plan_fortnightly,
        ]

    def test_sql_reports_equal_the_engines_on_random_histories(self):
        for seed in SEEDS:
            with self.subTest(seed=seed), closing(self.env.cr.savepoint()):
                rng = random.Random(seed)
                free_to_paid = rng.choice(["reactivation", "new"])
                self.env.company.sudo().mrr_free_to_paid = free_to_paid
                today = self._play_random_history(rng)
                company = self.env.company
                with freeze_time(today):
                    # What was kept up to date change by change is what the SQL
                    # computes from scratch, which is then compared to the engines.
                    Movement = self.env["mrr.movement"]
                    self.assertEqual(Movement._compare_with_rebuild(company), ([], []))
                    Snapshot = self.env["mrr.snapshot"]
                    self.assertEqual(Snapshot._compare_with_rebuild(company), [])
                    Movement._rebuild(company)
                movements = compute_movements(self._changes(), free_to_paid)
                self.assertEqual(
                    {movement.movement_type for movement in movements},
                    MOVEMENT_TYPES,
                    "the history should move MRR in every way",
                )
                months = self._months(movements, today)
                self.assertEqual(self._sql_movements(), self._rows(movements))
                self.assertEqual(
                    self._sql_month_ends(),
                    {
                        (month, customer): _cents(mrr)
                        for month, state in month_end_mrr(movements, months).items()
                        for customer, mrr in state.items()
                    },
                )
                self._assert_metrics(movements, months)
                self._assert_cohorts(movements, months)

    # -- History -----------------------------------------------------------------------

    def _play_random_history(self, rng):
        """Play ``STEPS`` random lifecycle steps from 2026-01-01; return the last day."""
        # Customers with an address: the steps bill the periods due before them.
        group = self.env["res.partner"].create(
            {"name": "Group", "is_company": True, "street": "1 Road", "city": "Lyon"}
        )
        customers = self.env["res.partner"].create(
            [
                {"name": "Group buyer", "parent_id": group.id},
                {"name": "Group accountant", "parent_id": group.id},
            ]
            + [
                {"name": f"Customer {number}", "street": "2 Road", "city": "Nice"}
                for number in range(5)
            ]
        )
        subs = self.env["recurring.subscription"]
        day = date(2026, 1, 1)
        cron = subs._cron_lifecycle
        for _step in range(STEPS):
            day += timedelta(days=rng.choice([0, 1, 2, 4, 6, 9]))
            with freeze_time(day), self.env.cr.savepoint() as savepoint:
                try:
                    subs |= self._random_step(rng, day, subs, customers)
                    cron()
                except UserError:
                    # A step the lifecycle refuses (e.g. a plan change to the same
                    # amount) leaves no trace.
                    savepoint.rollback()
        return day

    def _random_step(self, rng, day, subs, customers):
        def in_state(*states):
            return subs.filtered(lambda sub: sub.state in states)

        action = rng.choice(ACTIONS)
        live = in_state("trial", "active")
        candidates = {
            "change": live,
            "free_to_paid": live.filtered("plan_id.is_free"),
            "seats": live.filtered(lambda sub: sub.plan_id == self.plan_pro),
            "pause": in_state("active"),
            "resume": in_state("paused"),
            "cancel": in_state("trial", "active", "paused"),
            "reactivate": in_state("cancelled"),
            "move": in_state("trial", "active", "paused"),
        }.get(action)
        if not candidates:
            plans = [self.plan_free, self.plan_free] + self.paid_plans
            sub = self._subscription(rng.choice(plans), day, rng.choice(customers))
            sub.action_start()
            return sub
        sub = rng.choice(candidates)
        if action == "change":
            plans = [self.plan_free] + self.paid_plans
            others = [plan for plan in plans if plan != sub.plan_id]
            when = rng.choice([None, "now", "period_end"])
            sub.action_change_plan(rng.choice(others), when=when)
        elif action == "free_to_paid":
            sub.action_change_plan(rng.choice(self.paid_plans), when="now")
        elif action == "seats":
            when = rng.choice([None, "now"])
            sub.action_set_addon_quantities({self.seat_addon: rng.randint(0, 6)}, when)
        elif action == "pause":
            resume = rng.choice([None, day + timedelta(days=rng.randint(3, 40))])
            sub.action_pause(resume)
        elif action == "resume":
            sub.action_resume()
        elif action == "cancel":
            at_period_end = sub.state == "active" and rng.random() < 0.3
            sub.action_cancel(at_period_end=at_period_end)
        elif action == "reactivate":
            sub.action_reactivate()
        else:
            others = customers - sub.partner_id
            sub.partner_id = rng.choice(others)
        return sub

    # -- What the engines compute ------------------------------------------------------

    def _changes(self):
        events = self.env["recurring.subscription.event"].search(
            [("company_id", "=", self.env.company.id)], order="date, id"
        )
        return [
            Change(
                event.partner_id.id,
                event.subscription_id.id,
                event.date,
                Decimal(str(event.mrr_after_company)),
                event.is_free,
            )
            for event in events
        ]

    def _months(self, movements, today):
        """Every month from the first movement to today's, as the reports show them."""
        month = first_of_month(min(movement.day for movement in movements))
        months = []
        while month <= first_of_month(today):
            months.append(month)
            month = add_months(month, 1)
        return months

    def _rows(self, movements):
        return sorted(
            (m.customer, m.day, m.movement_type)
            + tuple(map(_cents, (m.amount, m.mrr_before, m.mrr_after)))
            for m in movements
        )

    # -- What the SQL reports show -----------------------------------------------------

    def _fetch(self, query):
        self.env.flush_all()
        self.env.cr.execute(query)
        return self.env.cr.dictfetchall()

    def _sql_movements(self):
        rows = self._fetch(
            SQL(
                """
                SELECT partner_id, date, movement_type, amount, mrr_before, mrr_after
                  FROM mrr_movement
                 WHERE company_id = %s
                """,
                self.env.company.id,
            )
        )
        return sorted(
            (row["partner_id"], row["date"], row["movement_type"])
            + tuple(_cents(row[name]) for name in ("amount", "mrr_before", "mrr_after"))
            for row in rows
        )

    def _sql_month_ends(self):
        """Each customer's MRR at each month end: the sum of its snapshot rows."""
        rows = self._fetch(
            SQL(
                """
                SELECT month, partner_id, SUM(mrr) AS mrr
                  FROM mrr_snapshot
                 WHERE company_id = %s
                 GROUP BY month, partner_id
                HAVING SUM(mrr) > 0
                """,
                self.env.company.id,
            )
        )
        return {(row["month"], row["partner_id"]): _cents(row["mrr"]) for row in rows}

    def _sql_view(self, table, order):
        return self._fetch(
            SQL(
                "SELECT * FROM %s WHERE company_id = %s ORDER BY %s",
                SQL.identifier(table),
                self.env.company.id,
                SQL(order),
            )
        )

    # -- Comparisons -------------------------------------------------------------------

    def _differences(self, key, sql, engine, fields):
        """(key, field, SQL value, engine value) of each field that differs.

        Empty is None on both sides; numbers differ when more than ``TOLERANCE`` apart.
        """
        differences = []
        for field in fields:
            ours, theirs = sql[field], engine[field]
            if ours is None or theirs is None:
                same = ours is None and theirs is None
            else:
                same = abs(Decimal(str(ours)) - Decimal(theirs)) <= TOLERANCE
            if not same:
                differences.append((key, field, ours, theirs))
        return differences

    def _assert_metrics(self, movements, months):
        metrics = self._sql_view("mrr_metric", "month")
        self.assertEqual([metric["month"] for metric in metrics], months)
        bridge = month_bridge(movements, months)
        rates = monthly_rates(movements, months)
        differences = []
        for metric, bridge_row, rate_row in zip(metrics, bridge, rates, strict=True):
            expected = bridge_row._asdict() | rate_row._asdict()
            differences += self._differences(
                metric["month"], metric, expected, BRIDGE_FIELDS + RATE_FIELDS
            )
            for rate, flag in EMPTY_FLAGS.items():
                if metric[flag] != (expected[rate] is not None):
                    differences.append((metric["month"], flag, metric[flag], None))
        self.assertEqual(differences, [])

    def _assert_cohorts(self, movements, months):
        cells = self._sql_view("mrr_cohort", "cohort_month, month")
        expected = {
            (row.month, cell.month): cell._asdict()
            | {"size": row.size, "mrr_first_month": row.mrr_first_month}
            for row in cohorts(movements, months)
            for cell in row.cells
        }
        self.assertEqual(
            [(cell["cohort_month"], cell["month"]) for cell in cells],
            sorted(expected),
        )
        differences = []
        for cell in cells:
            key = (cell["cohort_month"], cell["month"])
            cell["size"] = cell["cohort_size"]
            self.assertEqual(cell["months_since_start"], expected[key]["offset"])
            differences += self._differences(key, cell, expected[key], COHORT_FIELDS)
        self.assertEqual(differences, [])
