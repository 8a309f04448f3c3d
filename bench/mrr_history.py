"""Generated subscription history for the MRR analytics benchmark.

Customers, subscriptions and their change log are written with set-based SQL and tagged
with ``PREFIX``, so that a later run can tell whether the history of the requested shape
is already there and remove it otherwise.
"""

from datetime import date

from odoo import Command
from odoo.tools import SQL

PREFIX = "MRRBENCH-"
SHAPE_PARAM = "mrr_bench.shape"
# name, billing interval, price per period, MRR of one unit
PLANS = [
    ("Bench Basic", "month", 30.0, 30.0),
    ("Bench Pro", "month", 50.0, 50.0),
    ("Bench Annual", "year", 1200.0, 100.0),
    ("Bench Weekly", "week", 12.0, 52.0),
]


def month_start(months_back, today):
    index = today.year * 12 + today.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def clear_history(env):
    """Remove a previously generated history and the analytics built from it."""
    cr = env.cr
    cr.execute(
        SQL(
            "SELECT id FROM recurring_subscription WHERE name LIKE %s",
            f"{PREFIX}%",
        )
    )
    sub_ids = [row[0] for row in cr.fetchall()]
    if not sub_ids:
        return
    cr.execute(
        SQL(
            """
            DELETE FROM recurring_subscription_event WHERE subscription_id = ANY(%(ids)s);
            DELETE FROM recurring_subscription_line WHERE subscription_id = ANY(%(ids)s);
            DELETE FROM recurring_subscription WHERE id = ANY(%(ids)s);
            DELETE FROM res_partner WHERE ref LIKE %(prefix)s;
            """,
            ids=sub_ids,
            prefix=f"{PREFIX}%",
        )
    )


def bench_plans(env):
    product = env["product.product"].search([("default_code", "=", PREFIX)], limit=1)
    if not product:
        product = env["product.product"].create(
            {"name": "Bench seat", "default_code": PREFIX, "type": "service"}
        )
    plans = env["recurring.plan"].search([("code", "like", PREFIX)], order="code")
    if not plans:
        plans = env["recurring.plan"].create(
            [
                {
                    "name": name,
                    "code": f"{PREFIX}{index}",
                    "interval_unit": unit,
                    "line_ids": [
                        Command.create({"product_id": product.id, "price_unit": price})
                    ],
                }
                for index, (name, unit, price, _mrr) in enumerate(PLANS)
            ]
        )
    return product, plans


def generate_history(env, subscriptions, months):
    """Write customers, subscriptions and their change log with INSERT … SELECT.

    Each subscription starts on a random day of the first two thirds of the period and
    then goes through up to 4 changes 20 to 300 days apart: a move to another plan, a
    pause (the next change resumes it) or a cancellation (the last change). MRR in
    the company currency, one line per subscription.
    """
    cr = env.cr
    shape = f"{subscriptions}x{months}"
    params = env["ir.config_parameter"].sudo()
    cr.execute(
        SQL(
            "SELECT count(*) FROM recurring_subscription WHERE name LIKE %s",
            f"{PREFIX}%",
        )
    )
    generated = cr.fetchone()[0]
    if params.get_param(SHAPE_PARAM) == shape and generated == subscriptions:
        return False
    clear_history(env)
    company = env.company
    product, plans = bench_plans(env)
    today = date.today()
    first = month_start(months - 1, today)
    span = (today - first).days
    cr.execute("SELECT setseed(0.2026)")
    cr.execute(
        SQL(
            """
            WITH partners AS (
                INSERT INTO res_partner (name, ref, active, type, autopost_bills,
                                         create_date, write_date)
                SELECT 'Bench customer ' || n, %(prefix)s || lpad(n::text, 7, '0'),
                       TRUE, 'contact', 'ask', now(), now()
                  FROM generate_series(1, %(count)s) AS n
                RETURNING id
            )
            UPDATE res_partner p SET commercial_partner_id = p.id
              FROM partners WHERE partners.id = p.id
            """,
            prefix=PREFIX,
            count=subscriptions,
        )
    )
    cr.execute(
        SQL(
            """
            INSERT INTO recurring_subscription (
                name, partner_id, partner_invoice_id, plan_id, company_id,
                currency_id, state, payment_method, date_start, user_id,
                create_date, write_date)
            SELECT %(prefix)s || substr(p.ref, length(%(prefix)s) + 1), p.id, p.id,
                   (%(plans)s::int[])[1 + floor(random() * %(plan_count)s)::int],
                   %(company)s, %(currency)s, 'active', 'manual',
                   %(first)s::date + floor(random() * %(span)s * 2 / 3)::int,
                   %(user)s, now(), now()
              FROM res_partner p
             WHERE p.ref LIKE %(pattern)s
            """,
            prefix=PREFIX,
            pattern=f"{PREFIX}%",
            plans=plans.ids,
            plan_count=len(plans),
            company=company.id,
            currency=company.currency_id.id,
            first=first,
            span=span,
            user=env.ref("base.user_admin").id,
        )
    )
    cr.execute(
        SQL(
            """
            INSERT INTO recurring_subscription_line (
                subscription_id, company_id, product_id, sequence, quantity,
                price_unit, discount, price_subtotal, create_date, write_date)
            SELECT s.id, s.company_id, %(product)s, 10, 1, pl.price_unit, 0,
                   pl.price_unit, now(), now()
              FROM recurring_subscription s
              JOIN recurring_plan_line pl ON pl.plan_id = s.plan_id
             WHERE s.name LIKE %(pattern)s
            """,
            product=product.id,
            pattern=f"{PREFIX}%",
        )
    )
    # A recursive walk: each step depends on the state the previous one left.
    cr.execute(
        SQL(
            """
            WITH RECURSIVE plan AS (
                SELECT * FROM unnest(%(plans)s::int[], %(mrrs)s::numeric[])
                       WITH ORDINALITY AS p(plan_id, mrr, position)
            ), walk AS (
                SELECT s.id AS subscription_id, s.partner_id, 0 AS step,
                       floor(random() * 5)::int AS steps, s.date_start AS date,
                       s.plan_id, 'start'::varchar AS event_type,
                       0::numeric AS mrr_before, plan.mrr AS mrr_after
                  FROM recurring_subscription s
                  JOIN plan ON plan.plan_id = s.plan_id
                 WHERE s.name LIKE %(pattern)s
                 UNION ALL
                SELECT w.subscription_id, w.partner_id, w.step + 1, w.steps,
                       w.date + 20 + floor(random() * 281)::int,
                       next.plan_id, next.event_type, w.mrr_after, next.mrr
                  FROM walk w
                  JOIN plan current ON current.plan_id = w.plan_id
                 CROSS JOIN LATERAL (
                       SELECT random() AS draw,
                              1 + mod(
                                  current.position + floor(random() * 3)::int,
                                  %(plan_count)s
                              ) AS other
                 ) AS roll
                  JOIN plan moved ON moved.position = roll.other
                 CROSS JOIN LATERAL (
                       SELECT CASE
                                  WHEN w.mrr_after = 0 THEN w.plan_id
                                  WHEN roll.draw < 0.4 THEN moved.plan_id
                                  ELSE w.plan_id
                              END AS plan_id,
                              CASE
                                  WHEN w.mrr_after = 0 THEN 'resume'
                                  WHEN roll.draw < 0.4 THEN 'change'
                                  WHEN roll.draw < 0.7 THEN 'pause'
                                  ELSE 'cancel'
                              END::varchar AS event_type,
                              CASE
                                  WHEN w.mrr_after = 0 THEN current.mrr
                                  WHEN roll.draw < 0.4 THEN moved.mrr
                                  ELSE 0
                              END AS mrr
                 ) AS next
                 WHERE w.step < w.steps AND w.event_type <> 'cancel'
            )
            INSERT INTO recurring_subscription_event (
                subscription_id, partner_id, company_id, plan_id, currency_id,
                company_currency_id, event_type, date, mrr_before, mrr_after,
                mrr_before_company, mrr_after_company, mrr_delta_company, is_free,
                create_date, write_date)
            SELECT subscription_id, partner_id, %(company)s, plan_id, %(currency)s,
                   %(currency)s, event_type, date, mrr_before, mrr_after,
                   mrr_before, mrr_after, mrr_after - mrr_before, FALSE, now(), now()
              FROM walk
             WHERE date <= %(today)s
             ORDER BY date, subscription_id
            """,
            plans=plans.ids,
            mrrs=[mrr for _name, _unit, _price, mrr in PLANS],
            plan_count=len(plans),
            pattern=f"{PREFIX}%",
            company=company.id,
            currency=company.currency_id.id,
            today=today,
        )
    )
    # The subscriptions end in the state and on the plan of their last change.
    cr.execute(
        SQL(
            """
            UPDATE recurring_subscription s
               SET plan_id = last.plan_id,
                   state = CASE last.event_type
                               WHEN 'cancel' THEN 'cancelled'
                               WHEN 'pause' THEN 'paused'
                               ELSE 'active'
                           END
              FROM (
                  SELECT DISTINCT ON (subscription_id) subscription_id, plan_id,
                         event_type
                    FROM recurring_subscription_event
                   ORDER BY subscription_id, date DESC, id DESC
              ) AS last
             WHERE last.subscription_id = s.id AND s.name LIKE %(pattern)s
            """,
            pattern=f"{PREFIX}%",
        )
    )
    cr.execute(
        SQL(
            """
            UPDATE recurring_subscription_line l
               SET price_unit = pl.price_unit, price_subtotal = pl.price_unit
              FROM recurring_subscription s
              JOIN recurring_plan_line pl ON pl.plan_id = s.plan_id
             WHERE l.subscription_id = s.id AND s.name LIKE %(pattern)s
            """,
            pattern=f"{PREFIX}%",
        )
    )
    params.set_param(SHAPE_PARAM, shape)
    env["mrr.movement"]._rebuild(company)
    cr.commit()
    cr.execute("ANALYZE")
    return True
