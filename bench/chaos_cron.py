"""Kill -9 real Odoo server processes in the middle of the scheduled jobs, then check
in PostgreSQL that every step happened exactly once.

    $ODOO_PYTHON bench/chaos_cron.py --job all --n 1000 --kills 20
    $ODOO_PYTHON bench/chaos_cron.py --job invoicing --n 200 --kills 5 --keep-db

Each job gets its own database, copied from the template ``chaos_template`` (both
addons without demo data, built once and updated whenever their code changed), filled
with N subscriptions (or debits) due today in two companies. An ``odoo`` server
process (``python -m odoo``, one cron thread) then runs the job for real: the
invoicing and lifecycle jobs through their scheduled action, made due and woken up
with ``NOTIFY cron_trigger``; SEPA file generation and sending through XML-RPC calls,
as the buttons do. The server is ``kill -9``-ed, after a random delay or right when
it is writing invoices, the change log or the SEPA file (seen in
``pg_stat_activity``: its connection is inside a transaction whose last statement
wrote one of those tables), then started again; after the last kill it runs to the
end. What it left is then read with psycopg2 and compared with what the script
itself expects: the periods due, computed from the start dates and the intervals,
and the amounts, from the prices the script gave the plans.

``--job workers`` invoices the same due set once with one server and once with two
servers at the same time (two scheduled actions running the same job), and prints
the invoices per second of each.

Each job prints one line, ``job=invoicing ... duplicates=0 missing=0 orphans=0
wrong_amounts=0``; the script exits non-zero if any of them is not zero.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import xmlrpc.client
from collections import Counter, defaultdict
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

import psycopg2
from dateutil.relativedelta import relativedelta
from run import addons_path, database_exists, ensure_up_to_date, open_registry

TEMPLATE = "chaos_template"
JOBS = ("invoicing", "lifecycle", "sepa", "workers")
PYTHON = sys.executable

# The plans, by code: company, currency (None: the company's), interval unit and
# count, billing mode, base lines (product, quantity, price) and add-on packages
# (product, price per unit, maximum quantity). The checks price every period from
# this table, never from what the addon computed.
PLANS = {
    "A-MONTH": ("A", None, "month", 1, "advance",
                [("BASIC", 1, 30.0), ("SEAT", 3, 12.5)], [("STORAGE", 5.0, 10)]),
    "A-WEEK": ("A", None, "week", 1, "advance", [("BASIC", 1, 9.9)], []),
    "A-ARREARS": ("A", None, "month", 1, "arrears",
                  [("BASIC", 2, 20.0)], [("SUPPORT", 15.0, 2)]),
    "A-EUR-QUARTER": ("A", "EUR", "quarter", 1, "advance",
                      [("BASIC", 1, 99.0)], [("STORAGE", 4.0, 5)]),
    "B-MONTH": ("B", None, "month", 1, "advance",
                [("BASIC", 1, 25.0)], [("SEAT", 7.0, 20)]),
    "B-TWO-WEEKS": ("B", None, "week", 2, "advance",
                    [("BASIC", 1, 14.0), ("SUPPORT", 1, 6.5)], []),
}  # fmt: skip
# The lifecycle job's plans: a trial, a monthly plan, a fixed term of two months.
LIFECYCLE_PLANS = {
    "L-TRIAL": ("A", None, "month", 1, "advance", [("BASIC", 1, 20.0)], []),
    "L-MONTH": ("A", None, "month", 1, "advance",
                [("BASIC", 1, 30.0)], [("SEAT", 10.0, 5)]),
    "L-FIXED": ("B", None, "month", 1, "advance", [("BASIC", 1, 45.0)], []),
}  # fmt: skip
TRIAL_DAYS = 14
FIXED_PERIODS = 2
COMPANY_CURRENCY = {"A": "USD", "B": "EUR"}
PRODUCTS = ("BASIC", "SEAT", "STORAGE", "SUPPORT")
SEPA_BATCH_SIZE = 50
CREDITOR_ID = "DE98ZZZ09999999999"
COMPANY_IBAN = "DE89370400440532013000"
CUSTOMER_IBAN = "DE02120300000000202051"

# What the server is doing when its connection is inside a transaction whose last
# statement is one of these: making or posting invoices, writing the change log or
# the subscription, making the SEPA file, its payments or pre-notifications.
INSIDE = {
    "invoicing": ("account_move", "recurring_period"),
    "lifecycle": (
        "recurring_subscription_event",
        'UPDATE "recurring_subscription"',
        "account_move",
    ),
    "sepa": ("ir_attachment", "sepa_debit_batch", "account_payment", "mail_message"),
}
CRONS = {
    "invoicing": (
        "recurring_billing.ir_cron_generate_invoices",
        "model._cron_generate_invoices(batch_size={batch})",
    ),
    "lifecycle": (
        "recurring_billing.ir_cron_subscription_lifecycle",
        "model._cron_lifecycle(batch_size={batch})",
    ),
}


# -- Expectations, computed here ------------------------------------------------------


def period_start(anchor, unit, count, index):
    if unit == "week":
        return anchor + timedelta(weeks=count * index)
    months = {"month": 1, "quarter": 3, "year": 12}[unit] * count
    return anchor + relativedelta(months=months * index)


def due_period_starts(spec, anchor, today, last_day=None):
    """Starts of the periods of a plan ``spec`` due by ``today`` from ``anchor``;
    with ``last_day``, only the periods that begin by then."""
    _company, _currency, unit, count, mode = spec[:5]
    starts = []
    index = 0
    while True:
        start = period_start(anchor, unit, count, index)
        following = period_start(anchor, unit, count, index + 1)
        billed_on = start if mode == "advance" else following
        if billed_on > today or (last_day and start > last_day):
            return starts
        starts.append(start)
        index += 1


def period_price(spec, addons):
    """What one full period of a subscription on ``spec`` with ``addons`` bills."""
    lines = spec[5]
    prices = {product: price for product, price, _max in spec[6]}
    total = sum(quantity * price for _product, quantity, price in lines)
    total += sum(quantity * prices[product] for product, quantity in addons.items())
    return round(total, 2)


def currency_of(spec):
    return spec[1] or COMPANY_CURRENCY[spec[0]]


# -- Building the data (in a child process, through the ORM) --------------------------


def setup_companies(env):
    """Company A (USD, the main one) and B (EUR, with its own chart of accounts); EUR
    has a rate in A, which bills one plan in EUR."""
    from odoo import fields  # noqa: PLC0415 - the addons path is set up by now

    company_a = env.ref("base.main_company")
    eur = env.ref("base.EUR")
    eur.active = True
    if not env["res.currency.rate"].search_count(
        [("currency_id", "=", eur.id), ("company_id", "=", company_a.id)]
    ):
        env["res.currency.rate"].create(
            {
                "currency_id": eur.id,
                "company_id": company_a.id,
                "name": fields.Date.today() - timedelta(days=400),
                "rate": 0.9,
            }
        )
    company_b = env["res.company"].search([("name", "=", "Chaos B")])
    if not company_b:
        company_b = env["res.company"].create(
            {
                "name": "Chaos B",
                "currency_id": eur.id,
                "street": "2 Rue",
                "city": "Lyon",
            }
        )
        env["account.chart.template"].try_loading(
            "generic_coa", company_b, install_demo=False
        )
        # The generic chart sets its own currency (USD); nothing is booked yet.
        company_b.currency_id = eur
    env.user.company_ids |= company_a | company_b
    env.ref("base.user_admin").company_ids |= company_a | company_b
    return {"A": company_a, "B": company_b}


def make_products(env):
    return {
        code: env["product.product"].create(
            {
                "name": f"Chaos {code.lower()}",
                "default_code": f"CHAOS-{code}",
                "type": "service",
                "taxes_id": [(5, 0, 0)],
            }
        )
        for code in PRODUCTS
    }


def make_plans(env, specs, companies, products, **extra):
    plans = {}
    for code, (company, currency, unit, count, mode, lines, addons) in specs.items():
        plans[code] = (
            env["recurring.plan"]
            .with_company(companies[company])
            .create(
                {
                    "name": f"Chaos {code}",
                    "code": code,
                    "company_id": companies[company].id,
                    "currency_id": (
                        env.ref(f"base.{currency}").id
                        if currency
                        else companies[company].currency_id.id
                    ),
                    "interval_unit": unit,
                    "interval_count": count,
                    "billing_mode": mode,
                    "invoice_policy": "post",
                    "line_ids": [
                        (0, 0, {"product_id": products[p].id, "quantity": q, "price_unit": u})
                        for p, q, u in lines
                    ],
                    "addon_ids": [
                        (0, 0, {"product_id": products[p].id, "price_unit": u, "max_quantity": m})
                        for p, u, m in addons
                    ],
                    **extra.get(code, {}),
                }
            )
        )  # fmt: skip
    return plans


def subscription_vals(spec, plan, partner, start, addons, products):
    lines = [
        (0, 0, {"product_id": products[p].id, "quantity": q}) for p, q, _u in spec[5]
    ]
    by_product = {addon.product_id: addon for addon in plan.addon_ids}
    for product, quantity in addons.items():
        addon = by_product[products[product]]
        lines.append(
            (0, 0, {"product_id": addon.product_id.id, "addon_id": addon.id,
                    "quantity": quantity})
        )  # fmt: skip
    return {
        "partner_id": partner.id,
        "plan_id": plan.id,
        "company_id": plan.company_id.id,
        "date_start": start,
        "line_ids": lines,
    }


def make_partners(env, count, prefix):
    return env["res.partner"].create(
        [
            {"name": f"{prefix} customer {n}", "street": f"{n} Road", "city": "Town"}
            for n in range(count)
        ]
    )


def random_addons(spec, rng):
    """Some units of some of the plan's add-on packages, within their maximum."""
    return {
        product: quantity
        for product, _price, maximum in spec[6]
        if (quantity := rng.randint(0, maximum))
    }


def past_day(today, rng, low, high):
    """A day ``low``..``high`` days ago, on the 28th at the latest: the script's
    period arithmetic then never meets a month too short for the day."""
    day = today - timedelta(days=rng.randint(low, high))
    if day.day > 28:
        day -= timedelta(days=day.day - 28)
    return day


def create_started(env, plan_vals):
    """Create and start subscriptions, per plan; returns them in the same order."""
    subs = env["recurring.subscription"]
    for vals_list in plan_vals:
        if vals_list:
            company = env["res.company"].browse(vals_list[0]["company_id"])
            created = env["recurring.subscription"].with_company(company)
            created = created.create(vals_list)
            created.action_start()
            subs |= created
    return subs


def configure_cron(env, job, batch):
    """Only the job's scheduled action runs, not due yet: the chaos run wakes it."""
    env.cr.execute("UPDATE ir_cron SET active = false")
    xmlid, code = CRONS[job]
    cron = env.ref(xmlid)
    cron.write(
        {
            "active": True,
            "code": code.format(batch=batch),
            "nextcall": "2100-01-01 00:00:00",
        }
    )
    ids = [cron.id]
    if job == "invoicing":
        # A second scheduled action running the same job, for two workers at once.
        ids.append(
            cron.copy({"name": "Chaos second invoicing worker", "active": False}).id
        )
    return ids


def build_invoicing(env, count, rng, batch):
    today = date.today()
    companies = setup_companies(env)
    products = make_products(env)
    plans = make_plans(env, PLANS, companies, products)
    partners = make_partners(env, count, "Invoicing")
    per_plan = defaultdict(list)
    infos = defaultdict(list)
    for partner in partners:
        code = rng.choice(list(PLANS))
        spec = PLANS[code]
        addons = random_addons(spec, rng)
        start = past_day(today, rng, 0, 100)
        per_plan[code].append(
            subscription_vals(spec, plans[code], partner, start, addons, products)
        )
        infos[code].append({"plan": code, "addons": addons, "start": start.isoformat()})
    subs = create_started(env, per_plan.values())
    expected = dict(
        zip(subs.ids, [info for code in per_plan for info in infos[code]], strict=True)
    )
    return {"subscriptions": expected, "crons": configure_cron(env, "invoicing", batch)}


def build_lifecycle(env, count, rng, batch):
    """Four kinds of steps due today, a quarter of ``count`` each: trials ending,
    paused subscriptions to resume, cancellations planned at the end of a period
    that is over, fixed terms that are over."""
    today = date.today()
    companies = setup_companies(env)
    products = make_products(env)
    plans = make_plans(
        env,
        LIFECYCLE_PLANS,
        companies,
        products,
        **{
            "L-TRIAL": {"trial_days": TRIAL_DAYS},
            "L-FIXED": {"term_type": "fixed", "term_periods": FIXED_PERIODS},
        },
    )
    partners = make_partners(env, count, "Lifecycle")
    kinds = ("trial", "resume", "cancel", "end")
    plan_of = {"trial": "L-TRIAL", "resume": "L-MONTH", "cancel": "L-MONTH",
               "end": "L-FIXED"}  # fmt: skip
    days = {"trial": (TRIAL_DAYS, TRIAL_DAYS + 30), "resume": (12, 40),
            "cancel": (35, 100), "end": (65, 120)}  # fmt: skip
    expected = {}
    for kind_index, kind in enumerate(kinds):
        code = plan_of[kind]
        spec = LIFECYCLE_PLANS[code]
        group = partners[kind_index::4]
        vals_list = []
        chosen = []
        for partner in group:
            addons = random_addons(spec, rng)
            start = past_day(today, rng, *days[kind])
            vals_list.append(
                subscription_vals(spec, plans[code], partner, start, addons, products)
            )
            chosen.append(addons)
        subs = create_started(env, [vals_list])
        for sub, vals, addons in zip(subs, vals_list, chosen, strict=True):
            info = {
                "kind": kind,
                "plan": code,
                "addons": addons,
                "start": vals["date_start"].isoformat(),
            }
            if kind == "resume":
                # Paused on its first day, before anything was billed, to resume
                # by today: nothing is billed or credited but the resume itself.
                sub.with_context(recurring_today=vals["date_start"]).action_pause(
                    today - timedelta(days=rng.randint(0, 5))
                )
            elif kind == "cancel":
                starts = due_period_starts(spec, vals["date_start"], today)
                # The end of the last period that is over: a full period, billed at
                # the plan's price.
                last_end = period_start(
                    vals["date_start"], spec[2], spec[3], len(starts) - 1
                ) - timedelta(days=1)
                sub.write({"cancel_at_period_end": True, "date_end": last_end})
                info["date_end"] = last_end.isoformat()
            elif kind == "end":
                info["date_end"] = sub.date_end.isoformat()
            expected[sub.id] = info
    return {"subscriptions": expected, "crons": configure_cron(env, "lifecycle", batch)}


def build_sepa(env, count, rng, batch):
    """``count`` posted EUR invoices of company B, each of a customer with a valid
    mandate, in draft debit batches of ``SEPA_BATCH_SIZE``."""
    today = date.today()
    companies = setup_companies(env)
    company = companies["B"]
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    env.cr.execute("UPDATE ir_cron SET active = false")
    products = make_products(env)
    bank_journal = env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
    )
    bank = env["res.bank"].create({"name": "Chaos bank", "bic": "COBADEFFXXX"})
    bank_journal.bank_account_id = env["res.partner.bank"].create(
        {
            "acc_number": COMPANY_IBAN,
            "partner_id": company.partner_id.id,
            "bank_id": bank.id,
        }
    )
    company.write(
        {"sepa_creditor_identifier": CREDITOR_ID, "sepa_journal_id": bank_journal.id}
    )
    partners = make_partners(env, count, "Debtor")
    accounts = env["res.partner.bank"].create(
        [{"acc_number": CUSTOMER_IBAN, "partner_id": p.id} for p in partners]
    )
    mandates = env["sepa.mandate"].create(
        [
            {
                "partner_id": partner.id,
                "partner_bank_id": account.id,
                "company_id": company.id,
                "date_signature": today - timedelta(days=200),
            }
            for partner, account in zip(partners, accounts, strict=True)
        ]
    )
    mandates.action_validate()
    amounts = [round(rng.uniform(5, 500), 2) for _partner in partners]
    invoices = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "company_id": company.id,
                "partner_id": partner.id,
                "invoice_date": today,
                "invoice_date_due": today + timedelta(days=rng.randint(0, 20)),
                "currency_id": company.currency_id.id,
                "invoice_line_ids": [
                    (0, 0, {"product_id": products["BASIC"].id, "price_unit": amount,
                            "tax_ids": [(5, 0, 0)]})
                ],
            }
            for partner, amount in zip(partners, amounts, strict=True)
        ]
    )  # fmt: skip
    invoices.action_post()
    batches = {}
    for start in range(0, count, SEPA_BATCH_SIZE):
        chunk = invoices[start : start + SEPA_BATCH_SIZE]
        debit_batch = env["sepa.debit.batch"].create(
            {"company_id": company.id, "date_due_to": today + timedelta(days=30)}
        )
        debit_batch._add_lines(chunk)
        batches[debit_batch.id] = chunk.ids
    return {
        "batches": batches,
        "amounts": dict(zip(invoices.ids, amounts, strict=True)),
        "company": company.id,
    }


BUILDERS = {
    "invoicing": build_invoicing,
    "lifecycle": build_lifecycle,
    "sepa": build_sepa,
}


def build(database, job, count, seed, batch, out):
    import odoo  # noqa: PLC0415 - only the child process loads the registry

    registry = open_registry(database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(
            cr,
            odoo.SUPERUSER_ID,
            {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True},
        )
        data = BUILDERS[job](env, count, random.Random(seed), batch)
        cr.commit()
    Path(out).write_text(json.dumps(data))


# -- Databases and servers ------------------------------------------------------------


def connect(database):
    cnx = psycopg2.connect(dbname=database)
    cnx.autocommit = True
    return cnx


def query(cnx, sql, params=None):
    with cnx.cursor() as cr:
        cr.execute(sql, params)
        return cr.fetchall() if cr.description else None


def run_quiet(args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def drop(database):
    if database_exists(database):
        run_quiet(["dropdb", "--force", database])


def fresh_database(name, template=TEMPLATE):
    drop(name)
    run_quiet(["createdb", "--strategy=file_copy", "-T", template, name])


def vacuum(database):
    run_quiet(["psql", "-q", "-d", database, "-c", "VACUUM ANALYZE"])


def load(database, job, count, seed, batch):
    """Fill ``database`` for ``job`` in a child process; the data it made."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [PYTHON, __file__, "--build", job, "-d", database, "--n", str(count),
             "--seed", str(seed), "--batch-size", str(batch), "--out", out.name],
            check=True,
        )  # fmt: skip
        data = json.loads(Path(out.name).read_text())
    vacuum(database)
    return data


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One ``odoo`` server process on ``database`` with one cron thread.

    With a day as time limit of scheduled actions: by default Odoo restarts a server
    whose cron thread runs longer than ``limit_time_real`` (120 s), which a run of a
    thousand subscriptions takes on a busy machine; large installations raise it.
    """

    def __init__(self, database, logdir, name):
        self.database = database
        self.port = free_port()
        self.log = Path(logdir, f"{name}.log")
        self.process = subprocess.Popen(
            [PYTHON, "-m", "odoo", "-d", database, f"--addons-path={addons_path()}",
             f"--db-filter=^{database}$", f"--http-port={self.port}",
             "--http-interface=127.0.0.1", f"--gevent-port={free_port()}",
             "--workers=0", "--max-cron-threads=1", "--limit-time-real-cron=86400",
             "--log-level=info",
             f"--logfile={self.log}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.app = f"odoo-{self.process.pid}"

    def wait_ready(self, timeout=180):
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}/web/health"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server stopped, see {self.log}")
            try:
                with urllib.request.urlopen(url, timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not ready after {timeout} s, see {self.log}")

    def kill(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def errors(self):
        """Lines of the server's log at level ERROR or CRITICAL, but Odoo's own
        report of a scheduled action that was killed three times in a row."""
        if not self.log.exists():
            return []
        return [
            line
            for line in self.log.read_text(errors="replace").splitlines()
            if (" ERROR " in line or " CRITICAL " in line)
            and not line.endswith("timed out ")
        ]


class Watcher:
    """Tells whether a server is inside the writes of a job: one of its connections
    is in a transaction that was seen writing one of ``tables``. Most statements of
    such a transaction read (the ORM prepares the next write), so the transaction is
    remembered from its first write seen until it ends."""

    def __init__(self, cnx, tables):
        self.cnx = cnx
        self.tables = tables
        self.writing = set()

    def connections(self, server):
        """(pid, transaction start, last statement) of the server's transactions."""
        return query(
            self.cnx,
            "SELECT pid, xact_start, query FROM pg_stat_activity "
            "WHERE application_name = %s AND xact_start IS NOT NULL "
            "AND state IN ('active', 'idle in transaction')",
            [server.app],
        )

    def inside(self, server):
        found = False
        for pid, started, statement in self.connections(server):
            if statement.lstrip().upper().startswith(("INSERT", "UPDATE")) and any(
                table in statement for table in self.tables
            ):
                self.writing.add((pid, started))
            found = found or (pid, started) in self.writing
        return found


def trigger(cnx, cron_ids):
    """Make the scheduled actions due now and wake the cron threads.

    A running one is left alone: its row is locked until it ends, and waiting for
    it would stop the kills."""
    query(
        cnx,
        "UPDATE ir_cron SET nextcall = (now() AT TIME ZONE 'UTC') - interval '1 second',"
        " active = true WHERE id IN (SELECT id FROM ir_cron WHERE id = ANY(%s) "
        "FOR NO KEY UPDATE SKIP LOCKED)",
        [cron_ids],
    )
    wake_crons()


def wake_crons():
    """Wake the cron threads: they listen on the ``postgres`` database."""
    with closing(connect("postgres")) as cnx:
        query(cnx, "NOTIFY cron_trigger")


def crons_done(cnx, cron_ids):
    """Whether each scheduled action ran to its end: it is then due again tomorrow,
    and no server is running it (its row is not locked)."""
    rows = query(
        cnx,
        "SELECT id FROM ir_cron WHERE id = ANY(%s) "
        "AND nextcall > (now() AT TIME ZONE 'UTC') + interval '1 hour' "
        "FOR SHARE SKIP LOCKED",
        [cron_ids],
    )
    return len(rows) == len(cron_ids)


def wait_for(condition, server, wake=None, timeout=1800):
    """Poll ``condition`` until true; ``wake`` is called every few seconds (a cron
    thread may have been sleeping when the trigger came)."""
    start = time.monotonic()
    last_wake = start
    while not condition():
        if server.process.poll() is not None:
            raise RuntimeError(f"server stopped, see {server.log}")
        if time.monotonic() - start > timeout:
            raise RuntimeError(f"not done after {timeout} s, see {server.log}")
        if wake and time.monotonic() - last_wake > 3:
            wake()
            last_wake = time.monotonic()
        time.sleep(0.05)


class Chaos:
    """Kills ``kills`` times a server running ``job``: every other kill (and all of
    them once most of the work is done, so some work is left to kill) waits until
    the server is inside the job's writes; the others come after a random delay."""

    def __init__(self, args, job, database, logdir):
        self.args = args
        self.job = job
        self.database = database
        self.logdir = logdir
        self.rng = random.Random(args.seed + 1)
        self.cnx = connect(database)
        self.watcher = Watcher(self.cnx, INSIDE[job])
        self.kills = 0
        self.kills_inside = 0
        self.skipped = 0
        self.servers = []

    def start_server(self, name):
        server = Server(self.database, self.logdir, name)
        self.servers.append(server)
        server.wait_ready()
        return server

    def kill_once(self, server, targeted, wake, start_again):
        """Kill ``server`` once; False if the job ended before the kill came."""
        deadline = time.monotonic() + (
            120 if targeted else self.rng.uniform(0.2, self.args.max_delay)
        )
        last_wake = time.monotonic()
        while time.monotonic() < deadline:
            if self.finished():
                if not self.left():
                    return False
                # Odoo skips a scheduled action killed three times in a row before
                # it committed anything, until its next day: that day comes now.
                self.skipped += 1
                start_again()
            if time.monotonic() - last_wake > 3:
                wake()
                last_wake = time.monotonic()
            if targeted and self.watcher.inside(server):
                # Somewhere within the writes, not always at their first statement.
                time.sleep(self.rng.uniform(0, 0.3))
                break
            time.sleep(0.01)
        seen_inside = self.watcher.inside(server)
        server.kill()
        self.kills += 1
        self.kills_inside += seen_inside
        return True

    def finished(self):
        raise NotImplementedError

    def run(self, start, wake):
        """Start, kill, start again; the last start runs to the end."""
        started = time.monotonic()
        initial = self.left()
        for number in range(self.args.kills):
            server = self.start_server(f"{self.job}-{number + 1}")
            start(server)
            mostly_done = self.left() < initial * 0.3
            targeted = number % 2 == 1 or mostly_done
            if not self.kill_once(
                server,
                targeted,
                lambda s=server: wake(s),
                lambda s=server: start(s),
            ):
                server.stop()
                break
        server = self.start_server(f"{self.job}-last")
        start(server)
        wait_for(self.finished, server, wake=lambda: wake(server))
        for _day in range(5):
            if not self.left():
                break
            # Skipped by Odoo after the kills (see kill_once): its next day, now. A
            # step that fails for good stays due, hence the bound.
            self.skipped += 1
            start(server)
            wait_for(self.finished, server, wake=lambda: wake(server))
        server.stop()
        return time.monotonic() - started

    def left(self):
        return 0


class CronChaos(Chaos):
    def __init__(self, args, job, database, logdir, data):
        super().__init__(args, job, database, logdir)
        self.cron_ids = data["crons"][:1]
        self.today = date.today()

    def left(self):
        if self.job == "invoicing":
            sql = (
                "SELECT count(*) FROM recurring_subscription "
                "WHERE state = 'active' AND date_next_invoice <= %s"
            )
            return query(self.cnx, sql, [self.today])[0][0]
        return query(
            self.cnx,
            "SELECT count(*) FROM recurring_subscription WHERE "
            "(state = 'trial' AND date_trial_end <= %(today)s) OR "
            "(state = 'paused' AND date_resume <= %(today)s) OR "
            "(state IN ('active', 'paused') AND date_end < %(today)s)",
            {"today": self.today},
        )[0][0]

    def finished(self):
        return crons_done(self.cnx, self.cron_ids)

    def chaos(self):
        def start(_server):
            trigger(self.cnx, self.cron_ids)

        def wake(_server):
            wake_crons()

        return self.run(start, wake)


class SepaChaos(Chaos):
    """Generates then sends each batch through XML-RPC, one call at a time, as a
    user clicking the buttons; a kill interrupts the call in flight."""

    def __init__(self, args, job, database, logdir, data):
        super().__init__(args, job, database, logdir)
        self.batch_ids = sorted(int(key) for key in data["batches"])
        self.company_id = data["company"]
        self.driver = None
        self.fault = None

    def states(self):
        return dict(
            query(
                self.cnx,
                "SELECT id, state FROM sepa_debit_batch WHERE id = ANY(%s)",
                [self.batch_ids],
            )
        )

    def left(self):
        return sum(state != "sent" for state in self.states().values())

    def finished(self):
        if self.fault:
            raise RuntimeError(f"the server refused a call: {self.fault}")
        return self.left() == 0

    def drive(self, server):
        proxy = xmlrpc.client.ServerProxy(
            f"http://127.0.0.1:{server.port}/xmlrpc/2/object", allow_none=True
        )
        context = {"allowed_company_ids": [self.company_id]}
        try:
            while True:
                states = self.states()
                todo = [b for b in self.batch_ids if states[b] != "sent"]
                if not todo:
                    return
                method = (
                    "action_generate"
                    if states[todo[0]] == "draft"
                    else "action_confirm_sent"
                )
                proxy.execute_kw(
                    self.database, 2, "admin", "sepa.debit.batch", method,
                    [[todo[0]]], {"context": context},
                )  # fmt: skip
        except xmlrpc.client.Fault as fault:
            self.fault = fault
        except (OSError, xmlrpc.client.ProtocolError, http.client.HTTPException):
            return  # the server was killed

    def chaos(self):
        def start(server):
            if self.driver:
                self.driver.join()
            self.driver = threading.Thread(target=self.drive, args=(server,))
            self.driver.start()

        def wake(_server):
            pass

        try:
            return self.run(start, wake)
        finally:
            if self.driver:
                self.driver.join()


# -- Checks, straight in PostgreSQL ---------------------------------------------------


def check_periods(cnx, subscriptions, specs, today):
    """Counts of duplicated, missing, orphan and wrongly priced period invoices of
    ``subscriptions`` (id: plan, add-ons, start), against the periods due by
    ``today`` (or by their end date)."""
    ids = [int(key) for key in subscriptions]
    ledger = defaultdict(list)
    for sub_id, row_id, index, start in query(
        cnx,
        "SELECT subscription_id, id, period_index, date_start FROM recurring_period "
        "WHERE subscription_id = ANY(%s)",
        [ids],
    ):
        ledger[sub_id].append((row_id, index, start))
    invoices = defaultdict(list)
    orphans = 0
    for _sub_id, period_id, state, total, currency in query(
        cnx,
        "SELECT move.subscription_id, move.recurring_period_id, move.state, "
        "move.amount_total, currency.name FROM account_move move "
        "JOIN res_currency currency ON currency.id = move.currency_id "
        "WHERE move.subscription_id = ANY(%s) AND move.recurring_kind = 'period'",
        [ids],
    ):
        if period_id is None:
            orphans += 1
        else:
            invoices[period_id].append((state, float(total), currency))
    counts = Counter()
    counts["orphans"] = orphans
    for key, info in subscriptions.items():
        spec = specs[info["plan"]]
        anchor = date.fromisoformat(info["start"])
        last_day = info.get("date_end")
        due = due_period_starts(
            spec, anchor, today, last_day and date.fromisoformat(last_day)
        )
        if info.get("kind") in ("trial", "resume"):
            due = []  # billed by the invoicing job, which this run does not start
        rows = ledger.get(int(key), [])
        billed = Counter(start for _row, _index, start in rows)
        for start in due:
            if not billed[start]:
                counts["missing"] += 1
        # A period in the ledger twice, or billed though it was not due.
        counts["duplicates"] += sum(n - 1 for n in billed.values())
        counts["duplicates"] += len(set(billed) - set(due))
        indexes = sorted(index for _row, index, _start in rows)
        counts["gaps"] += indexes != list(range(len(indexes)))
        price = period_price(spec, info["addons"])
        for row_id, _index, _start in rows:
            moves = invoices.pop(row_id, [])
            posted = [move for move in moves if move[0] == "posted"]
            if not posted:
                counts["orphans"] += 1
            counts["duplicates"] += max(len(posted) - 1, 0)
            counts["wrong_amounts"] += sum(
                abs(total - price) > 0.005 or currency != currency_of(spec)
                for _state, total, currency in posted
            )
    # Invoices whose ledger row is not one of these subscriptions'.
    counts["orphans"] += sum(len(moves) for moves in invoices.values())
    return counts


def check_invoicing(database, data):
    with closing(connect(database)) as cnx:
        return check_periods(cnx, data["subscriptions"], PLANS, date.today())


EXPECTED_EVENT = {"trial": "conversion", "resume": "resume", "cancel": "cancel",
                  "end": "end"}  # fmt: skip
EXPECTED_STATE = {"trial": "active", "resume": "active", "cancel": "cancelled",
                  "end": "cancelled"}  # fmt: skip


def check_lifecycle(database, data):
    subscriptions = data["subscriptions"]
    ids = [int(key) for key in subscriptions]
    with closing(connect(database)) as cnx:
        counts = check_periods(cnx, subscriptions, LIFECYCLE_PLANS, date.today())
        states = dict(
            query(
                cnx,
                "SELECT id, state FROM recurring_subscription WHERE id = ANY(%s)",
                [ids],
            )
        )
        events = Counter(
            query(
                cnx,
                "SELECT subscription_id, event_type FROM recurring_subscription_event "
                "WHERE subscription_id = ANY(%s) AND event_type = ANY(%s)",
                [ids, list(EXPECTED_EVENT.values())],
            )
        )
        credits = query(
            cnx,
            "SELECT count(*) FROM account_move WHERE subscription_id = ANY(%s) "
            "AND move_type = 'out_refund'",
            [ids],
        )[0][0]
    for key, info in subscriptions.items():
        kind = info["kind"]
        done = events[(int(key), EXPECTED_EVENT[kind])]
        counts["duplicates"] += max(done - 1, 0)
        counts["missing"] += done == 0 or states[int(key)] != EXPECTED_STATE[kind]
    # None of these subscriptions had paid days to credit.
    counts["orphans"] += credits
    return counts


def check_sepa(database, data):
    batches = {int(key): ids for key, ids in data["batches"].items()}
    amounts = {int(key): amount for key, amount in data["amounts"].items()}
    counts = Counter()
    with closing(connect(database)) as cnx:
        rows = query(
            cnx,
            "SELECT id, state, attachment_id FROM sepa_debit_batch WHERE id = ANY(%s)",
            [list(batches)],
        )
        lines = defaultdict(list)
        for batch_id, invoice_id, state, amount, payment_id, payment_amount in query(
            cnx,
            "SELECT line.batch_id, line.invoice_id, line.state, line.amount, "
            "line.payment_id, payment.amount FROM sepa_debit_batch_line line "
            "LEFT JOIN account_payment payment ON payment.id = line.payment_id "
            "WHERE line.batch_id = ANY(%s)",
            [list(batches)],
        ):
            lines[batch_id].append(
                (invoice_id, state, float(amount), payment_id, payment_amount)
            )
        attachments = defaultdict(list)
        for res_id, attachment_id in query(
            cnx,
            "SELECT res_id, id FROM ir_attachment "
            "WHERE res_model = 'sepa.debit.batch' AND res_id = ANY(%s)",
            [list(batches)],
        ):
            attachments[res_id].append(attachment_id)
        sepa_payments = query(
            cnx,
            "SELECT payment.id FROM account_payment payment "
            "JOIN account_journal journal ON journal.id = payment.journal_id "
            "WHERE journal.company_id = %s",
            [data["company"]],
        )
        notices = Counter(
            res_id
            for (res_id,) in query(
                cnx,
                "SELECT res_id FROM mail_message WHERE model = 'account.move' "
                "AND message_type = 'comment' AND res_id = ANY(%s)",
                [list(amounts)],
            )
            or []
        )
    debited = Counter()
    linked_payments = set()
    for batch_id, state, attachment_id in rows:
        batch_lines = lines[batch_id]
        states = {line[1] for line in batch_lines}
        files = attachments[batch_id]
        if state != "sent":
            counts["missing"] += 1
        # Half-sent: the batch and its debits, payments or file disagree.
        half = (
            (state == "sent" and (states != {"sent"} or not attachment_id))
            or (state in ("draft", "generated") and "sent" in states)
            or (state == "generated" and not attachment_id)
            or (state == "draft" and attachment_id)
            or any((line[1] == "sent") != bool(line[3]) for line in batch_lines)
        )
        counts["half_sent"] += bool(half)
        counts["orphans"] += len([f for f in files if f != attachment_id])
        if {line[0] for line in batch_lines} != set(batches[batch_id]):
            counts["missing"] += 1
        for invoice_id, line_state, amount, payment_id, payment_amount in batch_lines:
            if line_state == "sent":
                debited[invoice_id] += 1
            if payment_id:
                linked_payments.add(payment_id)
            expected = amounts[invoice_id]
            counts["wrong_amounts"] += abs(amount - expected) > 0.005 or (
                payment_id is not None and abs(float(payment_amount) - expected) > 0.005
            )
    counts["duplicates"] += sum(n - 1 for n in debited.values() if n > 1)
    counts["duplicates"] += sum(n - 1 for n in notices.values() if n > 1)
    counts["orphans"] += len({pid for (pid,) in sepa_payments} - linked_payments)
    return counts


CHECKS = {"invoicing": check_invoicing, "lifecycle": check_lifecycle,
          "sepa": check_sepa}  # fmt: skip
KEYS = ("duplicates", "missing", "orphans", "wrong_amounts")
EXTRA_KEYS = {"invoicing": ("gaps",), "lifecycle": ("gaps",), "sepa": ("half_sent",)}


# -- The jobs -------------------------------------------------------------------------


def chaos_job(args, job, logdir):
    database = f"chaos_{job}"
    fresh_database(database)
    build_start = time.monotonic()
    data = load(database, job, args.n, args.seed, args.batch_size)
    build_seconds = time.monotonic() - build_start
    # What the checks expect, kept to check the kept database again (--check).
    Path(logdir, f"{job}.json").write_text(json.dumps(data))
    runner = (SepaChaos if job == "sepa" else CronChaos)(
        args, job, database, logdir, data
    )
    try:
        seconds = runner.chaos()
    finally:
        for server in runner.servers:
            server.kill()
        runner.cnx.close()
    counts = CHECKS[job](database, data)
    errors = sum(len(server.errors()) for server in runner.servers)
    if not args.keep_db:
        drop(database)
    figures = " ".join(f"{key}={counts[key]}" for key in KEYS + EXTRA_KEYS[job])
    print(
        f"job={job} n={args.n} kills={runner.kills} "
        f"kills_inside={runner.kills_inside} {figures} "
        f"server_errors={errors} odoo_skips={runner.skipped} "
        f"seconds={seconds:.0f} (data {build_seconds:.0f} s)",
        flush=True,
    )
    return all(counts[key] == 0 for key in KEYS + EXTRA_KEYS[job])


def timed_invoicing(args, data_db, data, processes, logdir):
    """Invoice the due set of ``data_db`` with ``processes`` servers at once;
    (seconds, invoices made, counts of the checks, CPU line)."""
    from queue_sampler import Sampler  # noqa: PLC0415 - it imports this module

    database = "chaos_workers_run"
    fresh_database(database, template=data_db)
    vacuum(database)
    cron_ids = data["crons"][:processes]
    servers = []
    try:
        servers = [
            Server(database, logdir, f"workers-{processes}-{n + 1}")
            for n in range(processes)
        ]
        for server in servers:
            server.wait_ready()
        sampler = Sampler(database, *servers)
        with closing(connect(database)) as cnx:
            sampler.start()
            trigger(cnx, cron_ids)
            start = time.monotonic()
            wait_for(
                lambda: crons_done(cnx, cron_ids),
                servers[0],
                wake=wake_crons,
            )
            seconds = time.monotonic() - start
            sampler.stop()
            made = query(
                cnx,
                "SELECT count(*) FROM account_move WHERE recurring_kind = 'period'",
            )[0][0]
    finally:
        for server in servers:
            server.stop()
    counts = check_invoicing(database, data)
    drop(database)
    return seconds, made, counts, sampler.summary(made)


def workers_job(args, logdir):
    """The same due set invoiced by one server, then by two at once."""
    data_db = "chaos_workers_data"
    fresh_database(data_db)
    data = load(data_db, "invoicing", args.n, args.seed, args.batch_size)
    results = {}
    try:
        for processes in (1, 2):
            load_before = os.getloadavg()[0]
            results[processes] = (
                *timed_invoicing(args, data_db, data, processes, logdir),
                load_before,
            )
    finally:
        drop(data_db)
    (one_s, one_made, one_counts, one_cpu, one_load) = results[1]
    (two_s, two_made, two_counts, two_cpu, two_load) = results[2]
    print(f"one_process: {one_cpu}", flush=True)
    print(f"two_processes: {two_cpu}", flush=True)
    ok = all(counts[key] == 0 for counts in (one_counts, two_counts) for key in KEYS)
    print(
        f"job=workers n={args.n} invoices={two_made} "
        f"duplicates={two_counts['duplicates']} missing={two_counts['missing']} "
        f"orphans={two_counts['orphans']} wrong_amounts={two_counts['wrong_amounts']} "
        f"one_process={one_made / one_s:.1f}/s ({one_s:.1f} s) "
        f"two_processes={two_made / two_s:.1f}/s ({two_s:.1f} s) "
        f"ratio={one_s / two_s:.2f} load_before={one_load:.1f},{two_load:.1f}",
        flush=True,
    )
    return ok and one_made == two_made


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job", default="all", choices=(*JOBS, "all"))
    parser.add_argument("--n", type=int, default=1000, help="subscriptions or debits")
    parser.add_argument("--kills", type=int, default=20, help="kill -9 per job")
    parser.add_argument(
        "--keep-db", action="store_true", help="keep the chaos_<job> databases"
    )
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument(
        "--batch-size",
        type=int,
        default=50,
        help="subscriptions per committed batch of the scheduled jobs",
    )
    parser.add_argument(
        "--max-delay",
        type=float,
        default=30.0,
        help="longest random delay (seconds) before an untargeted kill",
    )
    parser.add_argument("-d", "--database", help=argparse.SUPPRESS)
    parser.add_argument("--build", choices=tuple(BUILDERS), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument(
        "--check",
        metavar="JSON",
        help="only check the kept database of --job with the <job>.json of its logs",
    )
    args = parser.parse_args(argv)

    if args.check:
        data = json.loads(Path(args.check).read_text())
        counts = CHECKS[args.job](f"chaos_{args.job}", data)
        print(" ".join(f"{key}={counts[key]}" for key in KEYS + EXTRA_KEYS[args.job]))
        return 0 if all(counts[key] == 0 for key in counts) else 1

    if args.build:
        build(args.database, args.build, args.n, args.seed, args.batch_size, args.out)
        return 0
    ensure_up_to_date(TEMPLATE)
    jobs = JOBS if args.job == "all" else (args.job,)
    ok = True
    # The servers' logs go with the databases: kept with them, for a look afterwards.
    logdir = tempfile.mkdtemp(prefix="chaos-")
    try:
        for job in jobs:
            if job == "workers":
                ok &= workers_job(args, logdir)
            else:
                ok &= chaos_job(args, job, logdir)
    finally:
        if args.keep_db:
            print(f"server logs in {logdir}", flush=True)
        else:
            shutil.rmtree(logdir)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
