from lxml import etree

from odoo import Command
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import RecurringCommon


@tagged("post_install", "-at_install")
class TestSubscriptionBackOffice(RecurringCommon):
    """What the back office sees of subscriptions: invoices, add-ons, failed payments."""

    def test_picking_an_add_on_product_fills_its_package(self):
        # Extra seat is an add-on of Pro at 5.00 a seat, at most 10.
        sub = self._subscription(self.plan_pro)
        with Form(sub) as form, form.line_ids.new() as line:
            line.product_id = self.product_seat
            line.quantity = 3
            self.assertEqual(line.addon_id, self.seat_addon)
        seat_line = sub.line_ids.filtered(lambda li: li.product_id == self.product_seat)
        self.assertEqual(seat_line.addon_id, self.seat_addon)
        self.assertEqual(seat_line.price_subtotal, 15.0)

    def test_a_product_that_is_no_add_on_of_the_plan_fills_no_package(self):
        # Extra seat is an add-on of Pro only: on Basic it is an ordinary line.
        sub = self._subscription(self.plan_basic)
        sub.line_ids = [Command.create({"product_id": self.product_seat.id})]
        self.assertFalse(sub.line_ids.addon_id)

    def test_invoices_can_be_filtered_and_grouped_by_subscription(self):
        arch = etree.fromstring(
            self.env["account.move"].get_views([(False, "search")])["views"]["search"][
                "arch"
            ]
        )
        self.assertTrue(arch.xpath("//field[@name='subscription_id']"))
        self.assertTrue(arch.xpath("//filter[@name='from_subscription']"))
        self.assertTrue(
            arch.xpath(
                "//filter[contains(@context, \"'group_by': 'subscription_id'\")]"
            )
        )

    def test_a_failed_payment_shows_on_the_list_and_has_a_filter(self):
        failed, paid = (
            self._subscription(self.plan_basic),
            self._subscription(self.plan_basic),
        )
        failed.sepa_payment_failed = True
        Subscription = self.env["recurring.subscription"]
        views = Subscription.get_views([(False, "list"), (False, "search")])["views"]
        search = etree.fromstring(views["search"]["arch"])
        [payment_failed] = search.xpath("//filter[@name='payment_failed']")
        domain = safe_eval(payment_failed.get("domain"))
        self.assertEqual(
            Subscription.search(domain + [("id", "in", (failed | paid).ids)]), failed
        )
        listed = etree.fromstring(views["list"]["arch"])
        self.assertEqual(
            listed.get("decoration-danger"), "sepa_payment_failed or dunning_id"
        )
        [badge] = listed.xpath("//field[@name='sepa_return_reason_code']")
        self.assertEqual(badge.get("widget"), "badge")
