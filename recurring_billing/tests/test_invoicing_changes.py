from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .invoicing_common import InvoicingCommon


@tagged("post_install", "-at_install")
class TestInvoicingChanges(InvoicingCommon):
    def _billed_basic(self):
        """Basic 30 from 2026-01-10, invoiced up to the period 02-10 .. 03-09."""
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        self._run_cron("2026-02-10")
        self.assertEqual(sub.next_period_index, 2)
        return sub

    def test_upgrade_now_bills_the_worked_example_to_the_cent(self):
        sub = self._billed_basic()
        with freeze_time("2026-02-15"):
            sub.action_change_plan(self.plan_pro)
        adjustment = self._invoices(sub).filtered(
            lambda move: move.recurring_kind == "adjustment"
        )
        self.assertEqual(adjustment.move_type, "out_invoice")
        self.assertEqual(adjustment.state, "posted")
        self.assertEqual(adjustment.invoice_date, date(2026, 2, 15))
        self.assertEqual(
            [(line.name, line.price_subtotal) for line in adjustment.invoice_line_ids],
            [
                ("Basic, unused — 15 Feb 2026 to 9 Mar 2026", -24.64),
                ("Pro — 15 Feb 2026 to 9 Mar 2026", 41.07),
            ],
        )
        self.assertEqual(adjustment.amount_untaxed, 16.43)
        period = sub.period_ids.filtered(lambda p: p.date_start == date(2026, 2, 10))
        self.assertEqual(adjustment.recurring_period_id, period)
        self.assertEqual(period.state, "invoiced")
        self.assertNotEqual(period.move_id, adjustment)

        self._run_cron("2026-03-10")
        following = self._invoices(sub).filtered(
            lambda move: move.invoice_date == date(2026, 3, 10)
        )
        self.assertEqual(following.amount_untaxed, 50.0)
        self.assertEqual(
            following.invoice_line_ids.name, "Pro — 10 Mar 2026 to 9 Apr 2026"
        )

    def test_downgrade_now_gives_a_credit_note_for_the_difference(self):
        sub = self._active(self.plan_pro, date(2026, 1, 10))
        self._run_cron("2026-02-10")
        with freeze_time("2026-02-15"):
            sub.action_change_plan(self.plan_basic, when="now")
        credit = self._invoices(sub).filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual(credit.recurring_kind, "adjustment")
        # Pro 50 unused: 41.07 back, Basic 30 for the rest: 24.64 due.
        self.assertEqual(credit.amount_untaxed, 16.43)
        self.assertEqual(sub.plan_id, self.plan_basic)

    def test_cancel_now_credits_the_unused_days_when_asked(self):
        sub = self._billed_basic()
        reason = self.env["recurring.cancel.reason"].search([], limit=1)
        with freeze_time("2026-02-24"):
            wizard = Form(
                self.env["recurring.cancel.wizard"].with_context(active_ids=sub.ids)
            )
            wizard.when = "now"
            wizard.reason_id = reason
            wizard.credit_unused = True
            wizard.save().action_confirm()
        self.assertEqual(sub.state, "cancelled")
        credit = self._invoices(sub).filtered(lambda m: m.move_type == "out_refund")
        # 02-25 .. 03-09: 13 of 28 days of Basic 30.
        self.assertEqual(credit.amount_untaxed, 13.93)
        self.assertEqual(
            credit.invoice_line_ids.name, "Basic, unused — 25 Feb 2026 to 9 Mar 2026"
        )

    def test_cancel_now_without_credit_issues_nothing(self):
        sub = self._billed_basic()
        with freeze_time("2026-02-24"):
            sub.action_cancel()
        self.assertEqual(len(self._invoices(sub)), 2)
