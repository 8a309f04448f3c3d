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
from dataclasses import dataclass, field

import psycopg2
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
PLAN = ("recurring_plan", "recurring_plan_line", "recurring_plan_addon")
SUBSCRIPTION = (
    "recurring_subscription",
    "recurring_subscription_line",
    "recurring_subscription_event",
    "recurring_period",
)
INVOICE = ("account_move", "account_move_line")
MANDATE = ("sepa_mandate", "res_partner_bank", "res_bank")
DEBIT = ("sepa_debit_batch", "sepa_debit_batch_line")
PASSWORD = "bad-inputs-1"
# The fault codes of /xmlrpc/2 (odoo/addons/base/controllers/rpc.py): 1 is an internal
# error, whose text is the server's traceback.
FAULT_NAMES = {1: "internal error", 2: "user error", 3: "access denied", 4: "access"}
CLEAR_FAULTS = (2, 3, 4)
CUSTOMER_IBAN = "DE02120300000000202051"
COMPANY_IBAN = "DE89370400440532013000"
CREDITOR_ID = "DE98ZZZ09999999999"


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


@dataclass
class Case:
    area: str
    name: str
    user: str
    call: object  # (model, method, *args) or a function of the session
    expect: str  # what the refusal must say
    tables: tuple  # the tables the call aims at, printed with their counts
    outcome: str = ""
    message: str = ""
    changed: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)


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


# -- The fixtures, made by the administrator over RPC ---------------------------------


def xmlid(admin, name):
    module, name = name.split(".")
    rows = admin(
        "ir.model.data",
        "search_read",
        [("module", "=", module), ("name", "=", name)],
        fields=["res_id"],
    )
    return rows[0]["res_id"]


def make_fixtures(admin, today):
    """The users, plans, customers, mandates, subscriptions and invoices the cases
    aim at; returns their ids by name."""
    fx = {}
    eur = xmlid(admin, "base.EUR")
    dkk = xmlid(admin, "base.DKK")
    admin("res.currency", "write", [eur, dkk], {"active": True})
    fx["company"] = admin("res.users", "read", [admin.uid], ["company_id"])[0][
        "company_id"
    ][0]
    admin("res.company", "write", [fx["company"]], {"currency_id": eur})
    fx["other_company"] = admin(
        "res.company", "create", {"name": "Other Company", "currency_id": eur}
    )
    fx["eur"], fx["dkk"] = eur, dkk

    groups = {
        "sub": ["recurring_billing.group_user"],
        "sub mgr": ["recurring_billing.group_manager"],
        "inv": ["account.group_account_invoice"],
        "inv mgr": ["account.group_account_manager"],
        "other company": ["recurring_billing.group_user"],
        "portal": ["base.group_portal"],
    }
    fx["logins"] = {}
    for role, xmlids in groups.items():
        company = fx["other_company" if role == "other company" else "company"]
        login = "bad_inputs_" + role.replace(" ", "_")
        admin(
            "res.users",
            "create",
            {
                "name": f"Bad inputs {role}",
                "login": login,
                "password": PASSWORD,
                "company_id": company,
                "company_ids": [(6, 0, [company])],
                "groups_id": [(6, 0, [xmlid(admin, x) for x in xmlids])],
            },
        )
        fx["logins"][role] = login

    product = {"type": "service", "sale_ok": True, "taxes_id": [(5,)]}
    fx["basic"] = admin(
        "product.product", "create", {**product, "name": "Basic", "list_price": 30}
    )
    fx["pro"] = admin(
        "product.product", "create", {**product, "name": "Pro", "list_price": 50}
    )
    fx["seat"] = admin(
        "product.product", "create", {**product, "name": "Extra seat", "list_price": 5}
    )

    def plan(name, code, product_id, price, company, **values):
        return admin(
            "recurring.plan",
            "create",
            {
                "name": name,
                "code": code,
                "company_id": company,
                "currency_id": eur,
                "line_ids": [(0, 0, {"product_id": product_id, "price_unit": price})],
                **values,
            },
        )

    fx["plan"] = plan(
        "Basic",
        "BASIC",
        fx["basic"],
        30.0,
        fx["company"],
        addon_ids=[
            (
                0,
                0,
                {
                    "product_id": fx["seat"],
                    "name": "Extra seat",
                    "price_unit": 5.0,
                    "max_quantity": 10,
                },
            )
        ],
    )
    plan_read = admin("recurring.plan", "read", [fx["plan"]], ["addon_ids", "line_ids"])
    fx["addon"], fx["plan_lines"] = (
        plan_read[0]["addon_ids"][0],
        plan_read[0]["line_ids"],
    )
    fx["plan_pro"] = plan("Pro", "PRO", fx["pro"], 50.0, fx["company"])
    fx["plan_other"] = plan("Elsewhere", "ELSE", fx["basic"], 30.0, fx["other_company"])
    fx["pricelist_dkk"] = admin(
        "product.pricelist",
        "create",
        {"name": "Kroner", "currency_id": dkk, "company_id": fx["company"]},
    )

    address = {"street": "1 Hauptstrasse", "city": "Berlin"}
    fx["customer"] = admin("res.partner", "create", {"name": "Kunde GmbH", **address})
    fx["other_customer"] = admin(
        "res.partner", "create", {"name": "Someone Else", **address}
    )

    # Collecting by SEPA: creditor identifier, collection journal and its account.
    journal = admin(
        "account.journal",
        "search",
        [("type", "=", "bank"), ("company_id", "=", fx["company"])],
        limit=1,
    )[0]
    company_partner = admin("res.company", "read", [fx["company"]], ["partner_id"])[0][
        "partner_id"
    ][0]
    company_account = admin(
        "res.partner.bank",
        "create",
        {"acc_number": COMPANY_IBAN, "partner_id": company_partner},
    )
    admin("account.journal", "write", [journal], {"bank_account_id": company_account})
    admin(
        "res.company",
        "write",
        [fx["company"]],
        {"sepa_creditor_identifier": CREDITOR_ID, "sepa_journal_id": journal},
    )

    def account(partner, number, **values):
        return admin(
            "res.partner.bank",
            "create",
            {"acc_number": number, "partner_id": partner, **values},
        )

    commerzbank = admin(
        "res.bank", "create", {"name": "Commerzbank", "bic": "COBADEFFXXX"}
    )
    fx["bank"] = account(fx["customer"], CUSTOMER_IBAN, bank_id=commerzbank)
    fx["bank_other_partner"] = account(fx["other_customer"], "DE45120300001234567890")
    fx["bank_bad_checksum"] = account(fx["customer"], "DE02120300000000202052")
    fx["bank_outside_sepa"] = account(fx["customer"], "TR330006100519786457841326")
    typo_bank = admin("res.bank", "create", {"name": "Typo bank", "bic": "COBAD3FF"})
    fx["bank_bad_bic"] = account(
        fx["customer"], "DE65100700000123456789", bank_id=typo_bank
    )
    signed = (today - datetime.timedelta(days=30)).isoformat()
    fx["mandate"] = admin(
        "sepa.mandate",
        "create",
        {
            "partner_id": fx["customer"],
            "partner_bank_id": fx["bank"],
            "date_signature": signed,
        },
    )
    admin("sepa.mandate", "action_validate", [fx["mandate"]])
    fx["signed"] = signed

    def subscription(plan_id, **values):
        return admin(
            "recurring.subscription",
            "create",
            {
                "partner_id": fx["customer"],
                "plan_id": plan_id,
                "date_start": today.isoformat(),
                "line_ids": [(0, 0, {"product_id": fx["basic"]})],
                **values,
            },
        )

    fx["running"] = subscription(fx["plan"], payment_method="sepa")
    admin("recurring.subscription", "action_start", [fx["running"]])
    admin("recurring.subscription", "action_invoice_now", [fx["running"]])
    fx["draft"] = subscription(fx["plan"])
    fx["draft_empty"] = subscription(fx["plan"], line_ids=[])
    fx["draft_dkk"] = subscription(fx["plan"], pricelist_id=fx["pricelist_dkk"])
    fx["draft_other"] = admin(
        "recurring.subscription",
        "create",
        {
            "partner_id": fx["customer"],
            "plan_id": fx["plan_other"],
            "company_id": fx["other_company"],
            "line_ids": [(0, 0, {"product_id": fx["basic"]})],
        },
    )
    fx["period"] = admin(
        "recurring.period", "search", [("subscription_id", "=", fx["running"])]
    )[0]
    fx["event"] = admin(
        "recurring.subscription.event",
        "search",
        [("subscription_id", "=", fx["running"])],
    )[0]
    fx["reason"] = admin("recurring.cancel.reason", "search", [], limit=1)[0]

    def invoice(amount):
        move = admin(
            "account.move",
            "create",
            {
                "move_type": "out_invoice",
                "partner_id": fx["customer"],
                "currency_id": eur,
                "invoice_date": today.isoformat(),
                "invoice_date_due": today.isoformat(),
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": fx["basic"],
                            "price_unit": amount,
                            "tax_ids": [(5,)],
                        },
                    )
                ],
            },
        )
        admin("account.move", "action_post", [move])
        return move

    fx["invoice"] = invoice(100.0)
    fx["batch"] = admin(
        "sepa.debit.batch",
        "create",
        {"date_due_to": (today + datetime.timedelta(days=30)).isoformat()},
    )
    admin("sepa.debit.batch", "action_select_invoices", [fx["batch"]])
    fx["debit"] = admin(
        "sepa.debit.batch.line", "search", [("batch_id", "=", fx["batch"])], limit=1
    )[0]
    # Made after the batch picked the due invoices: free for the debits of the cases,
    # the second above what one debit may collect.
    fx["invoice_free"] = invoice(100.0)
    fx["invoice_huge"] = invoice(1_000_000_000.0)
    fx["today"] = today.isoformat()
    fx["yesterday"] = (today - datetime.timedelta(days=1)).isoformat()
    return fx


# -- The cases ------------------------------------------------------------------------


def debit_vals(fx, **values):
    return {
        "batch_id": fx["batch"],
        "invoice_id": fx["invoice_free"],
        "mandate_id": fx["mandate"],
        "amount": 50.0,
        "end_to_end_id": "RPC-CASE-1",
        **values,
    }


def wizard(model, values, method="action_confirm"):
    """Create a wizard as the web client saves it, then press its button."""

    def call(rpc):
        record = rpc(model, "create", values)
        return rpc(model, method, [record])

    return call


def make_cases(fx):
    plan_vals = {
        "name": "Bad plan",
        "currency_id": fx["eur"],
        "line_ids": [(0, 0, {"product_id": fx["basic"], "price_unit": 10.0})],
    }
    sub_vals = {
        "partner_id": fx["customer"],
        "plan_id": fx["plan"],
        "date_start": fx["today"],
        "line_ids": [(0, 0, {"product_id": fx["basic"]})],
    }
    seat = {"product_id": fx["seat"], "addon_id": fx["addon"]}
    mandate_vals = {
        "partner_id": fx["customer"],
        "partner_bank_id": fx["bank"],
        "date_signature": fx["signed"],
    }
    running, draft = [fx["running"]], [fx["draft"]]
    S, M = "recurring.subscription", "sepa.mandate"  # noqa: N806
    L = "sepa.debit.batch.line"  # noqa: N806

    def case(area, name, user, call, expect, tables):
        return Case(area, name, user, call, expect, tables)

    return [
        # -- Plans, by a Subscriptions manager ----------------------------------------
        case("plan", "interval 0", "sub mgr",
             ("recurring.plan", "create", {**plan_vals, "interval_count": 0}),
             r"Bill Every", PLAN),
        case("plan", "interval -3", "sub mgr",
             ("recurring.plan", "create", {**plan_vals, "interval_count": -3}),
             r"Bill Every", PLAN),
        case("plan", "unknown interval unit", "sub mgr",
             ("recurring.plan", "create", {**plan_vals, "interval_unit": "fortnight"}),
             r"(?i)interval.*fortnight|fortnight.*(interval|unit)", PLAN),
        case("plan", "unknown billing mode", "sub mgr",
             ("recurring.plan", "create", {**plan_vals, "billing_mode": "later"}),
             r"(?i)billing mode.*later|later.*billing mode", PLAN),
        case("plan", "negative line price", "sub mgr",
             ("recurring.plan", "create", {**plan_vals, "line_ids": [
                 (0, 0, {"product_id": fx["basic"], "price_unit": -10.0})]}),
             r"price of a plan line cannot be negative", PLAN),
        case("plan", "line quantity 0", "sub mgr",
             ("recurring.plan", "create", {**plan_vals, "line_ids": [
                 (0, 0, {"product_id": fx["basic"], "price_unit": 10.0,
                         "quantity": 0})]}),
             r"quantity of a plan line must be positive", PLAN),
        case("plan", "negative trial length", "sub mgr",
             ("recurring.plan", "create", {**plan_vals, "trial_days": -14}),
             r"trial length cannot be negative|negative trial length", PLAN),
        case("plan", "fixed term of 0 periods", "sub mgr",
             ("recurring.plan", "create",
              {**plan_vals, "term_type": "fixed", "term_periods": 0}),
             r"fixed.term.*periods", PLAN),
        case("plan", "code taken", "sub mgr",
             ("recurring.plan", "create", {**plan_vals, "code": "BASIC"}),
             r"already uses this code", PLAN),
        case("plan", "add-on maximum 0", "sub mgr",
             ("recurring.plan.addon", "create", {"plan_id": fx["plan"],
              "product_id": fx["pro"], "price_unit": 5.0, "max_quantity": 0}),
             r"maximum quantity of at least 1", PLAN),
        case("plan", "add-on negative price", "sub mgr",
             ("recurring.plan.addon", "create", {"plan_id": fx["plan"],
              "product_id": fx["pro"], "price_unit": -5.0, "max_quantity": 3}),
             r"price of an add-on package cannot be negative", PLAN),
        case("plan", "interval changed under started subscriptions", "sub mgr",
             ("recurring.plan", "write", [fx["plan"]], {"interval_unit": "year"}),
             r"billing interval.*cannot change", PLAN + SUBSCRIPTION),
        case("plan", "unknown currency id", "sub mgr",
             ("recurring.plan", "create", {**plan_vals, "currency_id": 999999}),
             r"Currency \(currency_id\) of a Subscription Plan cannot be 999999: no "
             r"Currency has this id", PLAN),
        # -- Subscriptions, by a Subscriptions user -----------------------------------
        case("subscription", "end before start", "sub",
             (S, "create", {**sub_vals, "date_end": fx["yesterday"]}),
             r"would end on .*before it starts|end date cannot be before", SUBSCRIPTION),
        case("subscription", "trial end before start", "sub",
             (S, "create", {**sub_vals, "date_trial_end": fx["yesterday"]}),
             r"trial cannot end before", SUBSCRIPTION),
        case("subscription", "start date not a date", "sub",
             (S, "create", {**sub_vals, "date_start": "2026-13-45"}),
             r"(?i)start date.*2026-13-45|2026-13-45.*(not a|date)", SUBSCRIPTION),
        case("subscription", "customer of an unknown id", "sub",
             (S, "create", {**sub_vals, "partner_id": 999999}),
             r"Customer \(partner_id\) of a Subscription cannot be 999999", SUBSCRIPTION),
        case("subscription", "add-on over the package limit", "sub",
             (S, "create", {**sub_vals, "line_ids": [
                 (0, 0, {"product_id": fx["basic"]}), (0, 0, {**seat, "quantity": 11})]}),
             r"allows at most 10", SUBSCRIPTION),
        case("subscription", "add-on over the limit by its door", "sub",
             (S, "action_set_addon_quantities", running, {str(fx["addon"]): 11}),
             r"allows at most 10", SUBSCRIPTION + INVOICE),
        case("subscription", "negative add-on quantity", "sub",
             (S, "action_set_addon_quantities", running, {str(fx["addon"]): -2}),
             r"negative quantity", SUBSCRIPTION + INVOICE),
        case("subscription", "add-on of an unknown id", "sub",
             (S, "action_set_addon_quantities", running, {"999999": 1}),
             r"has the id 999999", SUBSCRIPTION + INVOICE),
        case("subscription", "plan of another company", "sub",
             (S, "create", {**sub_vals, "plan_id": fx["plan_other"]}),
             r"(?s)Incompatible companies on records.*\(plan_id", SUBSCRIPTION),
        case("subscription", "change to a plan of another company", "sub",
             (S, "action_change_plan", running, fx["plan_other"]),
             r"access to:\s+- Subscription Plan \(recurring\.plan\)", SUBSCRIPTION + INVOICE),
        case("subscription", "currency without rate", "sub",
             (S, "action_start", [fx["draft_dkk"]]),
             r"DKK has no exchange rate", SUBSCRIPTION + INVOICE),
        case("subscription", "unknown payment method", "sub",
             (S, "create", {**sub_vals, "payment_method": "cheque"}),
             r"(?i)payment method.*cheque|cheque.*payment method", SUBSCRIPTION),
        case("subscription", "negative line price", "sub",
             (S, "create", {**sub_vals, "line_ids": [
                 (0, 0, {"product_id": fx["basic"], "price_unit": -30.0})]}),
             r"price.*cannot be negative|cannot be negative", SUBSCRIPTION),
        case("subscription", "discount of 150 %", "sub",
             (S, "create", {**sub_vals, "line_ids": [
                 (0, 0, {"product_id": fx["basic"], "discount": 150})]}),
             r"discount is a percentage between 0 and 100", SUBSCRIPTION),
        case("subscription", "state written directly", "sub",
             (S, "write", running, {"state": "cancelled"}),
             r"changes only through its buttons", SUBSCRIPTION + INVOICE),
        case("subscription", "resume date not a date", "sub",
             (S, "action_pause", running, "next monday"),
             r"resume date next monday is not a date", SUBSCRIPTION + INVOICE),
        case("subscription", "resume date in the past", "sub",
             (S, "action_pause", running, fx["yesterday"]),
             r"resume date must be after today", SUBSCRIPTION + INVOICE),
        case("subscription", "unknown cancellation reason", "sub",
             (S, "action_cancel", running, 999999),
             r"has the id 999999", SUBSCRIPTION + INVOICE),
        case("subscription", "start without lines", "sub",
             (S, "action_start", [fx["draft_empty"]]),
             r"has no lines", SUBSCRIPTION),
        # -- Mandates and SEPA --------------------------------------------------------
        case("sepa", "IBAN with a bad checksum", "sub",
             (M, "create", {**mandate_vals, "partner_bank_id": fx["bank_bad_checksum"]}),
             r"not a valid IBAN: its check digits do not match", MANDATE),
        case("sepa", "IBAN outside the SEPA area", "sub",
             (M, "create", {**mandate_vals, "partner_bank_id": fx["bank_outside_sepa"]}),
             r"TR, outside the SEPA area", MANDATE),
        case("sepa", "malformed BIC", "sub",
             (M, "create", {**mandate_vals, "partner_bank_id": fx["bank_bad_bic"]}),
             r"'COBAD3FF' is not a valid BIC", MANDATE),
        case("sepa", "bad checksum written on a mandate's account", "admin",
             ("res.partner.bank", "write", [fx["bank"]],
              {"acc_number": "DE02120300000000202052"}),
             r"check digits do not match", MANDATE),
        case("sepa", "malformed BIC written on a mandate's account", "admin",
             ("res.partner.bank", "write", [fx["bank"]], {"bank_bic": "NOT A BIC"}),
             r"'NOT A BIC' is not a valid BIC", MANDATE),
        case("sepa", "account of another customer", "sub",
             (M, "create", {**mandate_vals, "partner_bank_id": fx["bank_other_partner"]}),
             r"belongs to .*Someone Else.*not to the customer", MANDATE),
        case("sepa", "creditor identifier with bad check digits", "admin",
             ("res.company", "write", [fx["company"]],
              {"sepa_creditor_identifier": "DE00ZZZ09999999999"}),
             r"not a valid SEPA creditor identifier", ("res_company", "sepa_mandate")),
        case("sepa", "creditor identifier over 35 characters", "admin",
             ("res.company", "write", [fx["company"]],
              {"sepa_creditor_identifier": "DE98ZZZ" + "9" * 40}),
             r"not a valid SEPA creditor identifier: .*at most 35 characters",
             ("res_company", "sepa_mandate")),
        case("sepa", "mandate reference over 35 characters", "sub",
             (M, "create", {**mandate_vals, "name": "UMR-" + "X" * 40}),
             r"(?i)mandate reference.*35|35.*mandate reference", MANDATE),
        case("sepa", "mandate reference in Cyrillic", "sub",
             (M, "create", {**mandate_vals, "name": "МАНДАТ-2026-1"}),
             r"mandate reference 'МАНДАТ-2026-1' contains", MANDATE),
        case("sepa", "unknown scheme", "sub",
             (M, "create", {**mandate_vals, "scheme": "instant"}),
             r"(?i)scheme.*instant|instant.*scheme", MANDATE),
        case("sepa", "signature in the future", "sub",
             (M, "create", {**mandate_vals, "date_signature": "2099-01-01"}),
             r"signed on .* in the future", MANDATE),
        case("sepa", "mandate state written to valid", "sub",
             (M, "create", {**mandate_vals, "state": "valid"}),
             r"A new mandate is a draft: leave its state", MANDATE),
        case("sepa", "debit of 0", "inv",
             (L, "create", debit_vals(fx, amount=0.0)),
             r"amount above zero", DEBIT + INVOICE),
        case("sepa", "debit of -10", "inv",
             (L, "create", debit_vals(fx, amount=-10.0)),
             r"amount above zero", DEBIT + INVOICE),
        case("sepa", "debit of 1 000 000 000", "inv",
             (L, "create", debit_vals(fx, invoice_id=fx["invoice_huge"],
                                      amount=1_000_000_000.0)),
             r"above the SEPA maximum", DEBIT + INVOICE),
        case("sepa", "debit above the invoice residual", "inv",
             (L, "create", debit_vals(fx, amount=150.0)),
             r"more than the .* left to pay", DEBIT + INVOICE),
        case("sepa", "debit amount written to 0", "inv",
             (L, "write", [fx["debit"]], {"amount": 0.0}),
             r"amount above zero", DEBIT + INVOICE),
        case("sepa", "end-to-end id over 35 characters", "inv",
             (L, "create", debit_vals(fx, end_to_end_id="E2E-" + "7" * 40)),
             r"end-to-end id .* characters long; at most 35", DEBIT + INVOICE),
        case("sepa", "end-to-end id in Greek", "inv",
             (L, "create", debit_vals(fx, end_to_end_id="ΧΡΕΩΣΗ-2026")),
             r"end-to-end id .* contains .*'Ρ'", DEBIT + INVOICE),
        case("sepa", "debit created as collected", "inv",
             (L, "create", debit_vals(fx, state="collected")),
             r"state of a SEPA Direct Debit follows its life", DEBIT + INVOICE),
        case("sepa", "batch created as sent", "inv",
             ("sepa.debit.batch", "create", {"date_due_to": fx["today"],
                                              "state": "sent"}),
             r"state of a SEPA Direct Debit Batch follows its life", DEBIT),
        case("sepa", "due window ending before it starts", "inv",
             ("sepa.debit.batch", "create", {"date_due_from": fx["today"],
              "date_due_to": fx["yesterday"]}),
             r"due window .*cannot end before it starts", DEBIT),
        case("sepa", "collection date in the past", "inv",
             ("sepa.debit.batch", "create", {"date_due_to": fx["today"],
              "date_collection": fx["yesterday"]}),
             r"collection date .* is in the past", DEBIT),
        # -- Wizards, the transient models called over RPC ----------------------------
        case("wizard", "cancel without a reason", "sub",
             wizard("recurring.cancel.wizard", {"subscription_ids": [(6, 0, running)],
                                                "when": "now"}),
             r"(?s)mandatory field is not set.*Reason \(reason_id\)", SUBSCRIPTION + INVOICE),
        case("wizard", "cancel of another company's subscription", "sub",
             wizard("recurring.cancel.wizard", {
                 "subscription_ids": [(6, 0, [fx["draft_other"]])],
                 "reason_id": fx["reason"], "when": "now"}),
             r"access to:\s+- Subscription \(recurring\.subscription\)",
             SUBSCRIPTION + INVOICE),
        case("wizard", "cancel with an unknown timing", "sub",
             wizard("recurring.cancel.wizard", {"subscription_ids": [(6, 0, running)],
                                                "reason_id": fx["reason"],
                                                "when": "yesterday"}),
             r"When \(when\) of a Cancel Subscriptions cannot be 'yesterday'",
             SUBSCRIPTION + INVOICE),
        case("wizard", "pause of another company's subscription", "sub",
             wizard("recurring.pause.wizard", {
                 "subscription_ids": [(6, 0, [fx["draft_other"]])]}),
             r"access to:\s+- Subscription \(recurring\.subscription\)",
             SUBSCRIPTION + INVOICE),
        case("wizard", "pause resuming in the past", "sub",
             wizard("recurring.pause.wizard", {"subscription_ids": [(6, 0, running)],
                                               "date_resume": fx["yesterday"]}),
             r"resume date must be after today", SUBSCRIPTION + INVOICE),
        case("wizard", "change to a plan of another company", "sub",
             wizard("recurring.change.wizard", {"subscription_id": fx["running"],
                                                "plan_id": fx["plan_other"],
                                                "when": "now"}),
             r"access to:\s+- Subscription Plan \(recurring\.plan\)", SUBSCRIPTION + INVOICE),
        case("wizard", "change applied at an unknown time", "sub",
             wizard("recurring.change.wizard", {"subscription_id": fx["running"],
                                                "plan_id": fx["plan_pro"],
                                                "when": "someday"}),
             r"(?i)someday.*(apply|when)|(apply|when).*someday", SUBSCRIPTION + INVOICE),
        case("wizard", "change over the package limit", "sub",
             wizard("recurring.change.wizard", {
                 "subscription_id": fx["running"], "addon_line_ids": [
                     (0, 0, {"addon_id": fx["addon"], "quantity": 25})]}),
             r"allows at most 10", SUBSCRIPTION + INVOICE),
        case("wizard", "return of a debit never sent", "inv",
             wizard("sepa.return.wizard", {"line_id": fx["debit"],
                                           "reason_code": "AM04",
                                           "return_type": "reject"}),
             r"Only a collected direct debit can be returned", DEBIT + INVOICE),
        case("wizard", "return with an unknown reason code", "inv",
             wizard("sepa.return.wizard", {"line_id": fx["debit"],
                                           "reason_code": "ZZ99"}),
             r"(?i)reason.*ZZ99|ZZ99.*reason", DEBIT + INVOICE),
        case("wizard", "return date not a date", "inv",
             (L, "record_return", [fx["debit"]], "reject", "AM04", "last week"),
             r"(?i)return date.*last week|last week.*not a date", DEBIT + INVOICE),
        case("wizard", "statement matching of a draft batch", "inv",
             wizard("sepa.statement.match.wizard", {"batch_id": fx["batch"]}),
             r"is draft: it cannot be matched with a bank statement line", DEBIT + INVOICE),
        # -- Access ------------------------------------------------------------------
        case("access", "Subscriptions user writes the period ledger", "sub",
             ("recurring.period", "write", [fx["period"]], {"amount_untaxed": 1.0}),
             r"not allowed to modify .*recurring\.period", SUBSCRIPTION),
        case("access", "Subscriptions user adds to the change log", "sub",
             ("recurring.subscription.event", "create", {
                 "subscription_id": fx["running"], "event_type": "start",
                 "date": fx["today"]}),
             r"not allowed to create .*recurring\.subscription\.event", SUBSCRIPTION),
        case("access", "Subscriptions manager deletes from the change log", "sub mgr",
             ("recurring.subscription.event", "unlink", [fx["event"]]),
             r"not allowed to delete .*recurring\.subscription\.event", SUBSCRIPTION),
        case("access", "Invoicing user changes a plan's price", "inv",
             ("recurring.plan.line", "write",
              fx["plan_lines"], {"price_unit": 1.0}),
             r"not allowed to modify .*recurring\.plan\.line", PLAN),
        case("access", "Invoicing user renames a plan", "inv",
             ("recurring.plan", "write", [fx["plan"]], {"name": "Cheap"}),
             r"not allowed to modify .*recurring\.plan", PLAN),
        case("access", "Invoicing user starts a subscription", "inv",
             (S, "action_start", draft),
             r"not allowed to modify .*recurring\.subscription", SUBSCRIPTION + INVOICE),
        case("access", "other company reads a subscription", "other company",
             (S, "read", running, ["name", "mrr"]),
             r"access to:\s+- Subscription \(recurring\.subscription\)",
             SUBSCRIPTION),
        case("access", "other company cancels a subscription", "other company",
             (S, "action_cancel", running, fx["reason"]),
             r"access to:\s+- Subscription \(recurring\.subscription\)",
             SUBSCRIPTION + INVOICE),
        case("access", "other company writes a mandate", "other company",
             (M, "write", [fx["mandate"]], {"partner_bank_id": fx["bank_bad_bic"]}),
             r"access to:\s+- SEPA Direct Debit Mandate \(sepa\.mandate\)", MANDATE),
        case("access", "portal user reads plans", "portal",
             ("recurring.plan", "search_read", [], ["name"]),
             r"not allowed to access .*recurring\.plan", PLAN),
        case("access", "portal user creates a subscription", "portal",
             (S, "create", sub_vals),
             r"not allowed to create .*recurring\.subscription", SUBSCRIPTION),
        case("access", "portal user creates a mandate", "portal",
             (M, "create", mandate_vals),
             r"not allowed to create .*sepa\.mandate", MANDATE),
    ]  # fmt: skip


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
