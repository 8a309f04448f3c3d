from contextlib import contextmanager
from datetime import date

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import UserError
from odoo.service.model import _as_validation_error
from odoo.tools import mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class RecurringCommon(AccountTestInvoicingCommon):
    """The plans of the worked example (mrr_analytics/doc/METRICS.md) and a few customers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.env.user.groups_id += cls.env.ref("recurring_billing.group_manager")
        cls.product_basic = cls._create_product(name="Basic", lst_price=30.0)
        cls.product_pro = cls._create_product(name="Pro", lst_price=50.0)
        cls.product_seat = cls._create_product(name="Extra seat", lst_price=5.0)
        cls.plan_free = cls._create_plan(
            "Free", "FREE", cls.product_basic, 0.0, is_free=True
        )
        cls.plan_basic = cls._create_plan("Basic", "BASIC", cls.product_basic, 30.0)
        cls.plan_pro = cls._create_plan("Pro", "PRO", cls.product_pro, 50.0)
        cls.plan_annual = cls._create_plan(
            "Annual", "ANNUAL", cls.product_pro, 1200.0, interval_unit="year"
        )
        cls.plan_weekly = cls._create_plan(
            "Weekly", "WEEKLY", cls.product_basic, 12.0, interval_unit="week"
        )
        cls.plan_basic_trial = cls._create_plan(
            "Basic with trial", "BASIC-TRIAL", cls.product_basic, 30.0, trial_days=14
        )
        cls.seat_addon = cls.env["recurring.plan.addon"].create(
            {
                "plan_id": cls.plan_pro.id,
                "product_id": cls.product_seat.id,
                "name": "Extra seat",
                "price_unit": 5.0,
                "max_quantity": 10,
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Customer A", "street": "1 rue de la Paix", "city": "Paris"}
        )

    @classmethod
    def _create_plan(cls, name, code, product, price, **values):
        return cls.env["recurring.plan"].create(
            {
                "name": name,
                "code": code,
                "line_ids": [
                    Command.create({"product_id": product.id, "price_unit": price})
                ],
                **values,
            }
        )

    @classmethod
    def _subscription(cls, plan, start=date(2026, 1, 10), partner=None, **values):
        """A draft subscription with the plan's lines."""
        return cls.env["recurring.subscription"].create(
            {
                "partner_id": (partner or cls.customer).id,
                "plan_id": plan.id,
                "date_start": start,
                "line_ids": [
                    Command.create({"product_id": line.product_id.id})
                    for line in plan.line_ids
                ],
                **values,
            }
        )

    @contextmanager
    def assertRefused(self, message):
        """The block fails with ``message`` as the user sees it, and writes nothing.

        A database constraint surfaces to users as the ValidationError Odoo's RPC layer
        makes of it; Python checks raise UserError/ValidationError themselves.
        """
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                yield
        except IntegrityError as error:
            shown = str(_as_validation_error(self.env, error))
        except UserError as error:
            shown = str(error)
        else:
            self.fail(f"not refused: expected {message!r}")
        self.assertRegex(shown, message)
        self.env.invalidate_all()

    def assertEvents(self, subscription, expected):
        """The change log of ``subscription``, oldest first, as (date, type, before, after)."""
        events = subscription.event_ids.sorted(lambda e: (e.date, e.id))
        self.assertEqual(
            [
                (str(e.date), e.event_type, e.mrr_before_company, e.mrr_after_company)
                for e in events
            ],
            expected,
        )

    def _play_worked_example(self):
        """Drive the worked example of mrr_analytics/doc/METRICS.md through the real lifecycle.

        Returns the subscriptions of customers A to E.
        """
        partners = self.env["res.partner"].create(
            [
                {
                    "name": f"Customer {letter}",
                    "street": "2 Main Street",
                    "city": "Lyon",
                }
                for letter in "ABCDE"
            ]
        )
        a, b, c, d, e = partners
        cron = self.env["recurring.subscription"]._cron_lifecycle
        subs = {}
        with freeze_time("2026-01-01"):
            subs["B"] = self._subscription(self.plan_annual, date(2026, 1, 1), b)
            subs["B"].action_start()
        with freeze_time("2026-01-05"):
            subs["D"] = self._subscription(self.plan_free, date(2026, 1, 5), d)
            subs["D"].action_start()
        with freeze_time("2026-01-10"):
            subs["A"] = self._subscription(self.plan_basic, date(2026, 1, 10), a)
            subs["A"].action_start()
        with freeze_time("2026-01-20"):
            subs["C"] = self._subscription(self.plan_basic_trial, date(2026, 1, 20), c)
            subs["C"].action_start()
        with freeze_time("2026-02-02"):
            subs["E"] = self._subscription(self.plan_weekly, date(2026, 2, 2), e)
            subs["E"].action_start()
        with freeze_time("2026-02-03"):
            cron()
        with freeze_time("2026-02-15"):
            subs["A"].action_change_plan(self.plan_pro)
        with freeze_time("2026-03-01"):
            subs["E"].action_pause()
        with freeze_time("2026-03-10"):
            subs["D"].action_change_plan(self.plan_basic)
        with freeze_time("2026-03-20"):
            subs["A"].action_change_plan(self.plan_basic)
        with freeze_time("2026-03-31"):
            subs["B"].action_cancel()
        with freeze_time("2026-04-06"):
            subs["E"].action_resume()
        with freeze_time("2026-04-10"):
            cron()
        return subs
