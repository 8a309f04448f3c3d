from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .invoicing_common import InvoicingCommon


class PendingCommon(InvoicingCommon):
    def _lifecycle(self, day):
        with freeze_time(day):
            self.Subscription._cron_lifecycle()

    def _period_invoice(self, sub, day):
        return self._invoices(sub).filtered(
            lambda move: (
                move.invoice_date == date.fromisoformat(day)
                and move.recurring_kind == "period"
            )
        )

    def _adjustments(self, sub):
        return self._invoices(sub).filtered(
            lambda move: move.recurring_kind == "adjustment"
        )


@tagged("post_install", "-at_install")
class TestAddonChanges(PendingCommon):
    """Fewer add-on units wait for the period end; more apply now."""

    def _seat_line(self, sub):
        return sub.line_ids.filtered("addon_id")

    def test_fewer_units_wait_for_the_period_end_then_bill_the_next_period(self):
        sub = self._pro_with_seats()
        with freeze_time("2026-02-15"):
            sub.action_set_addon_quantities({self.seat_addon: 1})
            sub.invalidate_recordset()
            seats = self._seat_line(sub)
            self.assertEqual(seats.quantity, 4)
            self.assertTrue(seats.has_pending_quantity)
            self.assertEqual(seats.pending_quantity, 1)
            self.assertEqual(sub.date_pending_change, date(2026, 3, 10))
            self.assertTrue(sub.has_pending_line_change)
            self.assertEqual(sub.mrr, 70.0)
            # The preview of the 03-10 invoice already bills one seat.
            self.assertEqual(sub.preview_date_start, date(2026, 3, 10))
            self.assertIn("55.00", sub.preview_html)
            self.assertNotIn("70.00", sub.preview_html)
        self.assertFalse(self._adjustments(sub))
        self._lifecycle("2026-03-09")
        self.assertEqual(self._seat_line(sub).quantity, 4)
        self._lifecycle("2026-03-10")
        self._run_cron("2026-03-10")
        self.assertEqual(self._seat_line(sub).quantity, 1)
        self.assertFalse(self._seat_line(sub).has_pending_quantity)
        self.assertFalse(sub.date_pending_change)
        self.assertEqual(sub.mrr, 55.0)
        self.assertEvents(
            sub,
            [
                ("2026-01-10", "start", 0.0, 70.0),
                ("2026-03-10", "downgrade", 70.0, 55.0),
            ],
        )
        self.assertEqual(self._period_invoice(sub, "2026-02-10").amount_untaxed, 70.0)
        following = self._period_invoice(sub, "2026-03-10")
        self.assertEqual(following.amount_untaxed, 55.0)
        self.assertEqual(
            [(line.name, line.quantity) for line in following.invoice_line_ids],
            [
                ("Pro — 10 Mar 2026 to 9 Apr 2026", 1.0),
                ("Extra seat — 10 Mar 2026 to 9 Apr 2026", 1.0),
            ],
        )

    def test_next_invoice_bills_the_new_units_if_invoicing_runs_first(self):
        sub = self._pro_with_seats()
        with freeze_time("2026-02-15"):
            sub.action_set_addon_quantities({self.seat_addon: 2})
        self._run_cron("2026-03-10")
        self.assertEqual(self._period_invoice(sub, "2026-03-10").amount_untaxed, 60.0)
        self.assertEqual(self._seat_line(sub).quantity, 4)
        self._lifecycle("2026-03-10")
        self.assertEqual(self._seat_line(sub).quantity, 2)
        self.assertEqual(len(self._invoices(sub)), 3)

    def test_removed_package_leaves_at_the_period_end(self):
        sub = self._pro_with_seats()
        with freeze_time("2026-02-15"):
            sub.action_set_addon_quantities({self.seat_addon: 0})
        self.assertEqual(self._seat_line(sub).pending_quantity, 0)
        self._lifecycle("2026-03-10")
        self.assertFalse(self._seat_line(sub))
        self.assertEqual(sub.amount_untaxed, 50.0)
        self.assertEvents(
            sub,
            [
                ("2026-01-10", "start", 0.0, 70.0),
                ("2026-03-10", "downgrade", 70.0, 50.0),
            ],
        )

    def test_fewer_units_now_credit_the_unused_days(self):
        sub = self._pro_with_seats()
        with freeze_time("2026-02-15"):
            sub.action_set_addon_quantities({self.seat_addon: 1}, when="now")
        self.assertEqual(self._seat_line(sub).quantity, 1)
        self.assertFalse(sub.date_pending_change)
        credit = self._adjustments(sub)
        self.assertEqual(credit.move_type, "out_refund")
        self.assertEqual(credit.invoice_date, date(2026, 2, 15))
        # 02-15 .. 03-09: 23 of 28 days; 4 seats (20) credited, 1 seat (5) charged.
        self.assertEqual(
            [(line.name, line.price_subtotal) for line in credit.invoice_line_ids],
            [
                ("Extra seat, unused — 15 Feb 2026 to 9 Mar 2026", 16.43),
                ("Extra seat — 15 Feb 2026 to 9 Mar 2026", -4.11),
            ],
        )
        self.assertEqual(credit.amount_untaxed, 12.32)
        self.assertEvents(
            sub,
            [
                ("2026-01-10", "start", 0.0, 70.0),
                ("2026-02-15", "downgrade", 70.0, 55.0),
            ],
        )

    def test_more_units_apply_now_with_a_prorated_invoice(self):
        sub = self._pro_with_seats()
        with freeze_time("2026-02-15"):
            sub.action_set_addon_quantities({self.seat_addon: 6})
        self.assertEqual(self._seat_line(sub).quantity, 6)
        invoice = self._adjustments(sub)
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(
            [(line.name, line.price_subtotal) for line in invoice.invoice_line_ids],
            [
                ("Extra seat, unused — 15 Feb 2026 to 9 Mar 2026", -16.43),
                ("Extra seat — 15 Feb 2026 to 9 Mar 2026", 24.64),
            ],
        )
        self.assertEqual(invoice.amount_untaxed, 8.21)
        self.assertEvents(
            sub,
            [
                ("2026-01-10", "start", 0.0, 70.0),
                ("2026-02-15", "upgrade", 70.0, 80.0),
            ],
        )
        self._run_cron("2026-03-10")
        self.assertEqual(self._period_invoice(sub, "2026-03-10").amount_untaxed, 80.0)

    def test_more_units_now_replace_fewer_units_planned(self):
        sub = self._pro_with_seats()
        with freeze_time("2026-02-15"):
            sub.action_set_addon_quantities({self.seat_addon: 1})
            sub.action_set_addon_quantities({self.seat_addon: 5})
        self.assertEqual(self._seat_line(sub).quantity, 5)
        self.assertFalse(self._seat_line(sub).has_pending_quantity)
        self.assertFalse(sub.date_pending_change)

    def test_planned_decrease_is_revoked_on_its_line(self):
        sub = self._pro_with_seats()
        with freeze_time("2026-02-15"):
            sub.action_set_addon_quantities({self.seat_addon: 1})
            self._seat_line(sub).action_cancel_pending_change()
        self.assertFalse(self._seat_line(sub).has_pending_quantity)
        self.assertFalse(sub.date_pending_change)
        self._lifecycle("2026-03-10")
        self._run_cron("2026-03-10")
        self.assertEqual(self._seat_line(sub).quantity, 4)
        self.assertEqual(self._period_invoice(sub, "2026-03-10").amount_untaxed, 70.0)
        self.assertEqual(len(sub.event_ids), 1)

    def test_negative_quantity_is_refused_and_changes_nothing(self):
        sub = self._pro_with_seats()
        with self.assertRefused("cannot have a negative quantity: use 0 to remove"):
            sub.action_set_addon_quantities({self.seat_addon: -1})
        self.assertEqual(self._seat_line(sub).quantity, 4)
        self.assertFalse(self._seat_line(sub).has_pending_quantity)
        self.assertFalse(sub.date_pending_change)

    def test_wizard_plans_fewer_units_for_the_period_end_by_default(self):
        sub = self._pro_with_seats()
        with freeze_time("2026-02-15"):
            wizard = Form(
                self.env["recurring.change.wizard"].with_context(active_id=sub.id)
            )
            self.assertFalse(wizard.has_decrease)
            with wizard.addon_line_ids.edit(0) as line:
                self.assertEqual(line.current_quantity, 4)
                line.quantity = 2
            self.assertTrue(wizard.has_decrease)
            self.assertEqual(wizard.when, "period_end")
            wizard.save().action_confirm()
        self.assertEqual(self._seat_line(sub).quantity, 4)
        self.assertEqual(self._seat_line(sub).pending_quantity, 2)
        self.assertEqual(sub.date_pending_change, date(2026, 3, 10))
        self.assertFalse(self._adjustments(sub))

    def test_wizard_applies_fewer_units_now_with_a_credit_note(self):
        sub = self._pro_with_seats()
        with freeze_time("2026-02-15"):
            wizard = Form(
                self.env["recurring.change.wizard"].with_context(active_id=sub.id)
            )
            with wizard.addon_line_ids.edit(0) as line:
                line.quantity = 1
            wizard.when = "now"
            wizard.save().action_confirm()
        self.assertEqual(self._seat_line(sub).quantity, 1)
        self.assertEqual(self._adjustments(sub).move_type, "out_refund")
        self.assertEqual(self._adjustments(sub).amount_untaxed, 12.32)

    def test_wizard_downgrades_the_plan_at_period_end_by_default(self):
        sub = self._active(self.plan_pro, date(2026, 1, 10))
        with freeze_time("2026-02-15"):
            wizard = Form(
                self.env["recurring.change.wizard"].with_context(active_id=sub.id)
            )
            wizard.plan_id = self.plan_basic
            self.assertTrue(wizard.has_decrease)
            wizard.save().action_confirm()
        self.assertEqual(sub.plan_id, self.plan_pro)
        self.assertEqual(sub.pending_plan_id, self.plan_basic)
        self.assertEqual(sub.date_pending_change, date(2026, 3, 10))
