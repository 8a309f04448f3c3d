from datetime import date

from freezegun import freeze_time
from psycopg2.errors import UniqueViolation

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.recurring_billing.models.recurring_mrr_tracking_mixin import IN_STEP

from .invoicing_common import InvoicingCommon


@tagged("post_install", "-at_install")
class TestInvoicing(InvoicingCommon):
    def test_due_period_is_invoiced_with_its_dates_and_customer_terms(self):
        self.customer.property_payment_term_id = self.pay_terms_b
        sub = self._active(self.plan_pro, date(2026, 3, 1))
        self._run_cron("2026-03-01")
        invoice = self._invoices(sub)
        self.assertEqual(len(invoice), 1)
        self.assertRecordValues(
            invoice,
            [
                {
                    "state": "posted",
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": date(2026, 3, 1),
                    "invoice_origin": sub.name,
                    "journal_id": self.company_data["default_journal_sale"].id,
                    "currency_id": sub.currency_id.id,
                    "invoice_payment_term_id": self.pay_terms_b.id,
                    "recurring_kind": "period",
                    "amount_untaxed": 50.0,
                    "amount_tax": 7.5,
                }
            ],
        )
        line = invoice.invoice_line_ids
        self.assertEqual(line.name, "Pro — 1 Mar 2026 to 31 Mar 2026")
        self.assertEqual(line.tax_ids, self.tax_sale_a)
        self.assertEqual(line.subscription_id, sub)
        period = sub.period_ids
        self.assertRecordValues(
            period,
            [
                {
                    "date_start": date(2026, 3, 1),
                    "date_end": date(2026, 3, 31),
                    "date_invoice": date(2026, 3, 1),
                    "move_id": invoice.id,
                    "state": "invoiced",
                }
            ],
        )
        self.assertEqual(invoice.recurring_period_id, period)
        self.assertEqual(line.recurring_period_id, period)
        self.assertEqual(sub.next_period_index, 1)
        self.assertEqual(sub.date_next_invoice, date(2026, 4, 1))

    def test_second_run_the_same_day_creates_nothing(self):
        subs = self._active(self.plan_basic, date(2026, 3, 5)) | self._active(
            self.plan_pro, date(2026, 3, 5)
        )
        self._run_cron("2026-03-05")
        self.assertEqual(len(self._invoices(subs)), 2)
        self._run_cron("2026-03-05")
        self.assertEqual(len(self._invoices(subs)), 2)
        self.assertEqual(len(subs.period_ids), 2)

    def test_due_subscriptions_are_the_active_ones_due_by_the_day(self):
        # The set every run invoices, whether the scheduled action or the queue's
        # workers run it: due on 03-05 (started that day), not the one starting on
        # 03-06, not a draft one whose start has passed.
        due = self._active(self.plan_basic, date(2026, 3, 5))
        later = self._active(self.plan_basic, date(2026, 3, 6))
        draft = self._subscription(self.plan_basic, date(2026, 3, 1))
        domain = self.env["recurring.invoicing.job"]._due_domain(date(2026, 3, 5))
        found = self.Subscription.search(domain)
        self.assertIn(due, found)
        self.assertNotIn(later, found)
        self.assertNotIn(draft, found)

    def test_job_down_for_three_months_catches_up_oldest_first(self):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        self._run_cron("2026-03-20")
        invoices = self._invoices(sub)
        self.assertEqual(
            invoices.mapped("invoice_date"),
            [date(2026, 1, 10), date(2026, 2, 10), date(2026, 3, 10)],
        )
        self.assertEqual(
            invoices.invoice_line_ids.mapped("name"),
            [
                "Basic — 10 Jan 2026 to 9 Feb 2026",
                "Basic — 10 Feb 2026 to 9 Mar 2026",
                "Basic — 10 Mar 2026 to 9 Apr 2026",
            ],
        )
        self.assertEqual(sub.next_period_index, 3)
        self.assertEqual(sub.date_next_invoice, date(2026, 4, 10))

    def test_in_arrears_bills_the_day_after_the_period(self):
        plan = self._create_plan(
            "Usage", "USAGE", self.product_basic, 30.0, billing_mode="arrears"
        )
        sub = self._active(plan, date(2026, 1, 31))
        self._run_cron("2026-02-27")
        self.assertFalse(self._invoices(sub))
        self._run_cron("2026-02-28")
        invoice = self._invoices(sub)
        self.assertEqual(invoice.invoice_date, date(2026, 2, 28))
        self.assertEqual(
            invoice.invoice_line_ids.name, "Basic — 31 Jan 2026 to 27 Feb 2026"
        )

    def test_fixed_term_stops_after_its_last_period(self):
        plan = self._create_plan(
            "Two months",
            "TWO",
            self.product_basic,
            30.0,
            term_type="fixed",
            term_periods=2,
        )
        sub = self._active(plan, date(2026, 1, 1))
        self._run_cron("2026-06-01")
        self.assertEqual(len(self._invoices(sub)), 2)
        self.assertFalse(sub.date_next_invoice)

    def test_free_plan_moves_on_without_invoice(self):
        sub = self._active(self.plan_free, date(2026, 1, 5))
        self._run_cron("2026-03-06")
        self.assertFalse(self._invoices(sub))
        self.assertFalse(sub.period_ids)
        self.assertEqual(sub.next_period_index, 3)

    def test_plan_journal_and_invoice_policies(self):
        journal = self.company_data["default_journal_sale"].copy(
            {"name": "Subscriptions", "code": "SUBS"}
        )
        draft_plan = self._create_plan(
            "Draft", "DRAFT", self.product_basic, 30.0, invoice_policy="draft"
        )
        send_plan = self._create_plan(
            "Send",
            "SEND",
            self.product_basic,
            30.0,
            invoice_policy="send",
            journal_id=journal.id,
        )
        draft_sub = self._active(draft_plan, date(2026, 3, 1))
        send_sub = self._active(send_plan, date(2026, 3, 1))
        self._run_cron("2026-03-01")
        draft_invoice = self._invoices(draft_sub)
        send_invoice = self._invoices(send_sub)
        self.assertEqual(draft_invoice.state, "draft")
        self.assertEqual(draft_sub.period_ids.state, "invoiced")
        self.assertFalse(draft_invoice.sending_data)
        self.assertEqual(send_invoice.state, "posted")
        self.assertEqual(send_invoice.journal_id, journal)
        self.assertTrue(send_invoice.is_being_sent)

    def test_fiscal_position_of_the_customer_maps_taxes(self):
        self.customer.property_account_position_id = self.fiscal_pos_a
        sub = self._active(self.plan_basic, date(2026, 3, 1))
        self._run_cron("2026-03-01")
        invoice = self._invoices(sub)
        self.assertEqual(invoice.fiscal_position_id, self.fiscal_pos_a)
        self.assertEqual(invoice.invoice_line_ids.tax_ids, self.tax_sale_b)

    def test_foreign_currency_subscription_is_billed_in_its_currency(self):
        other = self.setup_other_currency("EUR")
        plan = self._create_plan(
            "Euro Basic", "EUR-BASIC", self.product_basic, 40.0, currency_id=other.id
        )
        sub = self._active(plan, date(2026, 3, 1))
        self.assertEqual(sub.currency_id, other)
        self._run_cron("2026-03-01")
        invoice = self._invoices(sub)
        self.assertEqual(invoice.currency_id, other)
        self.assertEqual(invoice.amount_untaxed, 40.0)
        # 2 EUR per USD since 2017.
        self.assertAlmostEqual(invoice.amount_untaxed_signed, 20.0)


@tagged("post_install", "-at_install")
class TestInvoicingMultiCompany(InvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        eur = cls.setup_other_currency("EUR")
        cls.company_data_2 = cls.setup_other_company(currency_id=eur.id)
        cls.company_2 = cls.company_data_2["company"]
        cls.env.user.company_ids |= cls.company_2
        cls.tax_2 = cls.company_data_2["default_tax_sale"]
        cls.product_basic.taxes_id |= cls.tax_2

    def test_each_company_bills_with_its_journal_taxes_and_currency(self):
        usd = self.env.ref("base.USD")
        # The second company converts its dollars at its own rate.
        self.env["res.currency.rate"].create(
            {
                "name": "2026-01-01",
                "currency_id": usd.id,
                "rate": 1.1,
                "company_id": self.company_2.id,
            }
        )
        env_2 = self.env(
            context=dict(
                self.env.context,
                allowed_company_ids=[self.company_2.id, self.env.company.id],
            )
        )
        plan_2 = env_2["recurring.plan"].create(
            {
                "name": "Basic (company 2)",
                "code": "BASIC2",
                "company_id": self.company_2.id,
                "currency_id": usd.id,
                "line_ids": [
                    Command.create(
                        {"product_id": self.product_basic.id, "price_unit": 30.0}
                    )
                ],
            }
        )
        sub_2 = env_2["recurring.subscription"].create(
            {
                "partner_id": self.customer.id,
                "plan_id": plan_2.id,
                "company_id": self.company_2.id,
                "date_start": date(2026, 3, 1),
                "line_ids": [Command.create({"product_id": self.product_basic.id})],
            }
        )
        with freeze_time("2026-03-01"):
            sub_2.action_start()
        sub_1 = self._active(self.plan_basic, date(2026, 3, 1))
        self._run_cron("2026-03-01")
        invoice_1 = self._invoices(sub_1)
        invoice_2 = env_2["account.move"].search([("subscription_id", "=", sub_2.id)])
        self.assertEqual(
            invoice_1.journal_id, self.company_data["default_journal_sale"]
        )
        self.assertEqual(invoice_1.invoice_line_ids.tax_ids, self.tax_sale_a)
        self.assertRecordValues(
            invoice_2,
            [
                {
                    "company_id": self.company_2.id,
                    "journal_id": self.company_data_2["default_journal_sale"].id,
                    "currency_id": usd.id,
                    "state": "posted",
                    "amount_untaxed": 30.0,
                }
            ],
        )
        self.assertEqual(invoice_2.company_currency_id.name, "EUR")
        self.assertEqual(invoice_2.invoice_line_ids.tax_ids, self.tax_2)


@tagged("post_install", "-at_install")
class TestPeriodLedger(InvoicingCommon):
    def setUp(self):
        super().setUp()
        self.sub = self._active(self.plan_basic, date(2026, 3, 1))
        self._run_cron("2026-03-01")
        self.invoice = self._invoices(self.sub)
        self.period = self.sub.period_ids

    def test_period_is_in_the_ledger_only_once(self):
        with self.assertRaises(UniqueViolation), mute_logger("odoo.sql_db"):
            self.env["recurring.period"].sudo().create(
                {
                    "subscription_id": self.sub.id,
                    "date_start": date(2026, 3, 1),
                    "date_end": date(2026, 3, 31),
                }
            )

    def test_cancelled_invoice_is_re_invoiced_not_lost_nor_billed_twice(self):
        self.invoice.button_cancel()
        self.assertEqual(self.period.state, "to_reinvoice")
        self._run_cron("2026-03-02")
        self.assertEqual(len(self._invoices(self.sub)), 1)
        with freeze_time("2026-03-03"):
            self.period.action_reinvoice()
        new_invoice = self.period.move_id
        self.assertNotEqual(new_invoice, self.invoice)
        self.assertEqual(new_invoice.state, "posted")
        self.assertEqual(new_invoice.invoice_date, date(2026, 3, 3))
        self.assertEqual(
            new_invoice.invoice_line_ids.name, "Basic — 1 Mar 2026 to 31 Mar 2026"
        )
        self.assertEqual(self.period.state, "invoiced")
        self.assertEqual(self.period.move_ids, self.invoice | new_invoice)
        with self.assertRaisesRegex(UserError, "is invoiced"):
            self.period.action_reinvoice()

    def test_reset_to_draft_is_re_invoiced_by_posting_it_again(self):
        self.invoice.button_draft()
        self.assertEqual(self.period.state, "to_reinvoice")
        self.period.action_reinvoice()
        self.assertEqual(self.invoice.state, "posted")
        self.assertEqual(self.period.state, "invoiced")
        self.assertEqual(len(self._invoices(self.sub)), 1)

    def test_deleted_invoice_can_be_written_off(self):
        self.invoice.button_draft()
        self.invoice.unlink()
        self.assertFalse(self.period.move_id)
        self.assertEqual(self.period.state, "to_reinvoice")
        self.period.action_write_off()
        self.assertEqual(self.period.state, "written_off")
        self._run_cron("2026-03-15")
        self.assertFalse(self._invoices(self.sub))
        self.assertIn("written off", self.sub.message_ids[0].body)

    def test_credit_note_is_linked_to_the_period(self):
        refund = self.invoice._reverse_moves()
        self.assertEqual(refund.move_type, "out_refund")
        self.assertEqual(refund.subscription_id, self.sub)
        self.assertEqual(refund.recurring_period_id, self.period)
        self.assertEqual(self.period.move_id, self.invoice)
        self.assertEqual(self.period.state, "invoiced")


@tagged("post_install", "-at_install")
class TestInvoiceNow(InvoicingCommon):
    def test_preview_shows_the_next_invoice_without_writing(self):
        sub = self._active(self.plan_pro, date(2026, 3, 1))
        with freeze_time("2026-02-20"):
            self.assertEqual(sub.preview_date_start, date(2026, 3, 1))
            self.assertEqual(sub.preview_date_end, date(2026, 3, 31))
            self.assertEqual(sub.preview_date_invoice, date(2026, 3, 1))
            self.assertIn("Pro — 1 Mar 2026 to 31 Mar 2026", sub.preview_html)
        self.assertFalse(sub.period_ids)
        self.assertFalse(self._invoices(sub))
        self.assertEqual(sub.next_period_index, 0)

    def test_invoice_now_bills_the_next_period_dated_today(self):
        sub = self._active(self.plan_pro, date(2026, 3, 1))
        self._run_cron("2026-03-01")
        with freeze_time("2026-03-20"):
            sub.action_invoice_now()
        invoices = self._invoices(sub)
        self.assertEqual(len(invoices), 2)
        self.assertEqual(invoices[1].invoice_date, date(2026, 3, 20))
        self.assertEqual(
            invoices[1].invoice_line_ids.name, "Pro — 1 Apr 2026 to 30 Apr 2026"
        )
        self.assertEqual(sub.date_next_invoice, date(2026, 5, 1))
        self._run_cron("2026-04-01")
        self.assertEqual(len(self._invoices(sub)), 2)

    def _assert_refused(self, sub, message):
        before = (sub.next_period_index, len(sub.period_ids), len(self._invoices(sub)))
        with freeze_time("2026-03-20"), self.assertRaisesRegex(UserError, message):
            sub.action_invoice_now()
        after = (sub.next_period_index, len(sub.period_ids), len(self._invoices(sub)))
        self.assertEqual(after, before)

    def test_invoice_now_refuses_cancelled_and_paused(self):
        cancelled = self._active(self.plan_basic, date(2026, 3, 1))
        cancelled.action_cancel()
        self._assert_refused(cancelled, "is cancelled: it cannot be invoiced")
        paused = self._active(self.plan_basic, date(2026, 3, 1))
        with freeze_time("2026-03-10"):
            paused.action_pause()
        self._assert_refused(paused, "is paused: it cannot be invoiced")

    def test_invoice_now_refuses_a_period_already_invoiced(self):
        sub = self._active(self.plan_basic, date(2026, 3, 1))
        self.env["recurring.period"].sudo().create(
            {
                "subscription_id": sub.id,
                "date_start": date(2026, 3, 1),
                "date_end": date(2026, 3, 31),
            }
        )
        self._assert_refused(sub, "is already invoiced")

    def test_invoice_now_refuses_no_lines_and_zero_total(self):
        empty = self._active(self.plan_basic, date(2026, 3, 1))
        empty.line_ids.unlink()
        self._assert_refused(empty, "has no lines")
        zero = self._active(self.plan_basic, date(2026, 3, 1))
        # A zero total reached by the subscription's own steps (a pending change).
        step = IN_STEP.set(True)
        try:
            zero.line_ids.quantity = 0.0
        finally:
            IN_STEP.reset(step)
        self._assert_refused(zero, "its total is zero")
