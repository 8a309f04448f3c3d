"""Read an Odoo server log and say what the test run did.

Used by ``tests/run.sh`` after ``odoo --test-enable``: counts the tests each addon ran
(Odoo logs ``Starting <Class>.<test> ...`` on the test module's logger), the failures and
errors of its summary lines, and every WARNING, ERROR or CRITICAL line, which fail the run.

Usage: ``python tests/odoo_log.py LOGFILE ADDON [ADDON ...]``; prints one summary line per
addon and one for the whole suite, exits 1 when something failed, nothing ran for an addon
or a problem line was logged.
"""

import re
import sys
from dataclasses import dataclass, field

LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) \S+ (?P<logger>\S+): "
    r"(?P<message>.*)$"
)
STARTING = re.compile(r"^Starting (?P<test>\S+) \.\.\.")
SUMMARY = re.compile(
    r"(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<run>\d+) tests"
)
PROBLEM_LEVELS = ("WARNING", "ERROR", "CRITICAL")


@dataclass
class TestRun:
    """What one Odoo log says about a test run."""

    started: dict = field(default_factory=dict)
    failed: dict = field(default_factory=dict)
    failures_total: int = 0
    tests_total: int = 0
    problems: list = field(default_factory=list)

    def passed(self, addon):
        """Tests of ``addon`` that started and did not fail."""
        return self.started.get(addon, 0) - self.failed.get(addon, 0)


def _addon_of(logger, addons):
    for addon in addons:
        if logger.startswith(f"odoo.addons.{addon}."):
            return addon
    return None


def parse(lines, addons):
    """Parse log ``lines`` of a run testing ``addons`` into a :class:`TestRun`."""
    run = TestRun(started=dict.fromkeys(addons, 0), failed=dict.fromkeys(addons, 0))
    for raw in lines:
        match = LINE.match(raw.rstrip("\n"))
        if not match:
            continue
        level, logger, message = match["level"], match["logger"], match["message"]
        addon = _addon_of(logger, addons)
        if addon and STARTING.match(message):
            run.started[addon] += 1
        summary = SUMMARY.search(message)
        if summary and logger == "odoo.tests.result":
            run.failures_total += int(summary["failed"]) + int(summary["errors"])
            run.tests_total += int(summary["run"])
        if level in PROBLEM_LEVELS:
            run.problems.append(raw.rstrip("\n"))
            if addon and level != "WARNING" and message.startswith(("FAIL:", "ERROR:")):
                run.failed[addon] += 1
    return run


def report(run, addons):
    """Summary lines, and whether the run is a success."""
    failed = sum(run.failed.values())
    passed = sum(run.passed(addon) for addon in addons)
    detail = ", ".join(f"{addon} {run.passed(addon)}" for addon in addons)
    lines = []
    ok = failed == 0 and run.failures_total == 0 and not run.problems
    for addon in addons:
        if not run.started[addon]:
            lines.append(f"odoo: no test of {addon} ran")
            ok = False
    if run.problems:
        lines.append(f"odoo: {len(run.problems)} WARNING/ERROR line(s) logged:")
        lines.extend(f"  {problem}" for problem in run.problems[:40])
    problems = f", {len(run.problems)} WARNING/ERROR lines" if run.problems else ""
    lines.append(
        f"odoo: {passed} passed, {max(failed, run.failures_total)} failed ({detail})"
        + problems
    )
    return lines, ok


def main(argv):
    logfile, *addons = argv
    with open(logfile, encoding="utf-8", errors="replace") as handle:
        run = parse(handle, addons)
    lines, ok = report(run, addons)
    sys.stdout.write("\n".join(lines) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
