"""Benchmark runner: times a scenario beside a baseline measured in the same run.

    $ODOO_PYTHON bench/run.py --scenario cron-invoices --n 2000 --repeat 3
    $ODOO_PYTHON bench/run.py --scenario cron-invoices --n 1000,10000

Builds (once) a template database with both addons and the generated customers and
subscriptions of the largest N, analysed so every run starts from the same planner
statistics; the addons are updated in it whenever their code changed. Each side of
a scenario (the baseline first) is then timed in a process of its own, on a fresh
copy of the template, so both commit their batches as the scheduled job does, start
from the same data (vacuumed, analysed and checkpointed, so that no side starts
among dirty buffers the other must write) and report their own peak memory. The
sides run in lockstep (lockstep.py): taking turns after each batch and every
``--slice`` seconds within one, so that both meet the same load of a shared machine;
both hash alike and start their timed work with the garbage collected; ``--sequential``
(implied by ``--profile``) times
each side's whole run after the other's instead. The order of the sides alternates
between repeats; each repeat prints both ratios (wall and CPU), the CPU time per
invoice and the load of the machine; the figures are medians, with the median and
the worst of the ratios of each repeat. A profile (``--profile``) counts CPU time,
which the load of a shared machine leaves alone. With several N, the growth
factor of each side (time at the largest N / time at the smallest) tells whether the
time grows linearly.
"""

import argparse
import contextlib
import gc
import hashlib
import itertools
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from lockstep import Turns, run_in_turns
from report import (
    RATIO_TARGET,
    RATIO_TARGETS,
    report_growth,
    report_repeat,
    report_size,
)

import odoo
from odoo.tools import config

ROOT = Path(__file__).resolve().parent.parent
# The keys of scenarios.SCENARIOS: that module imports the addons, which only the
# child processes load.
SCENARIO_NAMES = ("cron-invoices", "raw-invoices", "cron-charges")
ADDONS = ("recurring_billing", "mrr_analytics")
# Installed beside the addons: the provider the charges of ``cron-charges`` go to.
EXTRA_MODULES = ("payment_demo",)
EXTRA_QUERY = (
    "SELECT COUNT(*) FROM ir_module_module WHERE state = 'installed' "
    f"AND name IN ({', '.join(repr(name) for name in EXTRA_MODULES)})"
)
FINGERPRINT_KEY = "bench.addons_fingerprint"
FINGERPRINT_QUERY = (
    f"SELECT value FROM ir_config_parameter WHERE key = '{FINGERPRINT_KEY}'"
)

WARMUP = 20


def addons_path():
    config._parse_config([])
    return f"{config['addons_path']},{ROOT}"


def ensure_database(name):
    """Create the benchmark database with both addons, without demo data, once."""
    if database_exists(name):
        return
    sys.stderr.write(f"building benchmark database {name} (about a minute)\n")
    subprocess.run(
        [sys.executable, "-m", "odoo", f"--addons-path={addons_path()}", "-d", name]
        + ["-i", ",".join(ADDONS + EXTRA_MODULES), "--without-demo=all"]
        + ["--stop-after-init", "--no-http", "--log-level=warn"],
        check=True,
    )


def database_exists(name):
    listing = subprocess.run(
        ["psql", "-lqt"], capture_output=True, text=True, check=True
    ).stdout
    return any(line.split("|")[0].strip() == name for line in listing.splitlines())


def addons_fingerprint():
    """A digest of the addons' files: it changes whenever their code does."""
    digest = hashlib.sha1()
    for addon in ADDONS:
        for path in sorted((ROOT / addon).rglob("*")):
            if path.is_file() and path.suffix in (".py", ".xml", ".csv"):
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def psql(database, query):
    return subprocess.run(
        ["psql", "-Atq", "-d", database, "-c", query],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def ensure_up_to_date(name):
    """Build the database once; update its addons whenever their code changed."""
    fingerprint = addons_fingerprint()
    if not database_exists(name):
        ensure_database(name)
    elif psql(name, FINGERPRINT_QUERY) == fingerprint and psql(
        name, EXTRA_QUERY
    ) == str(len(EXTRA_MODULES)):
        return
    else:
        sys.stderr.write(f"updating the addons in {name}: their code changed\n")
        subprocess.run(
            [sys.executable, "-m", "odoo", f"--addons-path={addons_path()}"]
            + ["-d", name, "-u", ",".join(ADDONS), "-i", ",".join(EXTRA_MODULES)]
            + ["--stop-after-init", "--no-http", "--log-level=warn"],
            check=True,
        )
    psql(
        name,
        f"DELETE FROM ir_config_parameter WHERE key = '{FINGERPRINT_KEY}'; "
        "INSERT INTO ir_config_parameter (key, value) "
        f"VALUES ('{FINGERPRINT_KEY}', '{fingerprint}')",
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


def open_registry(database):
    config._parse_config(
        [f"--addons-path={addons_path()}", "-d", database, "--log-level=warn"]
    )
    return odoo.modules.registry.Registry(database)


# -- In the child processes ------------------------------------------------------------


def prepare(database, scenario, count):
    """Make and commit the data of ``scenario`` for ``count`` customers; its labels."""
    registry = open_registry(database)
    # Imports the addons: possible once the registry has set their path up.
    from scenarios import SCENARIOS

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        customers = ensure_customers(env, count)
        labels = [label for label, _step in SCENARIOS[scenario](env, customers)]
        cr.commit()
    return {"labels": labels}


def backend_cpu_seconds(cr):
    """CPU time used so far by the PostgreSQL process serving ``cr``, if local."""
    try:
        stat = Path(f"/proc/{cr._cnx.get_backend_pid()}/stat").read_text()
    except OSError:
        return None
    # utime and stime, the 14th and 15th fields, counted after the command name.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(  # noqa: PLR0913 - the options of one side's run
    database, scenario, count, index, profile=None, lockstep=False, slice_seconds=None
):
    """Time the ``index``-th step of ``scenario`` on ``count`` customers, committing.

    In ``lockstep``, the step runs in turns when the parent says (see lockstep.py),
    a turn ending after each batch and after ``slice_seconds`` within one; only the
    time of its turns counts.
    """
    registry = open_registry(database)
    from scenarios import SCENARIOS

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        customers = ensure_customers(env, count)
        # A small first pass, rolled back, fills Odoo's caches: both sides run warm.
        steps = list(SCENARIOS[scenario](env, customers[:WARMUP]))
        steps[index][1]()
        cr.rollback()
        env.invalidate_all()
        label, step = list(SCENARIOS[scenario](env, customers, commit=True))[index]
        turns = lockstep and Turns(lambda: backend_cpu_seconds(cr), slice_seconds)
        # The garbage of the warm-up collected: each side starts its timed work with
        # the same collector state, not with one side's full collection due sooner.
        gc.collect()
        if turns:
            turns.wait()
        rss_before = peak_rss_mb()
        profiler = None
        if profile:
            import cProfile  # noqa: PLC0415 - only when profiling

            # CPU time, not wall time: a shared machine's load stays out of it.
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
        db_start = backend_cpu_seconds(cr)
        queries_start = cr.sql_log_count
        cpu_start = time.process_time()
        start = time.perf_counter()
        with batch_clock(cr, turns) as ends, sliced(cr, turns):
            made = step()
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        db_end = backend_cpu_seconds(cr)
        queries = cr.sql_log_count - queries_start
        batches = [b - a for a, b in itertools.pairwise([start, *ends])]
        if turns:
            turns.lap()
            seconds, cpu, db_cpu, batches = turns.totals()
            db_start, db_end = 0.0, db_cpu
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
    return {
        "label": label,
        "seconds": seconds,
        "count": made,
        "cpu": cpu,
        "db_cpu": None if db_start is None else db_end - db_start,
        "queries": queries,
        "rss_mb": peak_rss_mb(),
        "rss_before_mb": rss_before,
        "batches": batches,
    }


@contextlib.contextmanager
def batch_clock(cr, turns=None):
    """The times at which the batches made on ``cr`` end; in lockstep, the side then
    waits for its next turn.

    A batch ends where both sides start the next one from an empty cache
    (``invalidate_all``, see scenarios.end_batch) after committing. Not at each
    commit: the job may commit more than once per batch (its charges), and taking
    turns at each commit made it wait for a whole batch of the other side in the
    middle of its own batch, so that the sides no longer alternated batch for batch.
    """
    ends = []
    committed = False
    commit = cr.commit
    invalidate_all = odoo.api.Environment.invalidate_all

    def noted_commit():
        nonlocal committed
        result = commit()
        committed = True
        return result

    def batch_end(env, *args, **kwargs):
        nonlocal committed
        result = invalidate_all(env, *args, **kwargs)
        if committed and env.cr is cr:
            committed = False
            ends.append(time.perf_counter())
            if turns:
                turns.after_batch()
        return result

    cr.commit = noted_commit
    odoo.api.Environment.invalidate_all = batch_end
    try:
        yield ends
    finally:
        cr.commit = commit
        odoo.api.Environment.invalidate_all = invalidate_all


@contextlib.contextmanager
def sliced(cr, turns):
    """In lockstep, end the side's turn before a query on ``cr`` once it has run
    its slice (lockstep.Turns.slice): between two queries, its transaction idle."""
    if not turns or not turns.slice_seconds:
        yield
        return
    execute = cr.execute

    def sliced_execute(*args, **kwargs):
        turns.slice()
        return execute(*args, **kwargs)

    cr.execute = sliced_execute
    try:
        yield
    finally:
        cr.execute = execute


# -- In the parent process -------------------------------------------------------------


# Both sides hash strings alike, so that their sets and dicts are laid out alike:
# with a random seed per process, the same side against itself differed by up to
# a few per cent of CPU time.
CHILD_ENV = dict(os.environ, PYTHONHASHSEED="0")


def child(*args):
    """Run this script with ``args`` in a new process; the JSON it prints last."""
    done = subprocess.run(
        [sys.executable, __file__, *map(str, args)],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
        env=CHILD_ENV,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def fresh_copy(template, suffix=""):
    copy = f"{template}_run{suffix}"
    if database_exists(copy):
        subprocess.run(["dropdb", copy], check=True)
    # A file copy starts with a checkpoint: every run finds the same clean buffers
    # instead of the write-ahead log of the previous copy being flushed meanwhile.
    subprocess.run(
        ["createdb", "--strategy=file_copy", "-T", template, copy], check=True
    )
    # Autovacuum may be off: each side starts from analysed tables with their
    # visibility map set, whatever was done to the template before.
    psql(copy, "VACUUM ANALYZE")
    # The vacuum dirtied buffers (hint bits, visibility map): written now, not by
    # whichever side runs when the checkpointer or the eviction of a buffer gets to
    # them. Without it, the side copied last started with the other's dirty pages.
    psql(copy, "CHECKPOINT")
    return copy


def build_template(args, largest):
    ensure_up_to_date(args.database)
    labels = child(
        "--prepare", "--scenario", args.scenario, "--n", largest, "-d", args.database
    )["labels"]
    subprocess.run(
        ["psql", "-q", "-d", args.database, "-c", "VACUUM ANALYZE"], check=True
    )
    return labels


def run_in_lockstep(args, count, runs, repeat):
    """One repeat of every side, batch by batch in turns (lockstep.py)."""
    first = repeat % len(runs)
    # Copied in the order the sides take their turns: a copy made later finds more
    # of its pages in PostgreSQL's buffers, and that favour alternates with the
    # order of the sides instead of always going to the same side.
    order = list(runs)[first:] + list(runs)[:first]
    made = {index: fresh_copy(args.database, index) for index in order}
    copies = [made[index] for index in runs]
    try:
        results = run_in_turns(
            [
                [sys.executable, __file__, "--measure", args.steps[index], "--lockstep"]
                + ["--slice", args.slice]
                + ["--scenario", args.scenario, "--n", count, "-d", copy]
                for index, copy in zip(runs, copies, strict=True)
            ],
            first=first,
            env=CHILD_ENV,
            # Cluster-wide; on the maintenance database, never on a copy or the
            # template, which a connection would keep from being copied.
            between=lambda: psql("postgres", "CHECKPOINT"),
        )
    finally:
        for copy in copies:
            subprocess.run(["dropdb", copy], check=True)
    for index, result in zip(runs, results, strict=True):
        runs[index].append(result)


def run_size(args, count, labels):
    """Every side ``args.repeat`` times on ``count`` customers; runs per side."""
    runs = {index: [] for index in range(len(labels))}
    for repeat in range(args.repeat):
        order = list(runs) if repeat % 2 == 0 else list(reversed(runs))
        loads = []
        if not args.sequential:
            loads.append(os.getloadavg()[0])
            run_in_lockstep(args, count, runs, repeat)
            order = []
        for index in order:
            loads.append(os.getloadavg()[0])
            copy = fresh_copy(args.database)
            extra = []
            if args.profile:
                Path(args.profile).mkdir(parents=True, exist_ok=True)
                name = f"{args.scenario}-{index}-n{count}-r{repeat + 1}.prof"
                extra = ["--profile", Path(args.profile, name)]
            try:
                result = child(
                    "--measure", args.steps[index], "--scenario", args.scenario, "--n", count,
                    "-d", copy, *extra,
                )  # fmt: skip
            finally:
                subprocess.run(["dropdb", copy], check=True)
            runs[index].append(result)
        order = order or (list(runs) if repeat % 2 == 0 else list(reversed(runs)))
        report_repeat(repeat, labels, runs, order, loads)
    return runs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", required=True, choices=SCENARIO_NAMES)
    parser.add_argument(
        "--n",
        default="2000",
        help="customers (one invoice each); a comma-separated list for growth",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each side")
    parser.add_argument(
        "-d",
        "--database",
        default=os.environ.get("BENCH_DB", "bench_invoicing"),
        help="template database, built once and copied for each run",
    )
    parser.add_argument("--profile", help="folder for a cProfile file of each run")
    parser.add_argument(
        "--sequential",
        action="store_true",
        help="time each side's whole run after the other's instead of in lockstep",
    )
    # An A/A test: "0,0" times the baseline against itself, so that the spread of
    # its ratios shows what the bench itself adds to the ratio of two sides.
    parser.add_argument("--sides", help=argparse.SUPPRESS)
    parser.add_argument(
        "--slice",
        type=float,
        default=2.0,
        help="in lockstep, seconds a side runs before the other's turn (0: a batch)",
    )
    parser.add_argument("--lockstep", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    # A profile is of one whole run: its side runs alone.
    args.sequential = args.sequential or bool(args.profile)
    sizes = sorted({int(n) for n in args.n.split(",")})

    if args.prepare:
        print(json.dumps(prepare(args.database, args.scenario, sizes[-1])))
        return
    if args.measure is not None:
        result = measure(
            args.database,
            args.scenario,
            sizes[-1],
            args.measure,
            args.profile,
            args.lockstep,
            args.slice,
        )
        print(json.dumps(result))
        return

    labels = build_template(args, sizes[-1])
    args.steps = (
        [int(step) for step in args.sides.split(",")]
        if args.sides
        else list(range(len(labels)))
    )
    labels = [f"{labels[step]}" for step in args.steps]
    if len(set(args.steps)) < len(args.steps):
        labels = [f"{label} ({'AB'[k]})" for k, label in enumerate(labels)]
    print(
        f"scenario {args.scenario}, template {args.database}, "
        f"{args.repeat} repeat(s), sides alternated, figures are medians",
        flush=True,
    )
    medians = {}
    for count in sizes:
        print(f"n={count} ...", flush=True)
        medians[count] = report_size(
            count,
            labels,
            run_size(args, count, labels),
            RATIO_TARGETS.get(args.scenario, RATIO_TARGET),
        )
    if len(sizes) > 1:
        report_growth(sizes, labels, medians)


if __name__ == "__main__":
    main()
