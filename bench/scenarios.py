"""Benchmark scenarios: each yields (label, step) pairs, the baseline first.

A step does the work and returns how many records it made, for a per-second figure.
"""

from datetime import date


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


SCENARIOS = {"raw-invoices": raw_invoices}
