from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import JAN, MrrCommon


@tagged("post_install", "-at_install")
class TestMrrTaxIncluded(MrrCommon):
    def test_tax_included_price_counts_its_untaxed_amount_as_mrr(self):
        tax = self.env["account.tax"].create(
            {
                "name": "VAT 20% included",
                "amount_type": "percent",
                "amount": 20.0,
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
            }
        )
        product = self._create_product(
            name="Hosting", lst_price=120.0, taxes_id=[Command.set(tax.ids)]
        )
        plan = self._create_plan("Hosting", "HOSTING", product, 120.0)
        customer = self.env["res.partner"].create(
            {"name": "Hosting customer", "street": "1 Road", "city": "Lille"}
        )
        with freeze_time("2026-01-10"):
            sub = self._subscription(plan, date(2026, 1, 10), customer)
            sub.action_start()
        # 120 with 20 % included: 120 / 1.2 = 100 of MRR, tax left out.
        movements = self.env["mrr.movement"].search([("partner_id", "=", customer.id)])
        self.assertEqual(
            [(str(m.date), m.movement_type, m.amount) for m in movements],
            [("2026-01-10", "new", 100.0)],
        )
        snapshots = self.env["mrr.snapshot"].search(
            [("partner_id", "=", customer.id), ("month", "=", JAN)]
        )
        self.assertEqual((snapshots.mrr, snapshots.arr), (100.0, 1200.0))
