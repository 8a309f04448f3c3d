"""Every door reaches the same lifecycle: a kanban drag or a raw write of the state is
refused, and the external API may call the buttons' methods with ids and ISO dates."""

from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo.tests import new_test_user, tagged

from .invoicing_common import InvoicingCommon


@tagged("post_install", "-at_install")
class TestDoors(InvoicingCommon):
    def test_state_written_directly_is_refused_and_nothing_changes(self):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        events = len(sub.event_ids)
        # What a kanban drag to "Cancelled" sends.
        with self.assertRefused("changes only through its buttons"):
            sub.write({"state": "cancelled"})
        self.assertEqual(sub.state, "active")
        self.assertFalse(sub.date_end)
        self.assertEqual(len(sub.event_ids), events)

    def test_kanban_offers_no_drag_and_no_quick_create(self):
        arch = self.Subscription.get_view(view_type="kanban")["arch"]
        kanban = etree.fromstring(arch)
        self.assertEqual(kanban.get("records_draggable"), "false")
        self.assertEqual(kanban.get("quick_create"), "false")

    def test_pause_accepts_a_resume_date_sent_as_text(self):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        with freeze_time("2026-01-20"):
            self.assertIs(sub.action_pause("2026-02-01"), True)
        self.assertEqual(sub.date_resume, date(2026, 2, 1))

    def test_pause_refuses_a_resume_date_that_is_not_a_date(self):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        with freeze_time("2026-01-20"), self.assertRefused("is not a date"):
            sub.action_pause("next monday")
        self.assertEqual(sub.state, "active")

    def test_cancel_accepts_a_reason_id(self):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        reason = self.env["recurring.cancel.reason"].search([], limit=1)
        with freeze_time("2026-01-20"):
            self.assertIs(sub.action_cancel(reason.id), True)
        self.assertEqual(sub.cancel_reason_id, reason)

    def test_cancel_refuses_an_unknown_reason_id(self):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        with freeze_time("2026-01-20"), self.assertRefused("has the id 999999"):
            sub.action_cancel(999999)
        self.assertEqual(sub.state, "active")

    def test_addon_quantities_accept_package_ids(self):
        sub = self._active(self.plan_pro, date(2026, 1, 10))
        with freeze_time("2026-01-10"):
            sub.action_set_addon_quantities({str(self.seat_addon.id): 2})
        seats = sub.line_ids.filtered("addon_id")
        self.assertEqual(seats.quantity, 2)

    # -- Bad input refused before anything is written ----------------------------------

    def test_start_on_an_archived_plan_is_refused(self):
        sub = self._subscription(self.plan_basic, date(2026, 1, 10))
        self.plan_basic.action_archive()
        with self.assertRefused("archived plan .*Basic"):
            sub.action_start()
        self.assertEqual(sub.state, "draft")
        self.assertFalse(sub.event_ids)

    def test_start_in_a_currency_without_rate_is_refused(self):
        krone = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", "DKK")])
        )
        krone.active = True
        # Neither the krone nor the company's currency has a rate: 1.0 would be used.
        (krone | self.env.company.currency_id).rate_ids.unlink()
        plan = self._create_plan(
            "Krone", "DKK", self.product_basic, 200.0, currency_id=krone.id
        )
        sub = self._subscription(plan, date(2026, 1, 10))
        self.assertEqual(sub.currency_id, krone)
        with self.assertRefused("DKK has no exchange rate"):
            sub.action_start()
        self.assertEqual(sub.state, "draft")

    def test_draft_takes_the_prices_of_its_new_currency(self):
        euro = self.setup_other_currency("EUR")
        pricelist = self.env["product.pricelist"].create(
            {"name": "Euro", "currency_id": euro.id}
        )
        sub = self._subscription(self.plan_basic, date(2026, 1, 10))
        self.assertEqual(sub.line_ids.price_unit, 30.0)
        sub.pricelist_id = pricelist
        # 30 in the company currency at 2 euros per unit: 60 EUR, not 30 EUR.
        self.assertEqual(sub.currency_id, euro)
        self.assertEqual(sub.line_ids.price_unit, 60.0)

    def test_start_without_an_invoice_address_is_refused(self):
        nowhere = self.env["res.partner"].create({"name": "Nowhere Ltd"})
        sub = self._subscription(self.plan_basic, date(2026, 1, 10), partner=nowhere)
        with self.assertRefused("Nowhere Ltd of .* has no address"):
            sub.action_start()
        self.assertEqual(sub.state, "draft")
        self.assertFalse(sub.event_ids)

    # -- Values the external API sends that no form would ------------------------------

    def test_plan_with_an_unknown_interval_unit_is_refused(self):
        plans = self.env["recurring.plan"].search_count([])
        with self.assertRefused(
            r"Interval Unit \(interval_unit\) of a Subscription Plan cannot be "
            r"'fortnight': use one of week \(Weeks\), month"
        ):
            self.env["recurring.plan"].create(
                {"name": "Fortnightly", "interval_unit": "fortnight"}
            )
        self.assertEqual(self.env["recurring.plan"].search_count([]), plans)

    def test_plan_in_a_currency_that_does_not_exist_is_refused(self):
        plans = self.env["recurring.plan"].search_count([])
        # Left to the database, it is refused as if a record were being deleted.
        with self.assertRefused(
            r"Currency \(currency_id\) of a Subscription Plan cannot be 999999: no "
            "Currency has this id"
        ):
            self.env["recurring.plan"].create(
                {"name": "Nowhere", "currency_id": 999999}
            )
        self.assertEqual(self.env["recurring.plan"].search_count([]), plans)

    def test_start_date_that_is_not_a_date_is_refused(self):
        subs = self.Subscription.search_count([])
        with self.assertRefused(
            r"Start Date \(date_start\) of a Subscription cannot be '2026-13-45': "
            "give a date as YYYY-MM-DD"
        ):
            self._subscription(self.plan_basic, "2026-13-45")
        self.assertEqual(self.Subscription.search_count([]), subs)

    def test_cancel_wizard_with_an_unknown_timing_is_refused(self):
        sub = self._active(self.plan_basic, date(2026, 1, 10))
        reason = self.env["recurring.cancel.reason"].search([], limit=1)
        with self.assertRefused(r"When \(when\) of a Cancel Subscriptions cannot be"):
            self.env["recurring.cancel.wizard"].create(
                {"subscription_ids": sub.ids, "reason_id": reason.id, "when": "soon"}
            )
        self.assertEqual(sub.state, "active")

    def test_cancel_wizard_on_a_subscription_of_another_company_is_refused(self):
        other_company = self.env["res.company"].create({"name": "Elsewhere Ltd"})
        plan = self._create_plan(
            "Elsewhere", "ELSE", self.product_basic, 30.0, company_id=other_company.id
        )
        foreign = self._subscription(plan, company_id=other_company.id)
        user = new_test_user(
            self.env, login="doors_sub_user", groups="recurring_billing.group_user"
        )
        reason = self.env["recurring.cancel.reason"].search([], limit=1)
        # The wizard would read back only the subscriptions the user may see, and
        # cancel nothing while saying nothing.
        for model, values in (
            ("recurring.cancel.wizard", {"reason_id": reason.id, "when": "now"}),
            ("recurring.pause.wizard", {}),
        ):
            with self.assertRefused(r"access to:\s+- Subscription"):
                self.env[model].with_user(user).create(
                    {"subscription_ids": foreign.ids, **values}
                )
        self.assertEqual(foreign.state, "draft")
