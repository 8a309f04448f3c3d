from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .portal_common import PortalCommon


@tagged("post_install", "-at_install")
class TestPortalChanges(PortalCommon):
    """Self-service steps: the same model methods, change log and invoices as the back
    office, and a preview equal to what is invoiced.

    Worked by hand (doc/BILLING.md): Basic 30/month paid for 2026-02-10 .. 03-09 (28
    days); on 02-15, 23 days remain (02-15 .. 03-09). Upgrade to Pro 50: Pro
    50 × 23/28 = 41.07, Basic unused −30 × 23/28 = −24.64; net 16.43 without tax.
    """

    def _events(self, sub):
        return [
            (e.date, e.event_type, e.mrr_before, e.mrr_after)
            for e in sub.event_ids.sorted(lambda e: (e.date, e.id))
        ]

    def _invoices(self, sub):
        return [
            (
                move.move_type,
                move.amount_untaxed,
                sorted(move.invoice_line_ids.mapped("price_subtotal")),
            )
            for move in sub.invoice_ids.sorted("id")
        ]

    def _customer_messages(self, sub):
        return sub.message_ids.filtered(
            lambda m: m.author_id == sub.partner_id and "by the customer" in m.body
        )

    def test_portal_upgrade_bills_like_the_back_office(self):
        self._login("portal_a")
        with freeze_time("2026-02-15"):
            self.sub_b.action_change_plan(self.plan_pro)
            response = self._post(
                f"/my/subscriptions/{self.sub_a.id}/plan",
                {"plan_id": self.plan_pro.id},
            )
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("?message=plan"))
        self.assertEqual(self.sub_a.plan_id, self.plan_pro)
        self.assertEqual(self._events(self.sub_a), self._events(self.sub_b))
        self.assertEqual(
            self._events(self.sub_a)[-1], (date(2026, 2, 15), "upgrade", 30.0, 50.0)
        )
        self.assertEqual(self._invoices(self.sub_a), self._invoices(self.sub_b))
        self.assertEqual(
            self._invoices(self.sub_a)[-1], ("out_invoice", 16.43, [-24.64, 41.07])
        )
        self.assertEqual(len(self._customer_messages(self.sub_a)), 1)
        self.assertFalse(self._customer_messages(self.sub_b))

    def test_upgrade_preview_equals_the_invoice_to_the_cent(self):
        self._login("portal_a")
        with freeze_time("2026-02-15"):
            page = self.url_open(
                f"/my/subscriptions/{self.sub_a.id}/plan?plan_id={self.plan_pro.id}"
            )
            preview = self.sub_a._change_plan_preview(self.plan_pro)
            self._post(
                f"/my/subscriptions/{self.sub_a.id}/plan",
                {"plan_id": self.plan_pro.id},
            )
        self.assertIn("16.43", page.text)
        invoice = self.sub_a.invoice_ids.sorted("id")[-1]
        self.assertEqual(preview["amount"], invoice.amount_untaxed)
        self.assertEqual(
            [(line["name"], line["amount"]) for line in preview["lines"]],
            [(line.name, line.price_subtotal) for line in invoice.invoice_line_ids],
        )
        self.assertFalse(preview["date_later"])

    def test_upgrade_preview_covers_the_period_invoiced_ahead(self):
        # "Invoice now" on 02-15 bills the next period, 03-10 .. 04-09 (31 days),
        # ahead. The upgrade then bills 16.43 for 02-15 .. 03-09 (as above) and, for
        # the whole next period, Pro 50 − Basic 30 = 20.00: 36.43 in two invoices.
        self._login("portal_a")
        with freeze_time("2026-02-15"):
            self.sub_a.action_invoice_now()
            preview = self.sub_a._change_plan_preview(self.plan_pro)
            page = self.url_open(
                f"/my/subscriptions/{self.sub_a.id}/plan?plan_id={self.plan_pro.id}"
            )
            self._post(
                f"/my/subscriptions/{self.sub_a.id}/plan",
                {"plan_id": self.plan_pro.id},
            )
        self.assertIn("36.43", page.text)
        changes = self.sub_a.invoice_ids.sorted("id")[-2:]
        self.assertEqual(changes.mapped("amount_untaxed"), [16.43, 20.0])
        self.assertEqual(preview["amount"], 36.43)
        self.assertEqual(
            [line["amount"] for line in preview["lines"]],
            changes.invoice_line_ids.mapped("price_subtotal"),
        )

    def test_more_seats_preview_equals_the_invoice_to_the_cent(self):
        # Pro with 1 seat (55/month) paid for 02-10 .. 03-09; on 02-15 the customer
        # takes 3 seats: the 1-seat line is credited −5 × 23/28 = −4.11 and the
        # 3-seat line charged 15 × 23/28 = 12.32; net 8.21.
        with freeze_time("2026-02-10"):
            sub = self._started(self.plan_pro, self.customer_a)
            sub.action_set_addon_quantities({self.seat_addon: 1})
        field = f"addon_{self.seat_addon.id}"
        self._login("portal_a")
        with freeze_time("2026-02-15"):
            page = self.url_open(f"/my/subscriptions/{sub.id}/addons?{field}=3")
            preview = sub._addon_quantities_preview({self.seat_addon: 3})
            response = self._post(f"/my/subscriptions/{sub.id}/addons", {field: "3"})
        self.assertEqual(response.status_code, 303)
        self.assertIn("8.21", page.text)
        self.assertEqual(sub.line_ids.filtered("addon_id").quantity, 3)
        invoice = sub.invoice_ids.sorted("id")[-1]
        self.assertEqual(invoice.amount_untaxed, 8.21)
        self.assertEqual(preview["amount"], invoice.amount_untaxed)
        self.assertEqual(
            [line["amount"] for line in preview["lines"]],
            invoice.invoice_line_ids.mapped("price_subtotal"),
        )
        self.assertEqual(sub.event_ids.sorted("id")[-1].event_type, "upgrade")

    def test_downgrade_waits_for_the_next_period_and_bills_nothing_now(self):
        with freeze_time("2026-02-10"):
            sub = self._started(self.plan_pro, self.customer_a)
        self._login("portal_a")
        with freeze_time("2026-02-15"):
            page = self.url_open(
                f"/my/subscriptions/{sub.id}/plan?plan_id={self.plan_basic.id}"
            )
            response = self._post(
                f"/my/subscriptions/{sub.id}/plan", {"plan_id": self.plan_basic.id}
            )
        self.assertIn("o_recurring_portal_later", page.text)
        self.assertTrue(response.headers["Location"].endswith("?message=plan_later"))
        self.assertRecordValues(
            sub,
            [
                {
                    "plan_id": self.plan_pro.id,
                    "pending_plan_id": self.plan_basic.id,
                    "date_pending_change": date(2026, 3, 10),
                }
            ],
        )
        self.assertEqual(len(sub.invoice_ids), 1)

    def test_pause_by_the_customer_until_a_date(self):
        self._login("portal_a")
        with freeze_time("2026-02-15"):
            self._post(
                f"/my/subscriptions/{self.sub_a.id}/pause",
                {"date_resume": "2026-03-20"},
            )
        self.assertRecordValues(
            self.sub_a,
            [{"state": "paused", "date_resume": date(2026, 3, 20), "mrr": 0.0}],
        )
        self.assertEqual(self.sub_a.event_ids.sorted("id")[-1].event_type, "pause")
        self.assertIn(
            "Paused by the customer until 2026-03-20.",
            self._customer_messages(self.sub_a).body,
        )

    def test_cancel_at_period_end_with_a_reason_then_undo(self):
        self._login("portal_a")
        url = f"/my/subscriptions/{self.sub_a.id}"
        with freeze_time("2026-02-15"):
            self._post(
                f"{url}/cancel",
                {"reason_id": self.reason.id, "comment": "We <b>merge</b> teams"},
            )
            self.assertRecordValues(
                self.sub_a,
                [
                    {
                        "state": "active",
                        "cancel_at_period_end": True,
                        "date_end": date(2026, 3, 9),
                        "cancel_reason_id": self.reason.id,
                    }
                ],
            )
            message = self._customer_messages(self.sub_a)
            self.assertIn("Reason: Too expensive for us.", message.body)
            self.assertIn("We &lt;b&gt;merge&lt;/b&gt; teams", message.body)
            response = self._post(f"{url}/keep", {"keep": "1"})
        self.assertTrue(response.headers["Location"].endswith("?message=keep"))
        self.assertRecordValues(
            self.sub_a,
            [{"state": "active", "cancel_at_period_end": False, "date_end": False}],
        )
        self.assertEqual(len(self._customer_messages(self.sub_a)), 2)

    def test_same_upgrade_sent_twice_applies_once(self):
        self._login("portal_a")
        url = f"/my/subscriptions/{self.sub_a.id}/plan"
        with freeze_time("2026-02-15"):
            self._post(url, {"plan_id": self.plan_pro.id})
            replay = self._post(url, {"plan_id": self.plan_pro.id})
        self.assertEqual(replay.status_code, 200)
        self.assertIn("Choose one of the plans offered", replay.text)
        self.assertEqual(len(self.sub_a.invoice_ids), 2)
        upgrades = self.sub_a.event_ids.filtered(lambda e: e.event_type == "upgrade")
        self.assertEqual(len(upgrades), 1)
