"""A running subscription moved to a pricelist in another currency: the change is billed
like any other (doc/BILLING.md, Currency): the unused days of the paid period are
credited in the old currency, the rest of the period is charged in the new one, and the
change log records it. Never the same number with a new label."""

from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .invoicing_common import InvoicingCommon


@tagged("post_install", "-at_install")
class TestCurrencyChange(InvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 2 euros for one unit of the company's currency (USD) since 2017.
        cls.euro = cls.setup_other_currency("EUR")
        cls.euro_pricelist = cls.env["product.pricelist"].create(
            {
                "name": "Euro customers",
                "currency_id": cls.euro.id,
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "1_product",
                            "product_tmpl_id": cls.product_basic.product_tmpl_id.id,
                            "compute_price": "fixed",
                            "fixed_price": 50.0,
                        }
                    )
                ],
            }
        )

    def _moves(self, sub):
        return self.env["account.move"].search(
            [("subscription_id", "=", sub.id)], order="id"
        )

    def test_pricelist_in_another_currency_credits_old_and_charges_new(self):
        # Basic 30 USD a month in advance from 2026-01-10: the period 01-10..02-09
        # (31 days) is paid at the start. On 01-20 the customer moves to the euro
        # pricelist (Basic at 50 EUR): 21 days remain (01-20..01-31 = 12, 02-01..02-09
        # = 9).
        #   credit note in USD: 30 × 21/31 = 20.32
        #   invoice in EUR:     50 × 21/31 = 33.87
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        with freeze_time("2026-01-20"):
            sub.pricelist_id = self.euro_pricelist
        self.assertEqual(sub.currency_id, self.euro)
        self.assertEqual(sub.line_ids.price_unit, 50.0)
        start, refund, charge = self._moves(sub)
        self.assertEqual(
            (start.move_type, start.currency_id.name, start.amount_untaxed),
            ("out_invoice", "USD", 30.0),
        )
        self.assertEqual(
            (refund.move_type, refund.currency_id.name, refund.amount_untaxed),
            ("out_refund", "USD", 20.32),
        )
        self.assertEqual(
            (charge.move_type, charge.currency_id.name, charge.amount_untaxed),
            ("out_invoice", "EUR", 33.87),
        )

    def test_next_period_after_currency_change_is_billed_in_new_currency(self):
        # The periods do not move: 02-10..03-09 is billed on 02-10, 50 EUR, once.
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        with freeze_time("2026-01-20"):
            sub.action_change_pricelist(self.euro_pricelist.id)
        self._run_cron(date(2026, 2, 10))
        self._run_cron(date(2026, 2, 11))
        last = self._moves(sub)[-1]
        self.assertEqual(
            (last.currency_id.name, last.amount_untaxed, last.invoice_date),
            ("EUR", 50.0, date(2026, 2, 10)),
        )
        self.assertEqual(len(self._moves(sub)), 4)

    def test_currency_change_is_in_the_change_log_at_the_rate_of_its_day(self):
        # MRR 30 USD before; 50 EUR after = 25 USD at 2 EUR per USD: -5 USD. The row
        # is in euros on both sides: 30 USD were 60 EUR that day.
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        with freeze_time("2026-01-20"):
            sub.pricelist_id = self.euro_pricelist
        event = sub.event_ids.sorted("id")[-1]
        self.assertEqual(event.event_type, "change")
        self.assertEqual(event.date, date(2026, 1, 20))
        self.assertEqual(event.currency_id, self.euro)
        self.assertEqual((event.mrr_before, event.mrr_after), (60.0, 50.0))
        self.assertEqual(
            (event.mrr_before_company, event.mrr_after_company), (30.0, 25.0)
        )
        self.assertEqual(event.mrr_delta_company, -5.0)

    def test_currency_change_bills_the_due_period_first_in_old_currency(self):
        # The job did not run on 02-10; on 02-15 the customer moves to euros. The
        # period 02-10..03-09 (28 days) is due: billed first, 30 USD. Then 23 days
        # remain (02-15..03-09): credit 30 × 23/28 = 24.64 USD, charge 50 × 23/28 =
        # 41.07 EUR.
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        with freeze_time("2026-02-15"):
            sub.pricelist_id = self.euro_pricelist
        amounts = [
            (m.move_type, m.currency_id.name, m.amount_untaxed)
            for m in self._moves(sub)
        ]
        self.assertEqual(
            amounts,
            [
                ("out_invoice", "USD", 30.0),
                ("out_invoice", "USD", 30.0),
                ("out_refund", "USD", 24.64),
                ("out_invoice", "EUR", 41.07),
            ],
        )

    def test_arrears_currency_change_bills_each_part_in_its_currency(self):
        # Basic in arrears from 2026-01-10; on 01-20 to euros. Days 01-10..01-19 (10
        # of 31) are billed at once in USD: 30 × 10/31 = 9.68. The rest, 01-20..02-09
        # (21 days), is billed at the period end in EUR: 50 × 21/31 = 33.87.
        self.plan_basic.billing_mode = "arrears"
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        with freeze_time("2026-01-20"):
            sub.pricelist_id = self.euro_pricelist
        self._run_cron(date(2026, 2, 10))
        amounts = [(m.currency_id.name, m.amount_untaxed) for m in self._moves(sub)]
        self.assertEqual(amounts, [("USD", 9.68), ("EUR", 33.87)])

    def test_currency_change_with_a_price_planned_for_next_period_is_refused(self):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        with freeze_time("2026-01-15"):
            sub.line_ids.price_unit = 40.0
        self.assertTrue(sub.line_ids.has_pending_price)
        events, moves = len(sub.event_ids), len(self._moves(sub))
        with freeze_time("2026-01-20"), self.assertRefused("planned for .*2026"):
            sub.pricelist_id = self.euro_pricelist
        self.assertEqual(sub.currency_id.name, "USD")
        self.assertEqual(len(self._moves(sub)), moves)
        self.assertEqual(len(sub.event_ids), events)

    def test_currency_written_without_pricelist_on_running_subscription_is_refused(
        self,
    ):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        with freeze_time("2026-01-20"), self.assertRefused("pricelist in EUR"):
            sub.currency_id = self.euro
        self.assertEqual(sub.currency_id.name, "USD")
