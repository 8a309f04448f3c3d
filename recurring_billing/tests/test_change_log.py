from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import RecurringCommon


@tagged("post_install", "-at_install")
class TestChangeLog(RecurringCommon):
    """Every path that moves MRR leaves exactly one row in the change log."""

    def _active(self):
        sub = self._subscription(self.plan_basic)
        sub.action_start()
        return sub

    def test_direct_line_write_is_logged(self):
        sub = self._active()
        with freeze_time("2026-02-01"):
            sub.line_ids.quantity = 3
        self.assertEqual(sub.mrr, 90.0)
        last = sub.event_ids.sorted("id")[-1]
        self.assertEqual(
            (str(last.date), last.event_type, last.mrr_before, last.mrr_after),
            ("2026-02-01", "change", 30.0, 90.0),
        )

    def test_direct_write_logs_the_quantity_now_and_the_price_when_it_applies(self):
        sub = self._active()
        with freeze_time("2026-02-01"):
            sub.line_ids.write({"quantity": 3, "price_unit": 40.0})
        self.assertEqual(sub.mrr, 90.0)
        self.assertEqual(sub.line_ids.pending_price_unit, 40.0)
        with freeze_time("2026-02-10"):
            self.env["recurring.subscription"]._cron_lifecycle()
        self.assertEqual(sub.mrr, 120.0)
        self.assertEvents(
            sub,
            [
                ("2026-01-10", "start", 0.0, 30.0),
                ("2026-02-01", "change", 30.0, 90.0),
                ("2026-02-10", "upgrade", 90.0, 120.0),
            ],
        )

    def test_added_and_removed_lines_are_logged(self):
        sub = self._active()
        sub.write({"line_ids": [Command.create({"product_id": self.product_seat.id})]})
        self.assertEqual(sub.mrr, 35.0)
        sub.line_ids.filtered(
            lambda line: line.product_id == self.product_seat
        ).unlink()
        self.assertEqual(
            sub.event_ids.sorted("id").mapped("mrr_after"), [30.0, 35.0, 30.0]
        )

    def test_write_that_does_not_move_mrr_is_not_logged(self):
        sub = self._active()
        sub.line_ids.name = "Basic, renamed"
        sub.user_id = False
        self.assertEqual(len(sub.event_ids), 1)

    def test_imported_active_subscription_enters_the_log(self):
        sub = self.env["recurring.subscription"].create(
            {
                "partner_id": self.customer.id,
                "plan_id": self.plan_pro.id,
                "state": "active",
                "date_start": date(2025, 6, 1),
                "date_anchor": date(2025, 6, 1),
                "line_ids": [Command.create({"product_id": self.product_pro.id})],
            }
        )
        self.assertEqual(
            [(e.event_type, e.mrr_before, e.mrr_after) for e in sub.event_ids],
            [("create", 0.0, 50.0)],
        )

    def test_change_log_cannot_be_edited_or_deleted(self):
        sub = self._active()
        with self.assertRefused("cannot be edited"):
            sub.event_ids.sudo().mrr_after = 1000
        with self.assertRefused("cannot be deleted"):
            sub.event_ids.sudo().unlink()
        with self.assertRaises(AccessError):
            sub.event_ids.unlink()
        self.assertEqual(sub.event_ids.mrr_after, 30.0)

    def test_foreign_currency_is_fixed_at_the_rate_of_the_change(self):
        chf = self.setup_other_currency(
            "CHF", rates=[("2026-01-01", 2.0), ("2026-03-01", 4.0)]
        )
        pricelist = self.env["product.pricelist"].create(
            {"name": "CHF", "currency_id": chf.id}
        )
        with freeze_time("2026-01-15"):
            sub = self._subscription(self.plan_basic, pricelist_id=pricelist.id)
            sub.line_ids.price_unit = 60.0
            sub.action_start()
        self.assertEqual(sub.currency_id, chf)
        self.assertEqual(sub.mrr, 60.0)
        self.assertEqual(sub.mrr_company, 30.0)
        with freeze_time("2026-03-15"):
            sub.user_id = self.env.user
            sub.line_ids.quantity = 3
        events = sub.event_ids.sorted("id")
        # 60 CHF at 2 per unit stays 30 although the rate is 4 by then; 180 CHF at 4.
        self.assertEqual(events.mapped("mrr_before_company"), [0.0, 30.0])
        self.assertEqual(events.mapped("mrr_after_company"), [30.0, 45.0])
        self.assertEqual(sub.mrr_company, 45.0)

    def test_moving_to_another_customer_moves_the_mrr(self):
        sub = self._active()
        newcomer = self.env["res.partner"].create({"name": "Customer B"})
        with freeze_time("2026-02-10"):
            sub.partner_id = newcomer
        rows = sub.event_ids.sorted("id")[1:]
        self.assertEqual(
            [(r.partner_id, r.mrr_before_company, r.mrr_after_company) for r in rows],
            [(self.customer, 30.0, 0.0), (newcomer, 0.0, 30.0)],
        )
        self.assertEqual(rows.user_id, self.env.user)
