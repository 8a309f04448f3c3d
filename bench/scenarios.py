"""Benchmark scenarios: each yields (label, step) pairs, the baseline first.

A step does the work and returns how many records it made, for a per-second figure.
"""

from datetime import date

from odoo.tools import split_every


def bench_product(env):
    """A service product every benchmark invoices, created once."""
    product = env["product.product"].search([("default_code", "=", "BENCH")], limit=1)
    if not product:
        product = env["product.product"].create(
            {"name": "Bench service", "default_code": "BENCH", "type": "service"}
        )
        env.cr.commit()
    return product


def raw_invoice_vals(customers, product, invoice_date=date(2026, 3, 1)):
    """One one-line customer invoice per customer, as plain Odoo would be given them."""
    return [
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": invoice_date,
            "invoice_line_ids": [
                (0, 0, {"product_id": product.id, "quantity": 1, "price_unit": 30.0})
            ],
        }
        for partner in customers
    ]


def raw_invoices(env, customers):
    """The raw Odoo baseline: batch ``account.move`` create + ``action_post``."""
    product = bench_product(env)

    def create_and_post():
        moves = env["account.move"].create(raw_invoice_vals(customers, product))
        moves.action_post()
        return len(moves)

    yield "raw account.move create+post", create_and_post


def bench_subscriptions(env, customers, product, start=date(2026, 3, 1)):
    """One active subscription on a one-line plan per customer, created once."""
    plan = env["recurring.plan"].search([("code", "=", "BENCH")], limit=1)
    if not plan:
        plan = env["recurring.plan"].create(
            {
                "name": "Bench plan",
                "code": "BENCH",
                "invoice_policy": "post",
                "line_ids": [(0, 0, {"product_id": product.id, "price_unit": 30.0})],
            }
        )
    subs = env["recurring.subscription"].search([("plan_id", "=", plan.id)])
    missing = customers - subs.partner_id
    for chunk in split_every(1000, missing.ids):
        new = env["recurring.subscription"].create(
            [
                {
                    "partner_id": partner_id,
                    "plan_id": plan.id,
                    "date_start": start,
                    "line_ids": [(0, 0, {"product_id": product.id})],
                }
                for partner_id in chunk
            ]
        )
        new.action_start()
        env.cr.commit()
    if missing:
        subs = env["recurring.subscription"].search([("plan_id", "=", plan.id)])
    return subs


def cron_invoices(env, customers):
    """The invoicing job end to end (ledger, create, post) against the raw baseline.

    Both bill the same one-line invoices to the same customers; the job is limited to
    the subscriptions of these customers.
    """
    product = bench_product(env)
    plan = bench_subscriptions(env, customers, product).plan_id
    yield from raw_invoices(env, customers)

    def invoice_due_periods():
        return env["recurring.subscription"]._generate_recurring_invoices(
            today=date(2026, 3, 1),
            domain=[("plan_id", "=", plan.id), ("partner_id", "in", customers.ids)],
        )

    yield "recurring invoicing job", invoice_due_periods


SCENARIOS = {"raw-invoices": raw_invoices, "cron-invoices": cron_invoices}
