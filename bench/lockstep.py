"""The sides of a scenario in lockstep: taking turns, after each batch and every
slice of a second or two within one.

On a machine shared with other work, two runs of a few minutes made one after the
other meet different loads: their ratio then says more about the load than about the
code (from 0.6 to 1.6 for the same code under a load average of 8 on 2 cores). Here
each side runs in a process of its own, on its own copy of the database, and the
parent lets one side run at a time, a batch or a slice of one; the sides take turns,
the first of each round alternating. Both meet the same load within a slice of each
other, and each counts only the time of its own turns, not the time spent waiting for
its turn. A checkpoint before each turn (run.py) writes the buffers the previous turn
dirtied: otherwise the side whose turn comes next writes them itself as it needs
buffers, and pays for the other side's work. A turn ends within a batch only between
two queries, the side's transaction idle, on a database of its own: nothing it holds
can keep the other side waiting.
"""

import itertools
import json
import subprocess
import sys
import time


class Turns:
    """In a side's process: the wall, CPU and PostgreSQL CPU time of each of its
    turns, and the wait for its next turn between them (on its standard input).

    A turn ends after each batch and, within a batch, at the first query once the
    side has run ``slice_seconds`` (``slice``): with batches of 500 invoices, a side
    of 1,000 had two turns of about 20 s, and whatever else the machine ran for a few
    seconds landed on one side only (an A/A test, the same side against itself, gave
    wall ratios from 0.74 to 1.07). Turns of a second or two share it out.
    """

    def __init__(self, backend_cpu, slice_seconds=None):
        self.backend_cpu = backend_cpu
        self.slice_seconds = slice_seconds
        self.laps = []
        # The number of laps done at the end of each batch.
        self.batch_ends = []
        self.mark = None

    def _now(self):
        return (time.perf_counter(), time.process_time(), self.backend_cpu() or 0.0)

    def wait(self):
        print("WAIT", flush=True)
        if sys.stdin.readline().strip() != "go":
            sys.exit("lockstep: the parent stopped")
        self.mark = self._now()

    def lap(self):
        now = self._now()
        self.laps.append(
            [after - before for before, after in zip(self.mark, now, strict=True)]
        )

    def after_batch(self):
        self.lap()
        self.batch_ends.append(len(self.laps))
        self.wait()

    def slice(self):
        """End the turn if the side has run its slice (called before each query)."""
        if (
            self.slice_seconds
            and time.perf_counter() - self.mark[0] >= self.slice_seconds
        ):
            self.lap()
            self.wait()

    def totals(self):
        """(wall, CPU, PostgreSQL CPU) of all the turns, and the wall of each batch.

        The laps after the last batch, from its commit to the end of the run, are
        counted in the totals but are no batch: listed as one, their near-zero time
        made the last quarter of a side with few batches look free (× 0.00), and
        the run without lockstep does not list it either.
        """
        wall, cpu, db_cpu = (sum(values) for values in zip(*self.laps, strict=True))
        ends = self.batch_ends or [len(self.laps)]
        batches = [
            sum(lap[0] for lap in self.laps[start:end])
            for start, end in itertools.pairwise([0, *ends])
        ]
        return wall, cpu, db_cpu, batches


def run_in_turns(commands, first=0, between=None, env=None):
    """Run ``commands`` (one per side) batch by batch in turns; their JSON results.

    Each side prints ``WAIT`` when ready (after its warm-up) and after each batch,
    then waits for ``go``; it prints its result as a JSON line when done.
    ``between`` is called before each turn, while no side runs.
    """
    sides = [
        subprocess.Popen(
            [str(arg) for arg in command],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for command in commands
    ]
    results = [None] * len(sides)
    try:
        for side in sides:
            _expect_wait(side)
        order = list(range(len(sides)))
        order = order[first:] + order[:first]
        while None in results:
            for index in order:
                if results[index] is not None:
                    continue
                if between:
                    between()
                sides[index].stdin.write("go\n")
                sides[index].stdin.flush()
                line = _expect_wait(sides[index], done_ok=True)
                if line is not None:
                    results[index] = json.loads(line)
            order.reverse()
    finally:
        for side in sides:
            if side.poll() is None:
                side.kill()
            side.wait()
    return results


def _expect_wait(side, done_ok=False):
    """Read the side's next message: None for ``WAIT``, its result line when done."""
    while True:
        line = side.stdout.readline()
        if not line:
            raise RuntimeError(f"lockstep: side {side.args} ended without a result")
        line = line.strip()
        if line == "WAIT":
            return None
        if done_ok and line.startswith("{"):
            return line
