"""Check that the MRR reports are read on a read replica, with the same results.

    $ODOO_PYTHON bench/replica_check.py [-d rb_replica_check] [--http-port 8170]

Makes a PostgreSQL 15 streaming replica of the local cluster on port 5433
(``pg_basebackup -R``), starts Odoo with ``--db_replica_host``/``--db_replica_port``
on it, and calls the list, pivot and graph reads of each MRR report over JSON-RPC, as
the web client does. The replica logs every statement: a call ran there when its
queries of the report tables are in that log. Odoo is then started without replica
and the same calls must give the same results. Prints
``replica_views=N on_replica=N same_results=N``; the exit code is 0 when all three
are equal.

The primary is shared: it is never restarted. Its ``wal_level`` must allow a replica
(``replica`` or ``logical``) and its pg_hba.conf a local replication connection; when
that line is missing it is added and the configuration reloaded. Without a usable
``wal_level`` (changing it needs a restart), ``--logical-copy`` makes instead a second
cluster on the same port restored from a ``pg_dump`` of the database: enough to show
where the reads go, though nothing then keeps the copy up to date. The same copy is
made when the standby does not open within ``--standby-timeout`` seconds: a hot
standby waits for a moment when no transaction of the primary holds more than 64
savepoints, which long-running tests on a shared server may put off for minutes.
"""

import argparse
import contextlib
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
SOCKET_DIR = "/var/run/postgresql"
# The report models of mrr_analytics and the views their actions open.
REPORTS = {
    "mrr.movement": ("pivot", "graph", "list"),
    "mrr.snapshot": ("pivot", "graph", "list"),
    "mrr.metric": ("list", "pivot", "graph"),
    "mrr.cohort": ("pivot", "list"),
}
REPORT_TABLE = re.compile(r'"?mrr_\w+"?')
# A hot standby needs at least the primary's values of these settings.
STANDBY_SETTINGS = (
    "max_connections",
    "max_worker_processes",
    "max_prepared_transactions",
    "max_locks_per_transaction",
    "max_wal_senders",
)


def run(*command, user=None, **kwargs):
    if user:
        command = ("runuser", "-u", user, "--", *command)
    return subprocess.run(command, check=True, text=True, capture_output=True, **kwargs)


def psql(query, port=5432, database="postgres"):
    return run(
        "psql", "-Atq", "-h", SOCKET_DIR, "-p", str(port), "-d", database, "-c", query
    ).stdout.strip()


# -- The replica ------------------------------------------------------------------


def allow_replication():
    """A local replication line in the primary's pg_hba.conf, added and reloaded if
    missing. A reload does not interrupt the sessions of the primary."""
    rules = psql(
        "SELECT count(*) FROM pg_hba_file_rules "
        "WHERE type = 'local' AND 'replication' = ANY(database)"
    )
    if rules != "0":
        return
    hba = Path(psql("SHOW hba_file"))
    with hba.open("a") as file:
        file.write("\n# Streaming replicas of this machine (bench/replica_check.py)\n")
        file.write("local replication all trust\n")
    psql("SELECT pg_reload_conf()")
    print(f"added a local replication line to {hba} and reloaded", flush=True)


def stop_cluster(datadir):
    if (datadir / "postmaster.pid").exists():
        subprocess.run(
            ["runuser", "-u", "postgres", "--", PG_BIN / "pg_ctl", "-D", datadir]
            + ["-m", "fast", "-w", "stop"],
            check=False,
            capture_output=True,
        )


def write_config(datadir, port, standby):
    """The standby's own configuration: Debian keeps the primary's out of its data
    directory. Every statement is logged: that log is the proof of where reads go."""
    settings = {
        "port": port,
        "listen_addresses": "''",
        "unix_socket_directories": f"'{SOCKET_DIR}'",
        "shared_buffers": "'128MB'",
        "hot_standby": "on",
        "log_statement": "'all'",
        "log_line_prefix": "'%m [%p] %d '",
        "autovacuum": "off",
    }
    if standby:
        settings.update({name: psql(f"SHOW {name}") for name in STANDBY_SETTINGS})
    (datadir / "postgresql.conf").write_text(
        "".join(f"{name} = {value}\n" for name, value in settings.items())
    )
    (datadir / "pg_hba.conf").write_text("local all all trust\n")
    (datadir / "pg_ident.conf").write_text("")
    shutil.chown(datadir / "postgresql.conf", "postgres", "postgres")
    shutil.chown(datadir / "pg_hba.conf", "postgres", "postgres")
    shutil.chown(datadir / "pg_ident.conf", "postgres", "postgres")


def start_cluster(datadir):
    run(
        PG_BIN / "pg_ctl", "-D", datadir, "-l", datadir / "server.log", "-w", "start",
        user="postgres",
    )  # fmt: skip


def fresh_datadir(datadir):
    stop_cluster(datadir)
    shutil.rmtree(datadir, ignore_errors=True)
    datadir.parent.mkdir(parents=True, exist_ok=True)
    shutil.chown(datadir.parent, "postgres", "postgres")


def make_streaming_replica(datadir, port, timeout):
    """A hot standby of the local cluster, streaming from it (no slot: it holds no
    WAL back on the primary once stopped); False if it did not open in time."""
    wal_level = psql("SHOW wal_level")
    if wal_level not in ("replica", "logical"):
        sys.exit(
            f"the primary's wal_level is {wal_level}: a replica needs a restart of "
            "the primary; use --logical-copy"
        )
    allow_replication()
    fresh_datadir(datadir)
    run(
        PG_BIN / "pg_basebackup", "-h", SOCKET_DIR, "-p", "5432", "-D", datadir,
        "-R", "-X", "stream", "-c", "fast",
        user="postgres",
    )  # fmt: skip
    write_config(datadir, port, standby=True)
    # Started without waiting: a hot standby accepts connections only once the
    # primary logs a snapshot of its running transactions without an overflowed
    # one (more than 64 savepoints), which long test transactions may delay.
    run(
        PG_BIN / "pg_ctl", "-D", datadir, "-l", datadir / "server.log", "-W", "start",
        user="postgres",
    )  # fmt: skip
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(subprocess.CalledProcessError):
            if psql("SELECT pg_is_in_recovery()", port) == "t":
                return True
        time.sleep(2)
    print(
        f"the standby accepted no connection within {timeout} s (long transactions "
        "with many savepoints on the primary): using a logical copy instead",
        flush=True,
    )
    return False


def make_logical_copy(datadir, port, database):
    """A second cluster holding a pg_dump of ``database``: no restart of the primary."""
    fresh_datadir(datadir)
    datadir.mkdir(mode=0o700)
    shutil.chown(datadir, "postgres", "postgres")
    run(PG_BIN / "initdb", "-D", datadir, "--auth=trust", user="postgres")
    write_config(datadir, port, standby=False)
    start_cluster(datadir)
    # Odoo connects as the same role as on the primary.
    user = psql("SELECT current_user")
    run("createuser", "-s", "-h", SOCKET_DIR, "-p", str(port), "-U", "postgres", user)
    run("createdb", "-h", SOCKET_DIR, "-p", str(port), "-U", "postgres", database)
    dump = subprocess.Popen(
        ["pg_dump", "-h", SOCKET_DIR, "-p", "5432", "-O", database],
        stdout=subprocess.PIPE,
    )
    run(
        "psql", "-q", "-h", SOCKET_DIR, "-p", str(port), "-U", "postgres",
        "-d", database, "-v", "ON_ERROR_STOP=1",
        stdin=dump.stdout,
    )  # fmt: skip
    dump.wait()


def wait_caught_up(port, timeout=120):
    """Wait until the standby has replayed what the primary had written."""
    target = psql("SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        caught = psql(
            f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn", port=port
        )
        if caught == "t":
            return
        time.sleep(0.5)
    sys.exit("the replica did not catch up with the primary")


# -- Odoo over JSON-RPC -----------------------------------------------------------


class Client:
    def __init__(self, url):
        self.url = url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar())
        )

    def post(self, path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params})
        request = urllib.request.Request(
            self.url + path,
            body.encode(),
            {"Content-Type": "application/json"},
        )
        with self.opener.open(request, timeout=120) as response:
            answer = json.load(response)
        if "error" in answer:
            raise RuntimeError(json.dumps(answer["error"], indent=1)[:2000])
        return answer["result"]

    def call_kw(self, model, method, args, kwargs=None):
        return self.post(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )


@contextlib.contextmanager
def odoo_server(database, http_port, replica_port=None):
    command = [
        sys.executable, "-m", "odoo", "-d", database, f"--db-filter=^{database}$",
        f"--addons-path=/opt/odoo/odoo/addons,/opt/odoo/addons,{ROOT}",
        f"--http-port={http_port}", "--max-cron-threads=0", "--log-level=warn",
    ]  # fmt: skip
    if replica_port:
        # An empty host: the unix socket, as for the primary.
        command += ["--db_replica_host=", f"--db_replica_port={replica_port}"]
    log = open(f"/tmp/replica_check_odoo_{http_port}.log", "w")  # noqa: SIM115
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{http_port}"
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(url + "/web/health", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"Odoo did not start: see {log.name}") from None
                time.sleep(1)
        client = Client(url)
        client.post(
            "/web/session/authenticate",
            {"db": database, "login": "admin", "password": "admin"},
        )
        yield client
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()


def view_calls(client, model, views):
    """The reads the web client makes to open ``views`` of ``model``: (name, call)."""
    fields = client.call_kw(model, "fields_get", [], {"attributes": ["type", "store"]})
    stored = sorted(name for name, field in fields.items() if field.get("store"))
    measures = [
        name
        for name in stored
        if fields[name]["type"] in ("integer", "float", "monetary") and name != "id"
    ]
    dates = [name for name in stored if fields[name]["type"] in ("date", "datetime")]
    groupby = [f"{dates[0]}:month"] if dates else []
    simple = [
        name
        for name in stored
        if fields[name]["type"] not in ("one2many", "many2many", "binary")
    ]
    calls = {
        "list": (
            "web_search_read",
            [[]],
            {
                "specification": {name: {} for name in simple},
                "limit": 80,
                "order": "id",
                "count_limit": 10001,
            },
        ),
        "pivot": (
            "read_group",
            [[], [f"{name}:sum" for name in measures] + ["__count"], groupby],
            {"lazy": False},
        ),
        "graph": (
            "web_read_group",
            [[], [f"{measures[0]}:sum"] if measures else ["__count"], groupby],
            {"lazy": False},
        ),
    }
    return [(f"{model} {view}", calls[view]) for view in views]


def replica_statements(log_path, offset, database):
    """Statements on the report tables logged by the replica since ``offset``."""
    with open(log_path, errors="replace") as log:
        log.seek(offset)
        lines = log.read().splitlines()
    return [
        line
        for line in lines
        if f" {database} " in line
        and "statement:" in line
        and REPORT_TABLE.search(line)
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database", default="rb_replica_check")
    parser.add_argument(
        "--template", default="rb_tpl", help="copied into --database when missing"
    )
    parser.add_argument("--http-port", type=int, default=8170)
    parser.add_argument("--replica-port", type=int, default=5433)
    parser.add_argument("--datadir", default="/tmp/rb_replica_check/data")
    parser.add_argument("--logical-copy", action="store_true")
    parser.add_argument("--keep", action="store_true", help="leave the replica up")
    parser.add_argument(
        "--standby-timeout",
        type=int,
        default=180,
        help="seconds to wait for the standby before making a logical copy",
    )
    args = parser.parse_args(argv)
    datadir = Path(args.datadir)
    database = args.database

    if psql(f"SELECT count(*) FROM pg_database WHERE datname = '{database}'") == "0":
        run("createdb", "-T", args.template, database)
    try:
        streaming = not args.logical_copy and make_streaming_replica(
            datadir, args.replica_port, args.standby_timeout
        )
        if streaming:
            wait_caught_up(args.replica_port)
        else:
            make_logical_copy(datadir, args.replica_port, database)
        print(
            f"replica on port {args.replica_port}: "
            + ("streaming standby" if streaming else "logical copy"),
            flush=True,
        )
        log_path = datadir / "server.log"

        results, on_replica = {}, 0
        with odoo_server(database, args.http_port, args.replica_port) as client:
            calls = [
                call
                for model, views in REPORTS.items()
                for call in view_calls(client, model, views)
            ]
            for name, (method, call_args, kwargs) in calls:
                offset = log_path.stat().st_size
                results[name] = client.call_kw(
                    name.split()[0], method, call_args, kwargs
                )
                time.sleep(0.2)  # the log is written by another process
                there = replica_statements(log_path, offset, database)
                on_replica += bool(there)
                print(f"  {name}: {method}, {len(there)} report queries on the replica")
        same = 0
        with odoo_server(database, args.http_port) as client:
            for name, (method, call_args, kwargs) in calls:
                primary = client.call_kw(name.split()[0], method, call_args, kwargs)
                if primary == results[name]:
                    same += 1
                else:
                    print(f"  {name}: the replica's result differs from the primary's")
    finally:
        if not args.keep:
            stop_cluster(datadir)
            shutil.rmtree(datadir.parent, ignore_errors=True)
    print(f"replica_views={len(calls)} on_replica={on_replica} same_results={same}")
    return 0 if len(calls) == on_replica == same else 1


if __name__ == "__main__":
    sys.exit(main())
