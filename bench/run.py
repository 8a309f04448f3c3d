"""Benchmark runner: times a scenario beside a baseline measured in the same run.

    $ODOO_PYTHON bench/run.py --scenario raw-invoices --n 1000

Builds (once) a benchmark database with both addons and N generated customers, then runs
the scenario inside a transaction that is rolled back, so the database can be reused.
Each scenario returns named timings; the first is the baseline the others are divided by.
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

# Run as a script: this folder is on sys.path, so its sibling module imports plainly.
from scenarios import SCENARIOS

import odoo
from odoo.tools import config

ROOT = Path(__file__).resolve().parent.parent


WARMUP = 20


def addons_path():
    config._parse_config([])
    return f"{config['addons_path']},{ROOT}"


def ensure_database(name):
    """Create the benchmark database with both addons, without demo data, once."""
    exists = subprocess.run(
        ["psql", "-lqt"], capture_output=True, text=True, check=True
    ).stdout
    if any(line.split("|")[0].strip() == name for line in exists.splitlines()):
        return
    sys.stderr.write(f"building benchmark database {name} (about a minute)\n")
    subprocess.run(
        [sys.executable, "-m", "odoo", f"--addons-path={addons_path()}", "-d", name]
        + ["-i", "recurring_billing,mrr_analytics", "--without-demo=all"]
        + ["--stop-after-init", "--no-http", "--log-level=warn"],
        check=True,
    )


def ensure_customers(env, count):
    """At least ``count`` generated customers with an invoice address; returns them."""
    partners = env["res.partner"].search(
        [("ref", "=like", "BENCH-%")], order="id", limit=count
    )
    missing = count - len(partners)
    if missing > 0:
        partners |= env["res.partner"].create(
            [
                {
                    "name": f"Bench customer {n}",
                    "ref": f"BENCH-{n:07d}",
                    "street": "1 Road",
                }
                for n in range(len(partners), count)
            ]
        )
        env.cr.commit()
    return partners


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", required=True, choices=sorted(SCENARIOS))
    parser.add_argument("--n", type=int, default=1000, help="customers / records")
    parser.add_argument("--database", default=os.environ.get("BENCH_DB", "rb_bench"))
    args = parser.parse_args(argv)

    ensure_database(args.database)
    config._parse_config(
        [f"--addons-path={addons_path()}", "-d", args.database, "--log-level=warn"]
    )
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        customers = ensure_customers(env, args.n)
        scenario = SCENARIOS[args.scenario]
        # A small first pass fills Odoo's caches so both sides are timed warm.
        for _label, step in scenario(env, customers[:WARMUP]):
            step()
            cr.rollback()
        timings = []
        for label, step in scenario(env, customers):
            start = time.perf_counter()
            count = step()
            timings.append((label, time.perf_counter() - start, count))
            cr.rollback()
    base_label, base_time, _count = timings[0]
    print(f"scenario {args.scenario}, n={args.n}, database {args.database}")
    for label, seconds, count in timings:
        rate = f", {count / seconds:,.0f}/s" if count else ""
        ratio = seconds / base_time if base_time else float("nan")
        print(
            f"  {label:<32} {seconds:8.3f} s{rate}  ratio {ratio:.2f} vs {base_label}"
        )
    print(f"  peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
