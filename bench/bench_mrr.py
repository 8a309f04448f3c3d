"""Time the MRR analytics on a generated history, beside a bare INSERT … SELECT.

    $ODOO_PYTHON bench/bench_mrr.py --subscriptions 50000 --months 36

Builds (once) a benchmark database with both addons, writes a generated change log of
``--subscriptions`` subscriptions over the last ``--months`` months with set-based SQL
(reused while its shape does not change), then times, each the best of ``--repeat``
runs: a full rebuild of the analytics; the baseline, a bare INSERT … SELECT copying the
rows the rebuild writes, table by table (``derived_tables``: those it writes and no
other), into tables of the same shape; the pivot, list and cohort reads of
the reporting views as a subscriptions manager; and the incremental update after one
change. The timed work is rolled back, and the derived tables vacuumed before the reads.
"""

import argparse
import json
import os
import subprocess
import time
from datetime import date

# Run as a script: this folder is on sys.path, so its sibling modules import plainly.
from mrr_history import PREFIX, generate_history
from run import ensure_up_to_date, open_registry, peak_rss_mb

import odoo
from odoo import Command
from odoo.tools import SQL

TARGETS = {
    "rebuild": 60.0,
    "view": 0.300,
    "incremental": 0.050,
}
REBUILD_RATIO_TARGET = 2.0


class Timing(float):
    """The best of several wall times, with the worst of them for the spread."""

    def __new__(cls, times):
        timing = super().__new__(cls, min(times))
        timing.worst = max(times)
        timing.runs = len(times)
        return timing


def best(step, repeat, cr=None):
    """Best wall time of ``repeat`` runs of ``step``, each rolled back when ``cr``."""
    times = []
    for _run in range(repeat):
        if cr is not None:
            cr.execute("SAVEPOINT bench")
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
        if cr is not None:
            cr.execute("ROLLBACK TO SAVEPOINT bench")
    return Timing(times)


def derived_tables(env):
    """Every table a rebuild writes."""
    models = (
        "mrr.movement",
        "mrr.snapshot",
        "mrr.snapshot.total",
        "mrr.cohort.change",
        "mrr.movement.total",
    )
    return [env[model]._table for model in models]


def vacuum(database, tables):
    """VACUUM ANALYZE the derived tables, as autovacuum does after a rebuild.

    The timed rebuilds and copies are rolled back, but leave their rows behind as dead
    tuples that every read would scan.
    """
    subprocess.run(
        ["psql", "-q", "-d", database, "-c", f"VACUUM ANALYZE {', '.join(tables)}"],
        check=True,
    )


def count_rows(cr, tables):
    total = 0
    for table in tables:
        cr.execute(SQL("SELECT count(*) FROM %s", SQL.identifier(table)))
        total += cr.fetchone()[0]
    return total


def bare_copy(cr, tables):
    """The baseline: the derived rows written again by plain INSERT … SELECT."""
    for table in tables:
        copy = SQL.identifier(f"bench_copy_{table}")
        cr.execute(
            SQL(
                "CREATE TABLE %s (LIKE %s INCLUDING ALL)",
                copy,
                SQL.identifier(table),
            )
        )

    def step():
        for table in tables:
            cr.execute(
                SQL(
                    "INSERT INTO %s SELECT * FROM %s",
                    SQL.identifier(f"bench_copy_{table}"),
                    SQL.identifier(table),
                )
            )

    return step


def pivot_load(model, domain, rows, cols, measures):
    """The read_group calls a pivot view makes: every row and column prefix pair."""

    def step():
        for row_depth in range(len(rows) + 1):
            for col_depth in range(len(cols) + 1):
                model.read_group(
                    domain,
                    measures,
                    rows[:row_depth] + cols[:col_depth],
                    lazy=False,
                )

    return step


def manager_env(env):
    user = env["res.users"].search([("login", "=", "mrr_bench_manager")], limit=1)
    if not user:
        user = env["res.users"].create(
            {
                "name": "MRR bench manager",
                "login": "mrr_bench_manager",
                "groups_id": [
                    Command.link(env.ref("recurring_billing.group_manager").id)
                ],
            }
        )
        env.cr.commit()
    return env(user=user)


def change_one_subscription(env):
    """Move one active subscription to another plan today, as the change log records it."""
    env.cr.execute(
        SQL(
            """
            SELECT e.subscription_id, e.partner_id, e.plan_id, e.mrr_after_company
              FROM recurring_subscription_event e
              JOIN recurring_subscription s ON s.id = e.subscription_id
             WHERE s.name LIKE %s AND e.mrr_after_company > 0
             ORDER BY e.date DESC, e.id DESC
             LIMIT 1
            """,
            f"{PREFIX}%",
        )
    )
    sub_id, partner_id, plan_id, mrr = env.cr.fetchone()
    company = env.company
    vals = {
        "subscription_id": sub_id,
        "partner_id": partner_id,
        "company_id": company.id,
        "plan_id": plan_id,
        "event_type": "upgrade",
        "date": date.today(),
        "currency_id": company.currency_id.id,
        "company_currency_id": company.currency_id.id,
        "mrr_before": mrr,
        "mrr_after": mrr + 10,
        "mrr_before_company": mrr,
        "mrr_after_company": mrr + 10,
        "mrr_delta_company": 10,
    }
    Event = env["recurring.subscription.event"]
    return lambda: Event.create([vals])


def dashboard_load(manager):
    """The reads of the KPI dashboard: each pivot of its spreadsheet, as it loads them."""
    path = (
        os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        + "/mrr_analytics_dashboard/data/files/mrr_analytics_dashboard.json"
    )
    with open(path, encoding="utf-8") as file:
        pivots = json.load(file)["pivots"].values()

    def groupbys(dimensions):
        return [
            ":".join(filter(None, [d["fieldName"], d.get("granularity")]))
            for d in dimensions
        ]

    steps = []
    for pivot in pivots:
        model = manager[pivot["model"]]
        measures = [
            f"{m['fieldName']}:{model._fields[m['fieldName']].aggregator}"
            for m in pivot["measures"]
        ]
        steps.append(
            pivot_load(
                model,
                pivot.get("domain") or [],
                groupbys(pivot.get("rows", [])),
                groupbys(pivot.get("columns", [])),
                measures,
            )
        )

    def step():
        for pivot_step in steps:
            pivot_step()

    return step


def read_steps(manager):
    """The reads of the reporting views: label, target key or None, step."""
    Snapshot = manager["mrr.snapshot"]
    Metric = manager["mrr.metric"]
    # The fields the list view shows: those the web client reads.
    metric_fields = Metric.get_views([(False, "list")])["models"]["mrr.metric"]
    return [
        (
            "snapshot pivot month × plan",
            "view",
            lambda: Snapshot.read_group(
                [],
                ["mrr:sum", "arr:sum", "customer_count:sum"],
                ["month:month", "plan_id"],
                lazy=False,
            ),
        ),
        (
            "snapshot pivot view (4 groupings)",
            "view",
            pivot_load(
                Snapshot,
                [],
                ["plan_id"],
                ["month:month"],
                ["mrr:sum", "arr:sum", "customer_count:sum"],
            ),
        ),
        (
            "movement pivot month × type",
            "view",
            pivot_load(
                manager["mrr.movement"],
                [],
                ["movement_type"],
                ["month:month"],
                ["amount:sum"],
            ),
        ),
        (
            "metrics list (all months)",
            "view",
            lambda: Metric.web_search_read(
                [],
                {name: {} for name in metric_fields["fields"]},
                order="month",
                limit=80,
                count_limit=10001,
            ),
        ),
        (
            "cohort pivot month × age",
            "view",
            pivot_load(
                manager["mrr.cohort"],
                [],
                ["cohort_month:month"],
                ["months_since_start"],
                ["customer_retention:avg"],
            ),
        ),
        ("dashboard data (its 4 pivots)", "view", dashboard_load(manager)),
    ]


def figure(label, seconds, target, unit="s"):
    """One line: the best time, the worst of the runs, the target and PASS or MISS."""
    scale = 1000 if unit == "ms" else 1
    worst = getattr(seconds, "worst", seconds)
    runs = getattr(seconds, "runs", 1)
    verdict = "PASS" if seconds < target else "MISS"
    return (
        f"  {label:<36} {seconds * scale:9.1f} {unit:<2} (worst of {runs} "
        f"{worst * scale:.1f})  target < {target * scale:g} {unit}, "
        f"{seconds / target:.2f} × target: {verdict}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=50000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument(
        "--database", default=os.environ.get("MRR_BENCH_DB", "mrr_bench")
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure")
    args = parser.parse_args(argv)

    ensure_up_to_date(args.database)
    registry = open_registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        start = time.perf_counter()
        if generate_history(env, args.subscriptions, args.months):
            print(f"history generated in {time.perf_counter() - start:.1f} s")
            cr.commit()
            # Fresh statistics for the change log and the tables built from it.
            subprocess.run(
                ["psql", "-q", "-d", args.database, "-c", "VACUUM ANALYZE"],
                check=True,
            )
        company = env.company
        Movement = env["mrr.movement"]
        manager = manager_env(env)
        tables = derived_tables(env)
        cr.execute(
            SQL(
                """
                SELECT count(*) FROM recurring_subscription_event e
                  JOIN recurring_subscription s ON s.id = e.subscription_id
                 WHERE s.name LIKE %s
                """,
                f"{PREFIX}%",
            )
        )
        events = cr.fetchone()[0]

        print(
            f"mrr analytics, {args.subscriptions} subscriptions × {args.months} "
            f"months, database {args.database}",
            flush=True,
        )
        cr.commit()
        vacuum(args.database, tables)
        rebuild = best(lambda: Movement._rebuild(company), args.repeat, cr)
        rows = count_rows(cr, tables)
        print(f"  {events:,} changes -> {rows:,} derived rows ({', '.join(tables)})")
        print(figure("full rebuild", rebuild, TARGETS["rebuild"]), flush=True)
        cr.rollback()
        vacuum(args.database, tables)
        baseline = best(bare_copy(cr, tables), args.repeat, cr)
        print(
            f"  {'bare INSERT … SELECT, same rows':<36} {baseline:9.1f} s  "
            f"(worst of {baseline.runs} {baseline.worst:.1f})"
        )
        ratio = rebuild / baseline
        verdict = "PASS" if ratio <= REBUILD_RATIO_TARGET else "MISS"
        print(
            f"  {'ratio rebuild / bare INSERT':<36} {ratio:9.2f} ×  "
            f"(worst / worst {rebuild.worst / baseline.worst:.2f})  "
            f"target ≤ {REBUILD_RATIO_TARGET:g} ×: {verdict}",
            flush=True,
        )
        cr.rollback()
        vacuum(args.database, tables)

        for label, target, step in read_steps(manager):
            step()  # warm: field and rule caches
            manager.invalidate_all()
            seconds = best(step, max(args.repeat, 5))
            print(figure(label, seconds, TARGETS[target], "ms"), flush=True)

        change = change_one_subscription(env)
        change()  # warm
        cr.rollback()
        incremental = best(change, max(args.repeat, 5), cr)
        print(
            figure(
                "incremental update, one change",
                incremental,
                TARGETS["incremental"],
                "ms",
            ),
            flush=True,
        )
        change()
        missing, extra = Movement._compare_with_rebuild(company)
        different = env["mrr.snapshot"]._compare_with_rebuild(company)
        same = not missing and not extra and not different
        cr.rollback()
    print(f"  incremental = rebuilt: {'PASS' if same else 'MISS'}")
    print(f"  peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
