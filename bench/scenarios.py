"""Benchmark scenarios: each yields (label, step) pairs, the baseline first.

``scenario(env, customers, commit)`` first makes (and commits) the data its steps
need, then yields; so listing the pairs without calling a step only prepares the data.
A step does the work and returns how many invoices it made, for a per-second figure.
With ``commit`` both sides commit after each batch of ``BATCH_SIZE``, as the
scheduled job does; without, they only flush (the warm-up, which is rolled back).
"""

from datetime import date

from odoo import Command
from odoo.tools import split_every

from odoo.addons.recurring_billing.models.recurring_invoicing_job import (
    BATCH_SIZE,
)

HISTORY_DATE = date(2026, 2, 1)
INVOICE_DATE = date(2026, 3, 1)
PERIOD_END = date(2026, 3, 31)
PRICE = 30.0


def bench_product(env):
    """A service product every benchmark invoices, created once."""
    product = env["product.product"].search([("default_code", "=", "BENCH")], limit=1)
    if not product:
        product = env["product.product"].create(
            {"name": "Bench service", "default_code": "BENCH", "type": "service"}
        )
        env.cr.commit()
    return product


def end_batch(env, commit):
    """What the job does between two batches: commit, and start from an empty cache."""
    if commit:
        env.cr.commit()
    else:
        env.flush_all()
    env.invalidate_all()


def raw_invoice_vals(env, customers, product):
    """The invoices the job makes for these customers, as plain Odoo would be given them.

    Same header, dates, line text, price and taxes: only the links to the
    subscription and its ledger row are missing.
    """
    journal = env["account.journal"].search(
        [
            *env["account.journal"]._check_company_domain(env.company),
            ("type", "=", "sale"),
        ],
        limit=1,
    )
    name = env["recurring.invoice.maker"]._line_name(
        product.display_name, INVOICE_DATE, PERIOD_END, env.lang or "en_US"
    )
    return [
        {
            "move_type": "out_invoice",
            "company_id": env.company.id,
            "journal_id": journal.id,
            "partner_id": partner.id,
            "invoice_date": INVOICE_DATE,
            "currency_id": env.company.currency_id.id,
            # Known in advance, as the subscription knows them: these customers have
            # no fiscal position nor payment terms. Left out, Odoo would look them up
            # for each invoice, work the job does not do.
            "fiscal_position_id": False,
            "invoice_payment_term_id": False,
            "invoice_user_id": env.user.id,
            "invoice_origin": "BENCH",
            "invoice_line_ids": [
                Command.create(
                    {
                        "product_id": product.id,
                        "name": name,
                        "quantity": 1,
                        "price_unit": PRICE,
                        "tax_ids": [Command.set(product.taxes_id.ids)],
                    }
                )
            ],
        }
        for partner in customers
    ]


def raw_invoices(env, customers, commit=False):
    """The raw Odoo baseline: ``account.move`` create + ``action_post`` per batch."""
    product = bench_product(env)
    bench_subscriptions(env, customers, product)

    def create_and_post():
        count = 0
        for ids in split_every(BATCH_SIZE, customers.ids, env["res.partner"].browse):
            moves = env["account.move"].create(raw_invoice_vals(env, ids, product))
            moves.action_post()
            count += len(moves)
            end_batch(env, commit)
        return count

    yield "raw account.move create+post", create_and_post


def bench_subscriptions(env, customers, product, code="BENCH", payment_vals=None):
    """One subscription per customer on a monthly one-line plan, billed for February.

    ``code`` names the plan, ``payment_vals(partner_id)`` how each one is paid
    (manually if not given).

    Made once, February invoiced by the job: both sides then bill March on a database
    that already holds a month of invoices, as a live one does. An empty invoice table
    would mislead the planner (with its statistics of an empty table) into plans whose
    cost grows with every invoice added, which a live database does not show.
    """
    plan = env["recurring.plan"].search([("code", "=", code)], limit=1)
    if not plan:
        plan = env["recurring.plan"].create(
            {
                "name": f"Bench plan {code}",
                "code": code,
                "invoice_policy": "post",
                "line_ids": [
                    Command.create({"product_id": product.id, "price_unit": PRICE})
                ],
            }
        )
    Subscription = env["recurring.subscription"]
    subs = Subscription.search([("plan_id", "=", plan.id)])
    missing = customers - subs.partner_id
    for chunk in split_every(1000, missing.ids):
        new = Subscription.create(
            [
                {
                    "partner_id": partner_id,
                    "plan_id": plan.id,
                    "date_start": HISTORY_DATE,
                    "line_ids": [Command.create({"product_id": product.id})],
                    **(payment_vals(partner_id) if payment_vals else {}),
                }
                for partner_id in chunk
            ]
        )
        new.action_start()
        env.cr.commit()
    if missing:
        Subscription._generate_recurring_invoices(
            today=HISTORY_DATE, commit=True, domain=[("plan_id", "=", plan.id)]
        )
        subs = Subscription.search([("plan_id", "=", plan.id)])
    return subs


def cron_invoices(env, customers, commit=False):
    """The invoicing job end to end (ledger, create, post) against the raw baseline.

    Both bill the same one-line invoices to the same customers, in batches of the
    same size; the job is limited to the subscriptions of these customers.
    """
    product = bench_product(env)
    plan = bench_subscriptions(env, customers, product).plan_id
    yield from raw_invoices(env, customers, commit)
    yield "recurring invoicing job", job_step(env, plan, customers, commit)


def job_step(env, plan, customers, commit):
    """The invoicing job run for March on the subscriptions of ``plan`` of these
    customers."""

    def invoice_due_periods():
        # One period is due per subscription: subscriptions handled = invoices made.
        return env["recurring.subscription"]._generate_recurring_invoices(
            today=INVOICE_DATE,
            commit=commit,
            domain=[("plan_id", "=", plan.id), ("partner_id", "in", customers.ids)],
        )

    return invoice_due_periods


def bench_tokens(env, customers):
    """A token of Odoo's demo provider per customer, whose charges succeed at once,
    made once; by customer id."""
    provider = env.ref("payment.payment_provider_demo")
    Token = env["payment.token"]
    tokens = Token.search([("provider_id", "=", provider.id)])
    missing = customers - tokens.partner_id
    if missing:
        tokens |= Token.create(
            [
                {
                    "provider_id": provider.id,
                    "payment_method_id": env.ref("payment_demo.payment_method_demo").id,
                    "partner_id": partner.id,
                    "payment_details": "done",
                    "provider_ref": f"bench-{partner.id}",
                    "demo_simulated_state": "done",
                }
                for partner in missing
            ]
        )
        env.cr.commit()
    return {token.partner_id.id: token for token in tokens}


def raw_invoices_paid(env, customers, commit=False):
    """The raw Odoo baseline of a collection: per batch, ``account.move`` create and
    ``action_post``, then ``account.payment.register`` pays each invoice on the
    journal of the demo provider (one payment per invoice, reconciled)."""
    product = bench_product(env)
    journal = env.ref("payment.payment_provider_demo").journal_id

    def create_post_and_pay():
        count = 0
        for ids in split_every(BATCH_SIZE, customers.ids, env["res.partner"].browse):
            moves = env["account.move"].create(raw_invoice_vals(env, ids, product))
            moves.action_post()
            env["account.payment.register"].with_context(
                active_model="account.move", active_ids=moves.ids
            ).create(
                {"journal_id": journal.id, "group_payment": False}
            ).action_create_payments()
            count += len(moves)
            end_batch(env, commit)
        return count

    yield "raw create+post+register payment", create_post_and_pay


def cron_charges(env, customers, commit=False):
    """The invoicing job charging saved payment methods end to end (ledger, create,
    post, transaction, payment, reconciliation) against the raw baseline of the same
    invoices paid by the payment wizard.

    The subscriptions (plan ``BENCH-PAY``) are paid by a token of the demo provider
    whose charges are done at once; February was invoiced and collected.
    """
    product = bench_product(env)
    tokens = bench_tokens(env, customers)
    plan = bench_subscriptions(
        env,
        customers,
        product,
        code="BENCH-PAY",
        payment_vals=lambda partner_id: {
            "payment_method": "token",
            "payment_token_id": tokens[partner_id].id,
        },
    ).plan_id
    yield from raw_invoices_paid(env, customers, commit)
    yield "recurring job with charges", job_step(env, plan, customers, commit)


SCENARIOS = {
    "raw-invoices": raw_invoices,
    "cron-invoices": cron_invoices,
    "cron-charges": cron_charges,
}
