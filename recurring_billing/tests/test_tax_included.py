from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import Form, tagged

from .invoicing_common import InvoicingCommon


@tagged("post_install", "-at_install")
class TestTaxIncluded(InvoicingCommon):
    """Prices that include a 20 % tax: 120 is 100 of revenue and 20 of tax."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax_included = cls.env["account.tax"].create(
            {
                "name": "VAT 20% included",
                "amount_type": "percent",
                "amount": 20.0,
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
            }
        )
        cls.product_hosting = cls._create_product(
            name="Hosting",
            lst_price=120.0,
            taxes_id=[Command.set(cls.tax_included.ids)],
        )
        cls.plan_hosting = cls._create_plan(
            "Hosting", "HOSTING", cls.product_hosting, 120.0
        )

    def test_tax_included_price_mrr_excludes_tax(self):
        sub = self._active(self.plan_hosting, date(2026, 3, 1))
        # 120 with 20 % included: 120 / 1.2 = 100 of revenue, monthly.
        self.assertEqual(sub.line_ids.price_subtotal, 100.0)
        self.assertEqual(sub.amount_untaxed, 100.0)
        self.assertEqual(sub.mrr, 100.0)
        self.assertEqual(sub.event_ids.mapped("mrr_after_company"), [100.0])

    def test_tax_included_price_form_total_counts_tax_once(self):
        form = Form(self.env["recurring.subscription"])
        form.partner_id = self.customer
        form.plan_id = self.plan_hosting
        form.date_start = date(2026, 3, 1)
        # Untaxed 120 / 1.2 = 100, tax 100 x 20 % = 20, total 100 + 20 = 120.
        self.assertEqual(
            (form.amount_untaxed, form.amount_tax, form.amount_total),
            (100.0, 20.0, 120.0),
        )
        sub = form.save()
        self.assertEqual(
            (sub.amount_untaxed, sub.amount_tax, sub.amount_total),
            (100.0, 20.0, 120.0),
        )

    def test_tax_included_price_invoice_total(self):
        sub = self._active(self.plan_hosting, date(2026, 3, 1))
        self._run_cron("2026-03-01")
        invoice = self._invoices(sub)
        # The period bills 100 + 20 % tax = 120, what the subscription announces.
        self.assertEqual(
            (invoice.amount_untaxed, invoice.amount_tax, invoice.amount_total),
            (100.0, 20.0, 120.0),
        )
        self.assertEqual(
            (sub.amount_untaxed, sub.amount_tax, sub.amount_total),
            (invoice.amount_untaxed, invoice.amount_tax, invoice.amount_total),
        )

    def test_tax_included_price_upgrade_prorates_the_amount_without_tax(self):
        plan_plus = self._create_plan(
            "Hosting Plus", "HOSTING-PLUS", self.product_hosting, 240.0
        )
        sub = self._active(self.plan_hosting, date(2026, 1, 10))
        self._run_cron("2026-02-10")
        with freeze_time("2026-02-15"):
            sub.action_change_plan(plan_plus)
        adjustment = self._invoices(sub).filtered(
            lambda m: m.recurring_kind == "adjustment"
        )
        # 15 Feb .. 9 Mar = 23 of 28 days, without tax: Hosting 100 credited,
        # 100 x 23/28 = 82.14; Hosting Plus 200 charged, 200 x 23/28 = 164.29.
        self.assertEqual(
            adjustment.invoice_line_ids.mapped("price_subtotal"), [-82.14, 164.29]
        )
        self.assertEqual(adjustment.amount_untaxed, 82.15)

    def test_plan_with_tax_included_price_below_current_revenue_is_a_downgrade(self):
        # Current plan: 105 without tax. Hosting: 120 with 20 % included = 100 of
        # revenue, less than 105: a downgrade, waiting for the end of the period
        # (not an upgrade billed now because 120 > 105).
        plain = self._create_plan("Plain", "PLAIN", self.product_basic, 105.0)
        sub = self._active(plain, date(2026, 3, 1))
        self._run_cron("2026-03-01")
        with freeze_time("2026-03-10"):
            sub.action_change_plan(self.plan_hosting)
        self.assertEqual(sub.plan_id, plain)
        self.assertEqual(sub.pending_plan_id, self.plan_hosting)
        self.assertEqual(sub.date_pending_change, date(2026, 4, 1))
        self.assertEqual(len(self._invoices(sub)), 1)
