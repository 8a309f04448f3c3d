"""What the processes of a benchmarked Odoo server spend their time on: CPU seconds of
the server's processes and of their PostgreSQL backends, of the rest of the machine,
and, sampled every 50 ms in ``pg_stat_activity``, what each of its connections inside
a transaction is doing (working in PostgreSQL, waiting for a lock, or idle while the
Python side works)."""

import os
import threading
import time
from collections import Counter
from contextlib import closing, suppress
from pathlib import Path

from chaos_cron import connect, query

TICKS = os.sysconf("SC_CLK_TCK")
INTERVAL = 0.05
# The server's processes are looked for in /proc every so many samples (their CPU is
# read at each sample): walking /proc is what costs the sampler most.
RESCAN = 40


def process_cpu(pid):
    """CPU seconds (user + system) of process ``pid`` (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def descendants(pid):
    """``pid`` and all the processes below it."""
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(FileNotFoundError, ProcessLookupError, IndexError):
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def machine_busy():
    """Busy and total CPU seconds of the whole machine since it started."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICKS


def state_of(state, wait_type, wait_event):
    if state == "idle in transaction":
        return "python"
    if wait_type == "Lock":
        return f"lock:{wait_event}"
    if wait_type in (None, "CPU"):
        return "postgresql"
    return f"{wait_type.lower()}:{wait_event}"


class Sampler(threading.Thread):
    """Samples the CPU of one or more servers and their connections until ``stop``."""

    def __init__(self, database, *servers):
        super().__init__(daemon=True)
        self.database = database
        self.servers = servers
        self.states = Counter()
        self.odoo_cpu = {}
        self.pg_cpu = {}
        # Each process's CPU when first seen: what it used before the sampling
        # (the server's start-up) is not the run's.
        self.first_cpu = {}
        self.processes = []
        self.samples = 0
        self.stopped = threading.Event()

    def run(self):
        self.start_time = time.monotonic()
        self.start_busy = machine_busy()
        with closing(connect(self.database)) as cnx:
            while not self.stopped.is_set():
                self.sample(cnx)
                self.stopped.wait(INTERVAL)
            self.sample(cnx)
        self.seconds = time.monotonic() - self.start_time
        self.busy = machine_busy() - self.start_busy

    def sample(self, cnx):
        rows = query(
            cnx,
            "SELECT pid, state, wait_event_type, wait_event, xact_start IS NOT NULL "
            "FROM pg_stat_activity WHERE application_name LIKE ANY(%s)",
            [[server.app for server in self.servers]],
        )
        for pid, state, wait_type, wait_event, in_transaction in rows:
            self.pg_cpu[pid] = self._used_since_seen(pid, self.pg_cpu)
            if in_transaction and state != "idle":
                self.states[state_of(state, wait_type, wait_event)] += 1
        if self.samples % RESCAN == 0:
            self.processes = [
                pid
                for server in self.servers
                for pid in descendants(server.process.pid)
            ]
        self.samples += 1
        for pid in self.processes:
            self.odoo_cpu[pid] = self._used_since_seen(pid, self.odoo_cpu)

    def _used_since_seen(self, pid, used):
        """CPU seconds of ``pid`` since the sampling first saw it (the last figure
        once it is gone)."""
        cpu = process_cpu(pid)
        first = self.first_cpu.setdefault(pid, cpu)
        return max(used.get(pid, 0.0), cpu - first)

    def stop(self):
        self.stopped.set()
        self.join()

    def summary(self, invoices):
        """One line: CPU by side, per invoice, and the connections' states."""
        odoo = sum(self.odoo_cpu.values())
        pg = sum(self.pg_cpu.values())
        others = max(self.busy - odoo - pg, 0.0)
        total = sum(self.states.values()) or 1
        states = " ".join(
            f"{key}={count / total:.0%}" for key, count in self.states.most_common(5)
        )
        return (
            f"cpu odoo={odoo:.0f}s ({1000 * odoo / invoices:.1f} ms/invoice) "
            f"postgresql={pg:.0f}s ({1000 * pg / invoices:.1f} ms/invoice) "
            f"cores_used={(odoo + pg) / self.seconds:.2f} "
            f"cores_used_by_others={others / self.seconds:.2f}; "
            f"in transaction: {states}"
        )
