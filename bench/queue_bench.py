"""The scheduled invoicing through OCA's job queue (recurring_billing_queue), with real
Odoo servers: one worker against two, then ``kill -9`` while the jobs run.

    $ODOO_PYTHON bench/queue_bench.py --n 1000 --kills 5
    $ODOO_PYTHON bench/queue_bench.py --mode workers --n 2000

The data are those of ``chaos_cron.py --job invoicing`` (N subscriptions due today in
two companies, several periods each), in a database copied from the template
``queue_template`` (both addons without demo data, recurring_billing_queue and
queue_job installed, the queue switched on). Each server is ``python -m odoo
--load=base,web,queue_job --workers=2`` with its job runner; the channel of the
invoicing jobs gets one slot (one worker invoices) or two (two workers invoice at once,
``ODOO_QUEUE_JOB_CHANNELS=root:2,root.recurring_billing:2``). The scheduled action is
made due and woken up; it enqueues one job per batch, the runner hands them to the
workers. The time runs from the wake-up until nothing is due and no job is left.
Each side also prints the CPU seconds of the server's processes and of their
PostgreSQL backends (per invoice), the cores the rest of the machine used meanwhile,
and what the jobs' connections were doing inside their transactions, sampled in
``pg_stat_activity`` (``queue_sampler.py``): a ratio measured while other processes
take the cores says little, the CPU lines say why.

``--mode chaos`` kills the whole server (its process group: master, HTTP workers, cron
worker, job runner) ``--kills`` times, after a random delay or right when a worker is
writing invoices; jobs left *started* or *enqueued* are put back to *pending* before
the next start, as queue_job's README says to. The checks are those of chaos_cron.py,
straight in PostgreSQL: ``duplicates=0 missing=0 orphans=0 wrong_amounts=0``.
"""

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import closing, suppress
from pathlib import Path

from chaos_cron import (
    INSIDE,
    KEYS,
    PYTHON,
    Server,
    Watcher,
    check_invoicing,
    connect,
    drop,
    free_port,
    fresh_database,
    load,
    query,
    trigger,
    vacuum,
    wake_crons,
)
from queue_sampler import Sampler
from run import addons_path, ensure_up_to_date

TEMPLATE = "queue_template"
GLUE = "recurring_billing_queue"
JOB_METHOD = "_invoice_queued_batch"
WAITING = ("wait_dependencies", "pending", "enqueued", "started")


def ensure_template():
    """Both addons (rebuilt when their code changed), then the queue addon installed
    or updated, and the queue switched on."""
    ensure_up_to_date(TEMPLATE)
    subprocess.run(
        [PYTHON, "-m", "odoo", f"--addons-path={addons_path()}", "-d", TEMPLATE,
         "-i", GLUE, "-u", GLUE, "--stop-after-init", "--no-http",
         "--log-level=warn"],
        check=True,
    )  # fmt: skip


def set_queue(database, batch):
    with closing(connect(database)) as cnx:
        query(
            cnx,
            "DELETE FROM ir_config_parameter WHERE key LIKE 'recurring_billing_queue.%'",
        )
        query(
            cnx,
            "INSERT INTO ir_config_parameter (key, value) VALUES "
            "('recurring_billing_queue.enabled', 'True'), "
            "('recurring_billing_queue.batch_size', %s)",
            [str(batch)],
        )


class QueueWatcher(Watcher):
    """chaos_cron's watcher, for the connections of all the processes of a server."""

    def connections(self, server):
        return query(
            self.cnx,
            "SELECT pid, xact_start, query FROM pg_stat_activity "
            "WHERE application_name LIKE %s AND xact_start IS NOT NULL "
            "AND state IN ('active', 'idle in transaction')",
            [server.app],
        )


class QueueServer(Server):
    """``odoo --workers=2`` with queue_job's runner, the invoicing channel given
    ``capacity`` slots; killed as a whole process group."""

    def __init__(self, database, logdir, name, capacity):  # pylint: disable=W0231
        self.database = database
        self.port = free_port()
        self.log = Path(logdir, f"{name}.log")
        env = dict(
            os.environ,
            ODOO_QUEUE_JOB_CHANNELS=f"root:{capacity},root.recurring_billing:{capacity}",
            ODOO_QUEUE_JOB_HOST="127.0.0.1",
            ODOO_QUEUE_JOB_PORT=str(self.port),
            # Every process of the server (master, HTTP and cron workers) names its
            # connections after the server, with its own pid.
            ODOO_PGAPPNAME=f"qbench-{name}-{{pid}}",
        )
        self.process = subprocess.Popen(
            [PYTHON, "-m", "odoo", "-d", database, f"--addons-path={addons_path()}",
             f"--db-filter=^{database}$", f"--http-port={self.port}",
             "--http-interface=127.0.0.1", f"--gevent-port={free_port()}",
             "--load=base,web,queue_job", "--workers=2", "--max-cron-threads=1",
             # A job is an HTTP request: large batches on a busy machine need more
             # than the default 60 s of CPU and 120 s of real time.
             "--limit-time-cpu=600", "--limit-time-real=1200",
             "--limit-time-real-cron=86400", "--log-level=info",
             f"--logfile={self.log}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
        )  # fmt: skip
        self.app = f"qbench-{name}-%"

    def kill(self):
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()
        else:
            self.kill()


def due_left(cnx):
    return query(
        cnx,
        "SELECT count(*) FROM recurring_subscription "
        "WHERE state = 'active' AND date_next_invoice <= current_date",
    )[0][0]


def jobs_left(cnx):
    return query(
        cnx,
        "SELECT count(*) FROM queue_job WHERE method_name = %s AND state = ANY(%s)",
        [JOB_METHOD, list(WAITING)],
    )[0][0]


def cron_idle(cnx, cron_id):
    """The scheduled action ran (due again tomorrow) and nobody runs it now."""
    return bool(
        query(
            cnx,
            "SELECT id FROM ir_cron WHERE id = %s "
            "AND nextcall > (now() AT TIME ZONE 'UTC') + interval '1 hour' "
            "FOR SHARE SKIP LOCKED",
            [cron_id],
        )
    )


def requeue(cnx):
    """What queue_job's README asks after a crash, before Odoo starts again."""
    query(
        cnx,
        "UPDATE queue_job SET state = 'pending' WHERE state IN ('started', 'enqueued')",
    )


def finished(cnx, cron_id):
    return cron_idle(cnx, cron_id) and not jobs_left(cnx)


def wait_done(cnx, server, cron_id, timeout=3600):
    """Until the enqueued jobs are all done; the scheduled action is run again while
    something is due that no job holds (its earlier run was killed)."""
    start = time.monotonic()
    last_wake = start
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"server stopped, see {server.log}")
        if finished(cnx, cron_id):
            if not due_left(cnx):
                return
            trigger(cnx, [cron_id])
        if time.monotonic() - start > timeout:
            raise RuntimeError(f"not done after {timeout} s, see {server.log}")
        if time.monotonic() - last_wake > 3:
            wake_crons()
            last_wake = time.monotonic()
        time.sleep(0.1)


def counts_line(counts):
    return " ".join(f"{key}={counts[key]}" for key in (*KEYS, "gaps"))


def timed(args, data_db, data, capacity, logdir):
    """Invoice the due set of ``data_db`` with ``capacity`` workers; seconds, invoices,
    jobs, checks."""
    database = "queue_bench_run"
    fresh_database(database, template=data_db)
    vacuum(database)
    cron_id = data["crons"][0]
    server = QueueServer(database, logdir, f"workers-{capacity}", capacity)
    sampler = Sampler(database, server)
    try:
        server.wait_ready()
        with closing(connect(database)) as cnx:
            sampler.start()
            trigger(cnx, [cron_id])
            start = time.monotonic()
            wait_done(cnx, server, cron_id)
            seconds = time.monotonic() - start
            sampler.stop()
            made = query(
                cnx, "SELECT count(*) FROM account_move WHERE recurring_kind = 'period'"
            )[0][0]
            jobs = query(
                cnx,
                "SELECT count(*) FROM queue_job WHERE method_name = %s",
                [JOB_METHOD],
            )[0][0]
    finally:
        server.stop()
    counts = check_invoicing(database, data)
    drop(database)
    return seconds, made, jobs, counts, sampler.summary(made)


def workers_mode(args, logdir):
    data_db = "queue_bench_data"
    fresh_database(data_db, template=TEMPLATE)
    data = load(data_db, "invoicing", args.n, args.seed, args.batch_size)
    set_queue(data_db, args.batch_size)
    vacuum(data_db)
    results = {}
    try:
        for capacity in (1, 2):
            load_before = os.getloadavg()[0]
            results[capacity] = (
                *timed(args, data_db, data, capacity, logdir),
                load_before,
            )
    finally:
        drop(data_db)
    one_s, one_made, one_jobs, one_counts, one_cpu, one_load = results[1]
    two_s, two_made, two_jobs, two_counts, two_cpu, two_load = results[2]
    ok = one_made == two_made and all(
        counts[key] == 0 for counts in (one_counts, two_counts) for key in KEYS
    )
    print(
        f"mode=workers n={args.n} batch={args.batch_size} jobs={one_jobs},{two_jobs} "
        f"invoices={one_made},{two_made}",
        flush=True,
    )
    print(f"one_worker: {counts_line(one_counts)}", flush=True)
    print(f"one_worker: {one_cpu}", flush=True)
    print(f"two_workers: {counts_line(two_counts)}", flush=True)
    print(f"two_workers: {two_cpu}", flush=True)
    print(
        f"one_worker={one_made / one_s:.1f}/s ({one_s:.1f} s) "
        f"two_workers={two_made / two_s:.1f}/s ({two_s:.1f} s) "
        f"ratio={one_s / two_s:.2f} load_before={one_load:.1f},{two_load:.1f}",
        flush=True,
    )
    return ok


def chaos_mode(args, logdir):
    database = "queue_chaos"
    fresh_database(database, template=TEMPLATE)
    started = time.monotonic()
    data = load(database, "invoicing", args.n, args.seed, args.batch_size)
    set_queue(database, args.batch_size)
    vacuum(database)
    build_seconds = time.monotonic() - started
    cron_id = data["crons"][0]
    rng = random.Random(args.seed + 1)
    cnx = connect(database)
    watcher = QueueWatcher(cnx, INSIDE["invoicing"])
    servers = []
    kills = kills_inside = 0
    started = time.monotonic()
    try:
        for number in range(args.kills):
            requeue(cnx)
            server = QueueServer(database, logdir, f"chaos-{number + 1}", 2)
            servers.append(server)
            server.wait_ready()
            trigger(cnx, [cron_id])
            targeted = number % 2 == 1
            deadline = time.monotonic() + (
                120 if targeted else rng.uniform(1.0, args.max_delay)
            )
            while time.monotonic() < deadline:
                if finished(cnx, cron_id) and not due_left(cnx):
                    break
                if targeted and watcher.inside(server):
                    time.sleep(rng.uniform(0, 0.3))
                    break
                time.sleep(0.01)
            if finished(cnx, cron_id) and not due_left(cnx):
                server.stop()
                break
            kills_inside += watcher.inside(server)
            server.kill()
            kills += 1
        requeue(cnx)
        server = QueueServer(database, logdir, "chaos-last", 2)
        servers.append(server)
        server.wait_ready()
        trigger(cnx, [cron_id])
        wait_done(cnx, server, cron_id)
        server.stop()
    finally:
        for server in servers:
            server.kill()
        cnx.close()
    seconds = time.monotonic() - started
    counts = check_invoicing(database, data)
    errors = sum(len(server.errors()) for server in servers)
    if not args.keep_db:
        drop(database)
    print(
        f"mode=chaos n={args.n} kills={kills} kills_inside={kills_inside} "
        f"{counts_line(counts)} server_errors={errors} seconds={seconds:.0f} "
        f"(data {build_seconds:.0f} s)",
        flush=True,
    )
    return kills == args.kills and all(counts[key] == 0 for key in KEYS)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="all", choices=("workers", "chaos", "all"))
    parser.add_argument("--n", type=int, default=1000, help="subscriptions")
    parser.add_argument("--kills", type=int, default=5, help="kill -9 in chaos mode")
    parser.add_argument(
        "--batch-size", type=int, default=50, help="subscriptions per job"
    )
    parser.add_argument(
        "--max-delay",
        type=float,
        default=20.0,
        help="longest random delay (seconds) before an untargeted kill",
    )
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    ensure_template()
    print(f"uptime: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}", flush=True)
    logdir = tempfile.mkdtemp(prefix="queue-bench-")
    ok = True
    if args.mode in ("workers", "all"):
        ok &= workers_mode(args, logdir)
    if args.mode in ("chaos", "all"):
        ok &= chaos_mode(args, logdir)
    print(f"server logs in {logdir}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
