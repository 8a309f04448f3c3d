from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.tests import tagged

from .common import APR, FEB, JAN, MAR, MrrCommon


@tagged("post_install", "-at_install")
class TestMrrCurrency(MrrCommon):
    """A USD subscription of a EUR company: the rate of the change's day sticks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        eur = cls.env.ref("base.EUR")
        usd = cls.env.ref("base.USD")
        eur.sudo().active = True
        # A company with its chart of accounts: changes bill the periods due first.
        cls.eur_company = cls.setup_other_company(
            name="EUR company", currency_id=eur.id
        )["company"]
        cls.env.user.sudo().company_ids = [Command.link(cls.eur_company.id)]
        cls.env["res.currency.rate"].sudo().create(
            [
                {
                    "currency_id": usd.id,
                    "company_id": cls.eur_company.id,
                    "name": day,
                    "rate": rate,
                }
                for day, rate in [
                    (date(2026, 1, 1), 1.25),
                    (date(2026, 2, 1), 1.10),
                    (date(2026, 3, 1), 0.90),
                    (date(2026, 4, 1), 1.40),
                ]
            ]
        )
        cls.eur_env = cls.env(
            context=dict(cls.env.context, allowed_company_ids=[cls.eur_company.id])
        )
        plans = cls.env["recurring.plan"].with_env(cls.eur_env)
        cls.usd_basic, cls.usd_pro = (
            plans.create(
                {
                    "name": name,
                    "code": f"USD-{name.upper()}",
                    "currency_id": usd.id,
                    "line_ids": [
                        Command.create({"product_id": product.id, "price_unit": price})
                    ],
                }
            )
            for name, product, price in [
                ("Basic", cls.product_basic, 30.0),
                ("Pro", cls.product_pro, 50.0),
            ]
        )

    def test_exchange_rates_alone_never_move_mrr(self):
        env = self.eur_env
        customer = env["res.partner"].create(
            {"name": "US customer", "street": "1 Main Street", "city": "Boston"}
        )
        with freeze_time("2026-01-15"):
            sub = env["recurring.subscription"].create(
                {
                    "partner_id": customer.id,
                    "plan_id": self.usd_basic.id,
                    "date_start": date(2026, 1, 15),
                    "line_ids": [Command.create({"product_id": self.product_basic.id})],
                }
            )
            self.assertEqual(sub.currency_id, self.env.ref("base.USD"))
            sub.action_start()
        with freeze_time("2026-03-10"):
            sub.action_change_plan(self.usd_pro)
        with freeze_time("2026-04-20"):
            sub.action_cancel()
        movements = env["mrr.movement"].search(
            [("company_id", "=", self.eur_company.id)], order="date"
        )
        self.assertEqual(
            [(str(m.date), m.movement_type, m.amount) for m in movements],
            [
                ("2026-01-15", "new", 24.0),
                ("2026-03-10", "expansion", 31.56),
                ("2026-04-20", "churn", -55.56),
            ],
        )
        self.assertEqual(movements.currency_id, self.eur_company.currency_id)
        snapshots = env["mrr.snapshot"].search(
            [("company_id", "=", self.eur_company.id)], order="month"
        )
        self.assertEqual(
            [(s.month, s.mrr) for s in snapshots],
            [(JAN, 24.0), (FEB, 24.0), (MAR, 55.56)],
        )
        self.assertEqual(snapshots.subscription_currency_id, self.env.ref("base.USD"))
        metrics = self._metrics((JAN, FEB, MAR, APR), company=self.eur_company)
        self.assertEqual(
            self._bridge_rows(metrics),
            [
                (JAN, 0.0, 24.0, 0.0, 0.0, 0.0, 0.0, 24.0, 1),
                (FEB, 24.0, 0.0, 0.0, 0.0, 0.0, 0.0, 24.0, 1),
                (MAR, 24.0, 0.0, 31.56, 0.0, 0.0, 0.0, 55.56, 1),
                (APR, 55.56, 0.0, 0.0, 0.0, 0.0, 55.56, 0.0, 0),
            ],
        )
        self.assertEqual(
            env["mrr.movement"]._compare_with_rebuild(self.eur_company), ([], [])
        )

    def test_subscription_list_totals_only_in_the_company_currency(self):
        # 30 USD at 1.25 USD per EUR on January 15 is 24 EUR; with a 30 EUR
        # subscription the company's MRR is 54 EUR. Adding 30 USD and 30 EUR into
        # "60" means nothing.
        env = self.eur_env
        eur_basic = env["recurring.plan"].create(
            {
                "name": "EUR Basic",
                "code": "EUR-BASIC",
                "line_ids": [
                    Command.create(
                        {"product_id": self.product_basic.id, "price_unit": 30.0}
                    )
                ],
            }
        )
        customer = env["res.partner"].create(
            {"name": "Customer", "street": "1 Main Street", "city": "Lyon"}
        )
        with freeze_time("2026-01-15"):
            subs = env["recurring.subscription"].create(
                [
                    {
                        "partner_id": customer.id,
                        "plan_id": plan.id,
                        "date_start": date(2026, 1, 15),
                        "line_ids": [
                            Command.create({"product_id": self.product_basic.id})
                        ],
                    }
                    for plan in (self.usd_basic, eur_basic)
                ]
            )
            subs.action_start()
        Subscription = env["recurring.subscription"]
        views = Subscription.get_views([(False, "list"), (False, "kanban")])["views"]
        arch = etree.fromstring(views["list"]["arch"])
        names = [node.get("name") for node in arch.iter("field")]
        self.assertEqual(
            [node.get("name") for node in arch.iter("field") if node.get("sum")],
            ["mrr_company"],
        )
        # A grouped list asks for the aggregate of each of its fields that has one.
        fields_info = Subscription.fields_get(names, ["aggregator"])
        aggregates = [
            f"{name}:{fields_info[name]['aggregator']}"
            for name in names
            if fields_info[name].get("aggregator")
        ]
        [group] = Subscription.web_read_group(
            [("id", "in", subs.ids)], aggregates, ["company_id"], lazy=False
        )["groups"]
        self.assertNotIn("mrr", group)
        self.assertNotIn("amount_untaxed", group)
        self.assertEqual(group["mrr_company"], 54.0)
        # Kanban cards show the company amount beside the subscription's own.
        kanban = etree.fromstring(views["kanban"]["arch"])
        self.assertTrue(kanban.xpath("//field[@name='mrr_company']"))
