"""Where a full rebuild of the MRR analytics spends its time, statement by statement.

    $ODOO_PYTHON bench/mrr_rebuild_statements.py --database mrr_bench [--explain FILE]

On the database ``bench/bench_mrr.py`` built, runs ``--repeat`` times, in turns, a
full rebuild and the bare INSERT … SELECT copy of its rows (``bare_copy`` of
bench_mrr.py), each rolled back, and prints for each statement that writes or
analyzes its wall time and the CPU time of the PostgreSQL process (the best of the
runs): on a shared machine the CPU time says what the statement did, whatever the
load. ``--explain`` also writes each statement's EXPLAIN (ANALYZE, BUFFERS, WAL) to a
file, from one more run of each side.
"""

import argparse
import os
import time
from collections import defaultdict

# Run as a script: this folder is on sys.path, so its sibling modules import plainly.
from bench_mrr import bare_copy, derived_tables, vacuum
from run import backend_cpu_seconds, ensure_up_to_date, open_registry

import odoo
from odoo.tools import SQL

TIMED = ("DELETE", "INSERT", "WITH", "TRUNCATE", "ANALYZE")


class StatementClock:
    """Times, while active, each statement of ``TIMED`` that a cursor runs."""

    def __init__(self, cr, explain=None):
        self.cr = cr
        self.explain = explain
        self.times = defaultdict(list)
        self.original = type(cr).execute

    def __enter__(self):
        clock, original = self, self.original

        def execute(cursor, query, params=None, log_exceptions=True):
            text = query.code if isinstance(query, SQL) else query
            words = text.split()
            if cursor is not clock.cr or not words or words[0].upper() not in TIMED:
                return original(cursor, query, params, log_exceptions)
            label = " ".join(words)[:70]
            cpu, start = backend_cpu_seconds(cursor), time.perf_counter()
            if clock.explain and words[0].upper() != "ANALYZE":
                statement = (
                    query if isinstance(query, SQL) else SQL(query, *params or ())
                )
                original(
                    cursor,
                    SQL("EXPLAIN (ANALYZE, BUFFERS, WAL, TIMING OFF) %s", statement),
                )
                plan = "\n".join(row[0] for row in cursor.fetchall())
                clock.explain.write(f"==== {label}\n{plan}\n\n")
                result = None
            else:
                result = original(cursor, query, params, log_exceptions)
            clock.times[label].append(
                (time.perf_counter() - start, backend_cpu_seconds(cursor) - cpu)
            )
            return result

        type(self.cr).execute = execute
        return self

    def __exit__(self, *exc):
        type(self.cr).execute = self.original


def print_side(title, times):
    """One line per statement: best wall and CPU time of its runs; then the total."""
    print(title)
    wall_total = cpu_total = 0.0
    for label, runs in times.items():
        wall, cpu = min(w for w, _c in runs), min(c for _w, c in runs)
        wall_total, cpu_total = wall_total + wall, cpu_total + cpu
        print(f"  {wall:7.3f} s  CPU {cpu:6.2f} s  {label}")
    print(f"  {wall_total:7.3f} s  CPU {cpu_total:6.2f} s  total")
    return wall_total, cpu_total


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database", default=os.environ.get("MRR_BENCH_DB", "mrr_bench")
    )
    parser.add_argument("--repeat", type=int, default=2, help="runs per side")
    parser.add_argument("--explain", help="file to write the plans to")
    args = parser.parse_args(argv)

    ensure_up_to_date(args.database)
    registry = open_registry(args.database)
    sides = {"rebuild": defaultdict(list), "bare": defaultdict(list)}
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        tables = derived_tables(env)
        company = env.company

        def run(side, explain=None):
            cr.commit()
            vacuum(args.database, tables)
            step = (
                (lambda: env["mrr.movement"]._rebuild(company))
                if side == "rebuild"
                else bare_copy(cr, tables)
            )
            with StatementClock(cr, explain) as clock:
                step()
            cr.rollback()
            if not explain:
                for label, runs in clock.times.items():
                    sides[side][label] += runs

        for _repeat in range(args.repeat):
            for side in sides:
                run(side)
        if args.explain:
            with open(args.explain, "w", encoding="utf-8") as file:
                for side in sides:
                    run(side, file)
    rebuild = print_side("full rebuild, per statement", sides["rebuild"])
    bare = print_side("bare INSERT … SELECT, per table", sides["bare"])
    print(
        f"ratio rebuild / bare: wall {rebuild[0] / bare[0]:.2f} ×, "
        f"CPU {rebuild[1] / bare[1]:.2f} ×"
    )


if __name__ == "__main__":
    main()
