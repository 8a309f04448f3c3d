"""Bad input over XML-RPC: every case is refused with a sentence naming what is wrong,
and writes nothing.

    $ODOO_PYTHON bench/rpc_bad_inputs.py [--database NAME] [--port N] [--keep]

An integration does not go through the forms: it sends ids, dates as text and values
no widget would let through. This script talks to a real ``odoo-bin`` server the way
an integration does (``xmlrpc.client``, ``/xmlrpc/2``), logged in as the users it
creates: a Subscriptions user and manager, an Invoicing user and administrator, a
Subscriptions user of another company and a portal user; the settings and the bank
accounts, which only the administrator changes, are tried as him. Each case sends one bad input
(plans, subscriptions, mandates and SEPA debits, the wizards, access to records the
user may not change) and passes when:

- the server refuses it as a user error, a validation error or an access error, never
  an internal error with its Python traceback;
- the message matches the case's pattern: it names the field or what is wrong;
- nothing was written: the row count, and a digest of the rows, of every table the
  addons and their invoices write (``TABLES``), read straight in PostgreSQL before and
  after the call, are the same.

The template database (``bench_rpc_inputs``, both addons without demo data) is built
once and its addons updated whenever their code changed; each run works on a fresh copy
(``<template>_run``, dropped afterwards unless ``--keep``), on which the server runs on
a free port without scheduled jobs, and the fixtures are made over RPC by the
administrator. One line per case, then
``bad_inputs=NN refused_clearly=NN written=NN``; the exit status is 1 if any case was
accepted, refused without a clear message, or wrote something.
"""

import argparse
import datetime
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

import psycopg2
from rpc_cases import make_cases
from rpc_fixtures import PASSWORD, make_fixtures
from run import addons_path, database_exists, ensure_up_to_date, fresh_copy

# Every table a refused call could write to: the addons' models, the invoices and
# payments they make, the banks and companies they read, and the chatter.
TABLES = (
    "recurring_plan",
    "recurring_plan_line",
    "recurring_plan_addon",
    "recurring_cancel_reason",
    "recurring_subscription",
    "recurring_subscription_line",
    "recurring_subscription_event",
    "recurring_period",
    "sepa_mandate",
    "sepa_debit_batch",
    "sepa_debit_batch_line",
    "res_partner_bank",
    "res_bank",
    "res_company",
    "product_pricelist",
    "account_move",
    "account_move_line",
    "account_payment",
    "account_partial_reconcile",
    "mail_message",
    "mail_tracking_value",
    "ir_attachment",
)
# The fault codes of /xmlrpc/2 (odoo/addons/base/controllers/rpc.py): 1 is an internal
# error, whose text is the server's traceback.
FAULT_NAMES = {1: "internal error", 2: "user error", 3: "access denied", 4: "access"}
CLEAR_FAULTS = (2, 3, 4)


class Rpc:
    """One user's XML-RPC session, as an integration opens it."""

    def __init__(self, url, database, login, password):
        common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
        self.uid = common.authenticate(database, login, password, {})
        if not self.uid:
            raise SystemExit(f"cannot log in as {login}")
        self.database, self.password = database, password
        self.object = xmlrpc.client.ServerProxy(
            f"{url}/xmlrpc/2/object", allow_none=True
        )

    def __call__(self, model, method, *args, **kwargs):
        return self.object.execute_kw(
            self.database, self.uid, self.password, model, method, list(args), kwargs
        )


# -- The server -----------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(database, port, log_file):
    """A real server on ``database`` only, without scheduled jobs: nothing else writes
    while the cases are counted."""
    command = [
        sys.executable,
        "-m",
        "odoo",
        f"--addons-path={addons_path()}",
        "-d",
        database,
        f"--db-filter=^{database}$",
        f"--http-port={port}",
        "--workers=0",
        "--max-cron-threads=0",
        "--log-level=warn",
        f"--logfile={log_file}",
    ]
    server = subprocess.Popen(command)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(
                f"the server stopped (exit {server.returncode}): {log_file}"
            )
        try:
            xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").version()
            return server, url
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"the server did not answer on port {port}: {log_file}")


# -- Counting what a call wrote -------------------------------------------------------


def snapshot(cursor):
    """Row count and digest of the rows of each table of ``TABLES``."""
    state = {}
    for table in TABLES:
        cursor.execute(
            f"SELECT count(*), md5(coalesce(string_agg(md5(t::text), '' "  # noqa: S608
            f"ORDER BY t.id), '')) FROM {table} t"
        )
        state[table] = cursor.fetchone()
    return state


def run_case(case, sessions, cursor):
    rpc = sessions[case.user]
    before = snapshot(cursor)
    try:
        if callable(case.call):
            case.call(rpc)
        else:
            rpc(*case.call)
    except xmlrpc.client.Fault as fault:
        case.message = fault.faultString.strip()
        if fault.faultCode not in CLEAR_FAULTS or "Traceback" in case.message:
            case.outcome = FAULT_NAMES.get(fault.faultCode, "unknown error")
        elif re.search(case.expect, case.message):
            case.outcome = "refused"
        else:
            case.outcome = "unclear"
    else:
        case.outcome = "accepted"
    after = snapshot(cursor)
    case.changed = [table for table in TABLES if before[table] != after[table]]
    case.counts = {table: (before[table][0], after[table][0]) for table in case.tables}


def report(case):
    ok = case.outcome == "refused" and not case.changed
    counts = " ".join(f"{t}={b}->{a}" for t, (b, a) in case.counts.items())
    message = " ".join(case.message.split())
    if case.outcome != "refused":
        message = message[-300:]
    print(
        f"{'ok ' if ok else 'BAD'} {case.area:<12} {case.name} [{case.user}]: "
        f"{case.outcome}{' WROTE ' + ','.join(case.changed) if case.changed else ''}"
        f" | {message[:300]} | {counts}",
        flush=True,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "-d",
        "--database",
        default=os.environ.get("BENCH_RPC_DB", "bench_rpc_inputs"),
        help="template database, built once and copied for each run",
    )
    parser.add_argument("--port", type=int, help="HTTP port (default: a free one)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the copy the server ran on"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    ensure_up_to_date(args.database)
    copy = fresh_copy(args.database)
    port = args.port or free_port()
    log_file = os.path.join(tempfile.gettempdir(), f"{copy}.log")
    server, url = start_server(copy, port, log_file)
    try:
        cases = play(url, copy)
    finally:
        server.terminate()
        server.wait(60)
        if not args.keep and database_exists(copy):
            subprocess.run(["dropdb", copy], check=True)
    refused = sum(case.outcome == "refused" for case in cases)
    written = sum(bool(case.changed) for case in cases)
    print(
        f"{len(cases)} cases in {time.monotonic() - started:.0f} s; server log: "
        f"{log_file}"
    )
    print(f"bad_inputs={len(cases)} refused_clearly={refused} written={written}")
    clean = refused == len(cases) and not written
    return 0 if clean else 1


def play(url, database):
    admin = Rpc(url, database, "admin", "admin")
    # The server's users have no time zone: their today is the UTC date.
    fx = make_fixtures(admin, datetime.datetime.now(datetime.UTC).date())
    # The administrator changes the settings and the bank accounts.
    sessions = {"admin": admin} | {
        role: Rpc(url, database, login, PASSWORD)
        for role, login in fx["logins"].items()
    }
    cases = make_cases(fx)
    connection = psycopg2.connect(dbname=database)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            for case in cases:
                run_case(case, sessions, cursor)
                report(case)
    finally:
        connection.close()
    return cases


if __name__ == "__main__":
    sys.exit(main())
