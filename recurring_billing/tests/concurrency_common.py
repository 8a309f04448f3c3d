"""Committed fixtures for the tests of parallel and killed workers.

These tests commit through their own cursors, as two cron workers would, and delete
what they committed afterwards (with the MRR analytics it caused, when installed).
"""

import logging
import threading
from datetime import date

from psycopg2 import errors as pgerrors

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase
from odoo.tools import SQL

TODAY = date(2026, 3, 1)
CONTEXT = {"tracking_disable": True, "mail_create_nolog": True}


class Killed(BaseException):
    """Stands for the worker process being killed: nothing catches it."""


class NumberingRetryFilter(logging.Filter):
    """Drops the log of Odoo's own retry when two workers take the same invoice number.

    Odoo silences that retry with ``mute_logger``, which swaps the logger's handlers for
    the whole process: with two threads, the first to leave it unmutes the other's retry,
    which then logs "bad query" although nothing went wrong. Worker processes each have
    their own loggers. Any other failed query is still logged."""

    def filter(self, record):
        args = record.args if isinstance(record.args, tuple) else ()
        error = args[-1] if args else None
        return not (
            isinstance(error, pgerrors.UniqueViolation | pgerrors.ExclusionViolation)
            and "account_move_unique_name" in str(error)
        )


class ConcurrencyCommon(TransactionCase):
    """Ten active subscriptions of one customer, committed; none is invoiced."""

    invoice_policy = "draft"

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, CONTEXT)
            partner = env["res.partner"].create(
                {"name": "Concurrent customer", "street": "1 Road", "city": "Town"}
            )
            product = env["product.product"].create(
                {"name": "Concurrent service", "type": "service", "lst_price": 30.0}
            )
            plan = env["recurring.plan"].create(
                {
                    "name": "Concurrent plan",
                    "invoice_policy": self.invoice_policy,
                    "line_ids": [
                        Command.create({"product_id": product.id, "price_unit": 30.0})
                    ],
                }
            )
            subs = env["recurring.subscription"].create(
                [
                    {
                        "partner_id": partner.id,
                        "plan_id": plan.id,
                        "date_start": TODAY,
                        "line_ids": [Command.create({"product_id": product.id})],
                        **self._payment_vals(env, partner),
                    }
                    for _n in range(10)
                ]
            )
            subs.action_start()
            self.committed = {
                "company": subs.company_id.id,
                "partner": partner.id,
                "product": product.id,
                "template": product.product_tmpl_id.id,
                "plan": plan.id,
                "subs": tuple(subs.ids),
            }
        self.addCleanup(self._delete_committed)

    def _payment_vals(self, env, partner):
        """How the subscriptions are paid: manually, unless a test class says."""
        return {}

    def _delete_committed(self):
        ids = self.committed
        with self.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "SELECT id FROM account_move WHERE subscription_id IN %s",
                    ids["subs"],
                )
            )
            move_ids = tuple(row[0] for row in cr.fetchall()) or (0,)
            for query in (
                SQL(
                    "DELETE FROM payment_transaction WHERE recurring_invoice_id IN %s",
                    move_ids,
                ),
                SQL("DELETE FROM payment_token WHERE partner_id = %s", ids["partner"]),
                SQL(
                    "DELETE FROM mail_message WHERE model = 'account.move' AND res_id IN %s",
                    move_ids,
                ),
                SQL("DELETE FROM account_move WHERE id IN %s", move_ids),
                SQL(
                    "DELETE FROM recurring_period WHERE subscription_id IN %s",
                    ids["subs"],
                ),
                SQL(
                    "DELETE FROM recurring_subscription_event WHERE subscription_id IN %s",
                    ids["subs"],
                ),
                SQL(
                    "DELETE FROM mail_followers WHERE res_model = 'recurring.subscription' "
                    "AND res_id IN %s",
                    ids["subs"],
                ),
                SQL(
                    "DELETE FROM mail_message WHERE model = 'recurring.subscription' "
                    "AND res_id IN %s",
                    ids["subs"],
                ),
                SQL("DELETE FROM recurring_subscription WHERE id IN %s", ids["subs"]),
                SQL("DELETE FROM recurring_plan WHERE id = %s", ids["plan"]),
                SQL("DELETE FROM product_product WHERE id = %s", ids["product"]),
                SQL("DELETE FROM product_template WHERE id = %s", ids["template"]),
                SQL("DELETE FROM res_partner WHERE id = %s", ids["partner"]),
            ):
                cr.execute(query)
            # With MRR Analytics installed, starting the subscriptions also wrote their
            # movements and snapshots: made again from the change log left, they are
            # the company's as they were before (the demo data's, in CI).
            env = api.Environment(cr, SUPERUSER_ID, {})
            if "mrr.movement" in env:
                env["mrr.movement"]._rebuild(env["res.company"].browse(ids["company"]))

    def _run(self, batch_size):
        with self.registry.cursor() as cr:
            # The test thread holds the registry lock while tests run: hand the
            # registry over instead of letting the environment look it up.
            cr.transaction = api.Transaction(self.registry)
            env = api.Environment(cr, SUPERUSER_ID, {})
            return env["recurring.subscription"]._generate_recurring_invoices(
                today=TODAY,
                batch_size=batch_size,
                commit=True,
                # Leaves alone the subscriptions of the database (demo data) that
                # these tests would otherwise invoice and commit.
                domain=[("id", "in", self.committed["subs"])],
            )

    def _ledger(self):
        """Per subscription: (periods, invoices, next period index), committed."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            subs = env["recurring.subscription"].browse(self.committed["subs"])
            return [
                (
                    len(sub.period_ids),
                    env["account.move"].search_count(
                        [("subscription_id", "=", sub.id)]
                    ),
                    sub.next_period_index,
                )
                for sub in subs
            ]

    def _in_two_workers(self, work):
        """Run ``work()`` in two threads started at once; returns what each returned,
        and fails the test if either raised."""
        barrier = threading.Barrier(2)
        errors = []
        results = []

        def worker():
            try:
                barrier.wait(timeout=10)
                results.append(work())
            except Exception as error:  # noqa: BLE001 - reported by the test thread
                errors.append(error)

        threads = [threading.Thread(target=worker) for _n in range(2)]
        sql_log = logging.getLogger("odoo.sql_db")
        retry_filter = NumberingRetryFilter()
        sql_log.addFilter(retry_filter)
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        finally:
            sql_log.removeFilter(retry_filter)
        self.assertEqual(errors, [])
        return results
