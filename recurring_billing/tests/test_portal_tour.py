from odoo import fields
from odoo.tests import tagged

from .portal_common import PortalCommon


@tagged("post_install", "-at_install")
class TestPortalTour(PortalCommon):
    """The customer's path through the portal, in a headless browser, today.

    The subscription starts today, so its first period is paid in full and an
    upgrade from Basic 30 to Pro 50 on the same day bills the whole period: Pro 50,
    Basic unused −30, net 20.00 without tax.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_t = cls._portal_customer("Portal Tour Customer", "portal_t")
        cls.sub_t = cls._subscription(
            cls.plan_basic, fields.Date.today(), cls.customer_t
        )
        cls.sub_t.action_start()
        cls.sub_t.action_invoice_now()

    def _customer_messages(self):
        return self.sub_t.message_ids.filtered(
            lambda m: m.author_id == self.customer_t and "by the customer" in m.body
        )

    def test_upgrade_with_its_price_shown_first(self):
        self.start_tour(
            "/my/subscriptions", "recurring_portal_upgrade_tour", login="portal_t"
        )
        self.assertEqual(self.sub_t.plan_id, self.plan_pro)
        invoice = self.sub_t.invoice_ids.sorted("id")[-1]
        self.assertEqual(invoice.amount_untaxed, 20.0)
        self.assertEqual(len(self._customer_messages()), 1)

    def test_cancel_undo_and_pause(self):
        self.start_tour(
            "/my/subscriptions", "recurring_portal_cancel_pause_tour", login="portal_t"
        )
        self.assertRecordValues(
            self.sub_t, [{"state": "paused", "cancel_at_period_end": False}]
        )
        self.assertEqual(len(self._customer_messages()), 3)

    def test_more_seats_with_their_price_shown_first_then_a_mandate_and_new_iban(self):
        # Pro with no seat, started today: 2 seats for the whole period bill 10.00.
        customer = self._portal_customer("Portal Seats Customer", "portal_s")
        sub = self._subscription(self.plan_pro, fields.Date.today(), customer)
        sub.action_start()
        sub.action_invoice_now()
        self.start_tour(
            "/my/subscriptions", "recurring_portal_seats_mandate_tour", login="portal_s"
        )
        self.assertEqual(sub.line_ids.filtered("addon_id").quantity, 2)
        self.assertEqual(sub.invoice_ids.sorted("id")[-1].amount_untaxed, 10.0)
        self.assertRecordValues(
            sub.mandate_id, [{"state": "valid", "signed_online": True}]
        )
        self.assertEqual(sub.payment_method, "sepa")
        self.assertEqual(
            sub.mandate_id.partner_bank_id.sanitized_acc_number,
            "DE65100700000123456789",
        )
        # The signed form, then the confirmation of the new account.
        self.assertEqual(
            self.env["mail.mail"].search_count(
                [("model", "=", "sepa.mandate"), ("res_id", "=", sub.mandate_id.id)]
            ),
            2,
        )
