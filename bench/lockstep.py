"""The sides of a scenario in lockstep: batch by batch, taking turns.

On a machine shared with other work, two runs of a few minutes made one after the
other meet different loads: their ratio then says more about the load than about the
code (from 0.6 to 1.6 for the same code under a load average of 8 on 2 cores). Here
each side runs in a process of its own, on its own copy of the database, and the
parent lets one batch of one side run at a time; the sides take turns, the first of
each round alternating. Both meet the same load within a batch of each other, and
each counts only the time of its own batches, not the time spent waiting for its turn.
A checkpoint before each turn (run.py) writes the buffers the previous batch dirtied:
otherwise the side whose batch comes next writes them itself as it needs buffers, and
pays for the other side's work.
"""

import json
import subprocess
import sys
import time


class Turns:
    """In a side's process: the wall, CPU and PostgreSQL CPU time of each of its
    batches, and the wait for its turn between them (on its standard input)."""

    def __init__(self, backend_cpu):
        self.backend_cpu = backend_cpu
        self.laps = []
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
        self.wait()

    def totals(self):
        """(wall, CPU, PostgreSQL CPU) of all the batches, and the wall of each.

        The last lap, from the turn after the last commit to the end of the run, is
        counted in the totals but is no batch: listed as one, its near-zero time
        made the last quarter of a side with few batches look free (× 0.00), and
        the run without lockstep does not list it either.
        """
        wall, cpu, db_cpu = (sum(values) for values in zip(*self.laps, strict=True))
        batches = [lap[0] for lap in self.laps]
        return wall, cpu, db_cpu, batches[:-1] if len(batches) > 1 else batches


def run_in_turns(commands, first=0, between=None):
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
