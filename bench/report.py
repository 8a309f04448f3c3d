"""What bench/run.py prints: medians, ratios, batch trends, growth, against targets."""

import statistics
import subprocess

# The targets: the job within 10 % of plain Odoo, time linear in N within
# 10 %, and less than 1 GB of memory.
RATIO_TARGET = 1.10
# Collecting adds a payment provider's round trip per invoice to the job's work.
RATIO_TARGETS = {"cron-charges": 1.15}
GROWTH_TARGET = 1.10
RSS_TARGET_MB = 1024


def cpu_seconds(run):
    """CPU time of a run: Odoo's process and, when local, its PostgreSQL process."""
    return run["cpu"] + (run["db_cpu"] or 0.0)


def report_repeat(repeat, labels, runs, order, loads):
    """Print one repeat: which side went first, each side's wall and CPU time (per
    invoice too), the ratios of the last side to the first and the machine's load.

    On a shared machine the wall ratio says as much about the load as about the
    code; the CPU time per invoice and the queries per invoice say what each side
    did, whatever the load.
    """
    sides = []
    for index in order:
        run = runs[index][-1]
        sides.append(
            f"{labels[index]} {run['seconds']:.1f} s, CPU {cpu_seconds(run):.1f} s "
            f"({1000 * cpu_seconds(run) / run['count']:.1f} ms per invoice)"
        )
    line = f"  repeat {repeat + 1}, {labels[order[0]]} first: " + "; ".join(sides)
    if len(labels) > 1:
        last, first = runs[len(labels) - 1][-1], runs[0][-1]
        line += (
            f"; ratio wall {last['seconds'] / first['seconds']:.2f}, "
            f"CPU {cpu_seconds(last) / cpu_seconds(first):.2f}"
        )
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout
    print(line, flush=True)
    print(
        f"    load average before each side: {', '.join(f'{x:.1f}' for x in loads)}"
        f"; uptime after: {uptime.strip()}",
        flush=True,
    )


def report_size(count, labels, runs, ratio_target=RATIO_TARGET):
    """Print the medians of one N; returns the median wall and CPU times of each side.

    Wall time is what the targets are about. CPU time (Odoo's process and its
    PostgreSQL process) is shown beside it: close to the wall time, it says the run
    was not kept waiting for the disk or for a core.
    """
    walls = [statistics.median(r["seconds"] for r in runs[i]) for i in runs]
    cpus = [statistics.median(cpu_seconds(r) for r in runs[i]) for i in runs]
    local = all(r["db_cpu"] is not None for side in runs.values() for r in side)
    print(f"n={count}, medians of {len(runs[0])} run(s) per side")
    print(
        f"  {'':<30} {'wall':>8} {'invoices/s':>10} {'ratio':>6} "
        f"{'CPU' + (' Odoo+PG' if local else ' Odoo'):>12} {'ratio':>6} {'peak RSS':>9}"
    )
    for index, label in enumerate(labels):
        made = runs[index][-1]["count"]
        rss = max(r["rss_mb"] for r in runs[index])
        print(
            f"  {label:<30} {walls[index]:7.1f}s {made / walls[index]:10.1f} "
            f"{walls[index] / walls[0]:6.2f} {cpus[index]:11.1f}s "
            f"{cpus[index] / cpus[0]:6.2f} {rss:6.0f} MB"
        )
    if len(labels) > 1:
        last = len(labels) - 1
        pairs = list(zip(runs[last], runs[0], strict=True))
        wall_ratios = ", ".join(f"{a['seconds'] / b['seconds']:.2f}" for a, b in pairs)
        cpu_ratios = ", ".join(
            f"{cpu_seconds(a) / cpu_seconds(b):.2f}" for a, b in pairs
        )
        print(f"  ratio per repeat: wall {wall_ratios}; CPU {cpu_ratios}")
        walls_r = [a["seconds"] / b["seconds"] for a, b in pairs]
        cpus_r = [cpu_seconds(a) / cpu_seconds(b) for a, b in pairs]
        print(
            f"  ratio of the repeats: wall median {statistics.median(walls_r):.2f}, "
            f"worst {max(walls_r):.2f}; CPU median {statistics.median(cpus_r):.2f}, "
            f"worst {max(cpus_r):.2f}"
        )
    for index, label in enumerate(labels):
        print(f"  {label:<30} {work_split(runs[index])}")
        print(f"  {'':<30} {batch_trend(runs[index])}")
    before = max(r["rss_before_mb"] for side in runs.values() for r in side)
    print(f"  (peak RSS includes {before:.0f} MB reached before the timed work)")
    if len(labels) > 1:
        ratio = walls[-1] / walls[0]
        rss = max(r["rss_mb"] for r in runs[len(labels) - 1])
        print(
            f"  target ratio ≤ {ratio_target:g}: {verdict(ratio <= ratio_target)} "
            f"({ratio:.2f}); target peak RSS < {RSS_TARGET_MB} MB: "
            f"{verdict(rss < RSS_TARGET_MB)} ({rss:.0f} MB)"
        )
    return walls, cpus


def work_split(side_runs):
    """Queries per invoice and where the CPU time went (medians), for one side."""
    queries = statistics.median(r["queries"] / r["count"] for r in side_runs)
    odoo = statistics.median(r["cpu"] for r in side_runs)
    text = f"{queries:.1f} queries per invoice, CPU Odoo {odoo:.1f} s"
    if all(r["db_cpu"] is not None for r in side_runs):
        text += (
            f" + PostgreSQL {statistics.median(r['db_cpu'] for r in side_runs):.1f} s"
        )
    return text


def batch_trend(side_runs):
    """Seconds per batch at the start and at the end of a side's runs.

    Equal, the cost of an invoice does not depend on how many the run already made;
    rising, it grows with the tables, and so the time with N faster than linearly.
    """
    batches = [
        statistics.mean(times)
        for times in zip(*(r["batches"] for r in side_runs), strict=True)
    ]
    if len(batches) < 4:
        return f"seconds per batch {', '.join(f'{t:.2f}' for t in batches)}"
    quarter = len(batches) // 4
    first = statistics.mean(batches[:quarter])
    last = statistics.mean(batches[-quarter:])
    return (
        f"seconds per batch {first:.2f} in the first quarter, {last:.2f} in the "
        f"last (× {last / first:.2f})"
    )


def verdict(met):
    return "met" if met else "MISSED"


def report_growth(sizes, labels, medians):
    """Growth of each side's median times from the smallest N to the largest."""
    small, large = sizes[0], sizes[-1]
    print(f"growth {small} -> {large} (n × {large / small:g}), median times:")
    for index, label in enumerate(labels):
        wall = medians[large][0][index] / medians[small][0][index]
        cpu = medians[large][1][index] / medians[small][1][index]
        limit = GROWTH_TARGET * large / small
        print(
            f"  {label:<30} wall × {wall:.2f}, CPU × {cpu:.2f}  "
            f"target ≤ {limit:g}: {verdict(wall <= limit)}"
        )
