"""Where the time of a queued invoicing batch goes, in one process, by phase.

    $ODOO_PYTHON bench/queue_phases.py --n 600 --batch-size 50 [--profile out.prof]

The data are those of ``queue_bench.py`` (``chaos_cron.py --job invoicing``). Each
batch is invoiced the way a worker of the job queue does it
(``recurring.invoicing.job._invoice_queued_batch``, committing), one after the other,
and each phase is timed: its real time, the CPU time of this Python process and the
CPU time of its PostgreSQL backend (read from /proc). The phases:

``select``  lock the batch, read its due periods and the ledger, price the lines
``create``  the ledger rows and the draft invoices
``post``    the posting, until the lock of the journals' numbering
``lock``    taking that lock (without waiting here: one process)
``locked``  the rest of the posting: the numbering and what follows it
``after``   from the end of the posting to the end of the commit: the work done while
            the lock is held and no number is being taken
``charge``  charging the saved payment methods, after the commit

The *locked window* is what two workers posting in one journal cannot do at once.
With ``p`` the rest of a batch, two workers on two free cores invoice at most
``min(2, (p + locked) / locked)`` times as fast as one; the CPU line says what the
batch costs the two cores in Python and in PostgreSQL together.
"""

import argparse
import cProfile
import os
import sys
import time
from collections import defaultdict
from contextlib import closing, contextmanager
from pathlib import Path

from chaos_cron import connect, fresh_database, load, query, vacuum
from queue_bench import TEMPLATE, ensure_template, set_queue
from run import database_exists, open_registry

PHASES = ("select", "create", "post", "lock", "locked", "after", "charge")
LOCKED = ("lock", "locked", "after")
TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid):
    """CPU seconds (user + system) of a PostgreSQL backend, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class Clock:
    """Real, Python CPU and PostgreSQL CPU time by phase; ``mark`` closes the phase
    running and opens the next one."""

    def __init__(self, backend, profiler=None, profiled=PHASES):
        self.backend = backend
        self.profiler = profiler
        self.profiled = profiled
        self.totals = defaultdict(lambda: [0.0, 0.0, 0.0])
        self.phase = None
        self.since = None

    def now(self):
        return (time.perf_counter(), time.process_time(), backend_cpu(self.backend))

    def mark(self, phase):
        now = self.now()
        if self.phase:
            total = self.totals[self.phase]
            for index, (end, start) in enumerate(zip(now, self.since, strict=True)):
                total[index] += end - start
        if self.profiler and self.phase in self.profiled:
            self.profiler.disable()
        self.phase, self.since = phase, now
        if self.profiler and phase in self.profiled:
            self.profiler.enable()


@contextmanager
def patched(cls, name, before=None, after=None):
    """Call ``clock.mark`` around ``cls.name``."""
    original = getattr(cls, name)

    def wrapper(self, *args, **kwargs):
        if before:
            before()
        result = original(self, *args, **kwargs)
        if after:
            after()
        return result

    setattr(cls, name, wrapper)
    try:
        yield
    finally:
        setattr(cls, name, original)


def run_batches(database, batch_size, profile, profiled):
    import odoo  # noqa: PLC0415 - loaded once the registry set the addons' path up

    registry = open_registry(database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        cr.execute("SELECT pg_backend_pid()")
        profiler = cProfile.Profile() if profile else None
        clock = Clock(cr.fetchone()[0], profiler, profiled)
        job = env["recurring.invoicing.job"]
        due = env["recurring.subscription"].search(
            job._due_domain(odoo.fields.Date.today()),
            order="company_id, date_next_invoice, id",
        )
        batches = [
            (sub_ids[0].company_id, sub_ids.ids)
            for sub_ids in (
                due.filtered(lambda sub, company=company: sub.company_id == company)
                for company in due.company_id
            )
        ]
        chunks = [
            (company, ids[start : start + batch_size])
            for company, ids in batches
            for start in range(0, len(ids), batch_size)
        ]
        maker = type(env["recurring.invoice.maker"])
        move = type(env["account.move"])
        if hasattr(move, "_lock_journal_numbering"):
            # The lock is taken in the posting, when the invoices are numbered.
            lock = patched(
                move,
                "_lock_journal_numbering",
                lambda: clock.mark("lock"),
                lambda: clock.mark("locked"),
            )
            post = patched(
                move,
                "action_post",
                lambda: clock.mark("post"),
                lambda: clock.mark("after"),
            )
        else:
            # The lock is taken before the posting.
            lock = patched(maker, "_apply_invoice_policy", lambda: clock.mark("lock"))
            post = patched(
                move,
                "action_post",
                lambda: clock.mark("locked"),
                lambda: clock.mark("after"),
            )
        started = time.perf_counter()
        with (
            patched(maker, "_create_period_invoices", lambda: clock.mark("create")),
            lock,
            post,
            patched(move, "_recurring_charge_token", lambda: clock.mark("charge")),
        ):  # fmt: skip
            for company, ids in chunks:
                clock.mark("select")
                job.with_company(company)._invoice_queued_batch(
                    ids, odoo.fields.Date.to_string(odoo.fields.Date.today())
                )
                clock.mark(None)
        seconds = time.perf_counter() - started
        cr.execute(
            "SELECT count(*) FROM account_move WHERE recurring_kind = 'period' "
            "AND state = 'posted'"
        )
        invoices = cr.fetchone()[0]
    if profiler:
        profiler.dump_stats(profile)
    return clock.totals, seconds, invoices, len(chunks)


def report(totals, seconds, invoices, batches):
    print(f"batches={batches} invoices={invoices} seconds={seconds:.1f}", flush=True)
    print("phase   real_s  py_cpu_s  pg_cpu_s  real_ms/invoice", flush=True)
    whole = [sum(totals[phase][i] for phase in PHASES) for i in range(3)]
    for phase in PHASES:
        real, py, pg = totals[phase]
        print(
            f"{phase:7} {real:6.1f}  {py:8.1f}  {pg:8.1f}  {1000 * real / invoices:6.1f}",
            flush=True,
        )
    locked = [sum(totals[phase][i] for phase in LOCKED) for i in range(3)]
    print(
        f"total   {whole[0]:6.1f}  {whole[1]:8.1f}  {whole[2]:8.1f}  "
        f"{1000 * whole[0] / invoices:6.1f}",
        flush=True,
    )
    share = locked[0] / whole[0]
    cpu_share = (locked[1] + locked[2]) / (whole[1] + whole[2])
    print(
        f"locked_window={share:.0%} of a batch's real time, {cpu_share:.0%} of its "
        f"CPU; bound for two workers on two free cores: {min(2.0, 1 / share):.2f}",
        flush=True,
    )
    print(
        f"cpu_per_invoice: python={1000 * whole[1] / invoices:.1f} ms "
        f"postgresql={1000 * whole[2] / invoices:.1f} ms; one worker keeps "
        f"{(whole[1] + whole[2]) / whole[0]:.2f} cores busy",
        flush=True,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=600, help="subscriptions")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--database", default="queue_phases")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="invoice the data left by the previous run again (same --n)",
    )
    parser.add_argument("--profile", help="write a cProfile of the batches here")
    parser.add_argument(
        "--profile-phases",
        default=",".join(PHASES),
        help="profile only these phases (comma-separated)",
    )
    args = parser.parse_args(argv)
    ensure_template()
    data_db = f"{args.database}_data"
    if not (args.reuse and database_exists(data_db)):
        fresh_database(data_db, template=TEMPLATE)
        load(data_db, "invoicing", args.n, args.seed, args.batch_size)
        set_queue(data_db, args.batch_size)
    fresh_database(args.database, template=data_db)
    vacuum(args.database)
    print(f"uptime: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    report(
        *run_batches(
            args.database,
            args.batch_size,
            args.profile,
            args.profile_phases.split(","),
        )
    )
    with closing(connect(args.database)) as cnx:
        left = query(
            cnx,
            "SELECT count(*) FROM recurring_subscription "
            "WHERE state = 'active' AND date_next_invoice <= current_date",
        )
        print(f"still_due={left[0][0]}", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
