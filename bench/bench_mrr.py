"""Time the MRR analytics on a generated history, beside a bare INSERT … SELECT.

    $ODOO_PYTHON bench/bench_mrr.py --subscriptions 50000 --months 36

Builds (once) a benchmark database with both addons, writes a generated change log of
``--subscriptions`` subscriptions over the last ``--months`` months with set-based SQL
(reused while its shape does not change), then times, each the best of ``--repeat``
runs: a full rebuild of the analytics; the baseline, a bare INSERT … SELECT copying the
same number of rows into tables of the same shape; the pivot, list and cohort reads of
the reporting views as a subscriptions manager; and the incremental update after one
change. The timed work is rolled back, and the derived tables vacuumed before the reads.
"""

import argparse
import os
import subprocess
import sys
import time
from datetime import date

# Run as a script: this folder is on sys.path, so its sibling module imports plainly.
from run import addons_path, ensure_database, peak_rss_mb

import odoo
from odoo import Command
from odoo.tools import SQL, config

PREFIX = "MRRBENCH-"
SHAPE_PARAM = "mrr_bench.shape"
# name, billing interval, price per period, MRR of one unit
PLANS = [
    ("Bench Basic", "month", 30.0, 30.0),
    ("Bench Pro", "month", 50.0, 50.0),
    ("Bench Annual", "year", 1200.0, 100.0),
    ("Bench Weekly", "week", 12.0, 52.0),
]
TARGETS = {
    "rebuild": 60.0,
    "pivot": 0.300,
    "incremental": 0.050,
}
REBUILD_RATIO_TARGET = 3.0


def update_addons(database):
    """Update both addons in the reused database, after their code changed."""
    subprocess.run(
        [sys.executable, "-m", "odoo", f"--addons-path={addons_path()}"]
        + ["-d", database, "-u", "recurring_billing,mrr_analytics"]
        + ["--stop-after-init"]
        + ["--no-http", "--log-level=warn"],
        check=True,
    )


def month_start(months_back, today):
    index = today.year * 12 + today.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def clear_history(env):
    """Remove a previously generated history and the analytics built from it."""
    cr = env.cr
    cr.execute(
        SQL(
            "SELECT id FROM recurring_subscription WHERE name LIKE %s",
            f"{PREFIX}%",
        )
    )
    sub_ids = [row[0] for row in cr.fetchall()]
    if not sub_ids:
        return
    cr.execute(
        SQL(
            """
            DELETE FROM recurring_subscription_event WHERE subscription_id = ANY(%(ids)s);
            DELETE FROM recurring_subscription_line WHERE subscription_id = ANY(%(ids)s);
            DELETE FROM recurring_subscription WHERE id = ANY(%(ids)s);
            DELETE FROM res_partner WHERE ref LIKE %(prefix)s;
            """,
            ids=sub_ids,
            prefix=f"{PREFIX}%",
        )
    )


def bench_plans(env):
    product = env["product.product"].search([("default_code", "=", PREFIX)], limit=1)
    if not product:
        product = env["product.product"].create(
            {"name": "Bench seat", "default_code": PREFIX, "type": "service"}
        )
    plans = env["recurring.plan"].search([("code", "like", PREFIX)], order="code")
    if not plans:
        plans = env["recurring.plan"].create(
            [
                {
                    "name": name,
                    "code": f"{PREFIX}{index}",
                    "interval_unit": unit,
                    "line_ids": [
                        Command.create({"product_id": product.id, "price_unit": price})
                    ],
                }
                for index, (name, unit, price, _mrr) in enumerate(PLANS)
            ]
        )
    return product, plans


def generate_history(env, subscriptions, months):
    """Write customers, subscriptions and their change log with INSERT … SELECT.

    Each subscription starts on a random day of the first two thirds of the period and
    then goes through up to 4 changes 20 to 300 days apart: a move to another plan, a
    pause (the next change resumes it) or a cancellation (the last change). MRR in
    the company currency, one line per subscription.
    """
    cr = env.cr
    shape = f"{subscriptions}x{months}"
    params = env["ir.config_parameter"].sudo()
    cr.execute(
        SQL(
            "SELECT count(*) FROM recurring_subscription WHERE name LIKE %s",
            f"{PREFIX}%",
        )
    )
    generated = cr.fetchone()[0]
    if params.get_param(SHAPE_PARAM) == shape and generated == subscriptions:
        return False
    clear_history(env)
    company = env.company
    product, plans = bench_plans(env)
    today = date.today()
    first = month_start(months - 1, today)
    span = (today - first).days
    cr.execute("SELECT setseed(0.2026)")
    cr.execute(
        SQL(
            """
            WITH partners AS (
                INSERT INTO res_partner (name, ref, active, type, autopost_bills,
                                         create_date, write_date)
                SELECT 'Bench customer ' || n, %(prefix)s || lpad(n::text, 7, '0'),
                       TRUE, 'contact', 'ask', now(), now()
                  FROM generate_series(1, %(count)s) AS n
                RETURNING id
            )
            UPDATE res_partner p SET commercial_partner_id = p.id
              FROM partners WHERE partners.id = p.id
            """,
            prefix=PREFIX,
            count=subscriptions,
        )
    )
    cr.execute(
        SQL(
            """
            INSERT INTO recurring_subscription (
                name, partner_id, partner_invoice_id, plan_id, company_id,
                currency_id, state, payment_method, date_start, user_id,
                create_date, write_date)
            SELECT %(prefix)s || substr(p.ref, length(%(prefix)s) + 1), p.id, p.id,
                   (%(plans)s::int[])[1 + floor(random() * %(plan_count)s)::int],
                   %(company)s, %(currency)s, 'active', 'manual',
                   %(first)s::date + floor(random() * %(span)s * 2 / 3)::int,
                   %(user)s, now(), now()
              FROM res_partner p
             WHERE p.ref LIKE %(pattern)s
            """,
            prefix=PREFIX,
            pattern=f"{PREFIX}%",
            plans=plans.ids,
            plan_count=len(plans),
            company=company.id,
            currency=company.currency_id.id,
            first=first,
            span=span,
            user=env.ref("base.user_admin").id,
        )
    )
    cr.execute(
        SQL(
            """
            INSERT INTO recurring_subscription_line (
                subscription_id, company_id, product_id, sequence, quantity,
                price_unit, discount, price_subtotal, create_date, write_date)
            SELECT s.id, s.company_id, %(product)s, 10, 1, pl.price_unit, 0,
                   pl.price_unit, now(), now()
              FROM recurring_subscription s
              JOIN recurring_plan_line pl ON pl.plan_id = s.plan_id
             WHERE s.name LIKE %(pattern)s
            """,
            product=product.id,
            pattern=f"{PREFIX}%",
        )
    )
    # A recursive walk: each step depends on the state the previous one left.
    cr.execute(
        SQL(
            """
            WITH RECURSIVE plan AS (
                SELECT * FROM unnest(%(plans)s::int[], %(mrrs)s::numeric[])
                       WITH ORDINALITY AS p(plan_id, mrr, position)
            ), walk AS (
                SELECT s.id AS subscription_id, s.partner_id, 0 AS step,
                       floor(random() * 5)::int AS steps, s.date_start AS date,
                       s.plan_id, 'start'::varchar AS event_type,
                       0::numeric AS mrr_before, plan.mrr AS mrr_after
                  FROM recurring_subscription s
                  JOIN plan ON plan.plan_id = s.plan_id
                 WHERE s.name LIKE %(pattern)s
                 UNION ALL
                SELECT w.subscription_id, w.partner_id, w.step + 1, w.steps,
                       w.date + 20 + floor(random() * 281)::int,
                       next.plan_id, next.event_type, w.mrr_after, next.mrr
                  FROM walk w
                  JOIN plan current ON current.plan_id = w.plan_id
                 CROSS JOIN LATERAL (
                       SELECT random() AS draw,
                              1 + mod(
                                  current.position + floor(random() * 3)::int,
                                  %(plan_count)s
                              ) AS other
                 ) AS roll
                  JOIN plan moved ON moved.position = roll.other
                 CROSS JOIN LATERAL (
                       SELECT CASE
                                  WHEN w.mrr_after = 0 THEN w.plan_id
                                  WHEN roll.draw < 0.4 THEN moved.plan_id
                                  ELSE w.plan_id
                              END AS plan_id,
                              CASE
                                  WHEN w.mrr_after = 0 THEN 'resume'
                                  WHEN roll.draw < 0.4 THEN 'change'
                                  WHEN roll.draw < 0.7 THEN 'pause'
                                  ELSE 'cancel'
                              END::varchar AS event_type,
                              CASE
                                  WHEN w.mrr_after = 0 THEN current.mrr
                                  WHEN roll.draw < 0.4 THEN moved.mrr
                                  ELSE 0
                              END AS mrr
                 ) AS next
                 WHERE w.step < w.steps AND w.event_type <> 'cancel'
            )
            INSERT INTO recurring_subscription_event (
                subscription_id, partner_id, company_id, plan_id, currency_id,
                company_currency_id, event_type, date, mrr_before, mrr_after,
                mrr_before_company, mrr_after_company, mrr_delta_company, is_free,
                create_date, write_date)
            SELECT subscription_id, partner_id, %(company)s, plan_id, %(currency)s,
                   %(currency)s, event_type, date, mrr_before, mrr_after,
                   mrr_before, mrr_after, mrr_after - mrr_before, FALSE, now(), now()
              FROM walk
             WHERE date <= %(today)s
             ORDER BY date, subscription_id
            """,
            plans=plans.ids,
            mrrs=[mrr for _name, _unit, _price, mrr in PLANS],
            plan_count=len(plans),
            pattern=f"{PREFIX}%",
            company=company.id,
            currency=company.currency_id.id,
            today=today,
        )
    )
    # The subscriptions end in the state and on the plan of their last change.
    cr.execute(
        SQL(
            """
            UPDATE recurring_subscription s
               SET plan_id = last.plan_id,
                   state = CASE last.event_type
                               WHEN 'cancel' THEN 'cancelled'
                               WHEN 'pause' THEN 'paused'
                               ELSE 'active'
                           END
              FROM (
                  SELECT DISTINCT ON (subscription_id) subscription_id, plan_id,
                         event_type
                    FROM recurring_subscription_event
                   ORDER BY subscription_id, date DESC, id DESC
              ) AS last
             WHERE last.subscription_id = s.id AND s.name LIKE %(pattern)s
            """,
            pattern=f"{PREFIX}%",
        )
    )
    cr.execute(
        SQL(
            """
            UPDATE recurring_subscription_line l
               SET price_unit = pl.price_unit, price_subtotal = pl.price_unit
              FROM recurring_subscription s
              JOIN recurring_plan_line pl ON pl.plan_id = s.plan_id
             WHERE l.subscription_id = s.id AND s.name LIKE %(pattern)s
            """,
            pattern=f"{PREFIX}%",
        )
    )
    params.set_param(SHAPE_PARAM, shape)
    env["mrr.movement"]._rebuild(company)
    cr.commit()
    cr.execute("ANALYZE")
    return True


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
    return min(times)


def derived_tables(env):
    """Every table a rebuild writes."""
    models = (
        "mrr.movement",
        "mrr.snapshot",
        "mrr.snapshot.total",
        "mrr.customer.month",
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


def read_steps(manager):
    """The reads of the reporting views: label, target key or None, step."""
    Snapshot = manager["mrr.snapshot"]
    return [
        (
            "snapshot pivot month × plan",
            "pivot",
            lambda: Snapshot.read_group(
                [],
                ["mrr:sum", "arr:sum", "customer_count:sum"],
                ["month:month", "plan_id"],
                lazy=False,
            ),
        ),
        (
            "snapshot pivot view (4 groupings)",
            "pivot",
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
            "pivot",
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
            None,
            lambda: manager["mrr.metric"].search_read(
                [],
                [
                    name
                    for name, field in manager["mrr.metric"]._fields.items()
                    if field.store or name == "id"
                ],
            ),
        ),
        (
            "cohort pivot month × age",
            None,
            pivot_load(
                manager["mrr.cohort"],
                [],
                ["cohort_month:month"],
                ["months_since_start"],
                ["customer_retention:avg"],
            ),
        ),
    ]


def figure(label, seconds, target, unit="s"):
    value = seconds * 1000 if unit == "ms" else seconds
    limit = target * 1000 if unit == "ms" else target
    verdict = "met" if seconds < target else "MISSED"
    return f"  {label:<36} {value:9.1f} {unit:<2}  target < {limit:g} {unit}: {verdict}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=50000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument(
        "--database", default=os.environ.get("MRR_BENCH_DB", "mrr_bench")
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure")
    parser.add_argument(
        "--update",
        action="store_true",
        help="update the addons in the reused database first",
    )
    args = parser.parse_args(argv)

    ensure_database(args.database)
    if args.update:
        update_addons(args.database)
    config._parse_config(
        [f"--addons-path={addons_path()}", "-d", args.database, "--log-level=warn"]
    )
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        start = time.perf_counter()
        if generate_history(env, args.subscriptions, args.months):
            print(f"history generated in {time.perf_counter() - start:.1f} s")
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
        rebuild = best(lambda: Movement._rebuild(company), args.repeat, cr)
        rows = count_rows(cr, tables)
        print(f"  {events:,} changes -> {rows:,} derived rows ({', '.join(tables)})")
        print(figure("full rebuild", rebuild, TARGETS["rebuild"]), flush=True)
        baseline = best(bare_copy(cr, tables), args.repeat, cr)
        print(f"  {'bare INSERT … SELECT, same rows':<36} {baseline:9.1f} s")
        ratio = rebuild / baseline
        verdict = "met" if ratio <= REBUILD_RATIO_TARGET else "MISSED"
        print(
            f"  {'ratio rebuild / bare INSERT':<36} {ratio:9.2f} ×   "
            f"target ≤ {REBUILD_RATIO_TARGET:g} ×: {verdict}",
            flush=True,
        )
        cr.rollback()
        vacuum(args.database, tables)

        for label, target, step in read_steps(manager):
            step()  # warm: field and rule caches
            manager.invalidate_all()
            seconds = best(step, max(args.repeat, 5))
            if target:
                print(figure(label, seconds, TARGETS[target], "ms"), flush=True)
            else:
                print(f"  {label:<36} {seconds * 1000:9.1f} ms", flush=True)

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
    print(f"  incremental = rebuilt: {'yes' if same else 'NO'}")
    print(f"  peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
