from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon


@tagged("post_install", "-at_install")
class TestSubscriptionTour(AccountTestInvoicingHttpCommon):
    """The back-office path through the real web client, in a headless browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        manager = cls.env.ref("recurring_billing.group_manager")
        cls.env.user.groups_id += manager
        cls.env.ref("base.user_admin").write(
            {
                "company_id": cls.env.company.id,
                "company_ids": [Command.link(cls.env.company.id)],
                "groups_id": [Command.link(manager.id)],
            }
        )
        product = cls._create_product(name="Tour Pro", lst_price=49.0, taxes_id=[])
        cls.plan = cls.env["recurring.plan"].create(
            {
                "name": "Tour Pro",
                "code": "TOUR",
                "line_ids": [
                    Command.create({"product_id": product.id, "price_unit": 49.0})
                ],
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Tour Customer", "street": "2 rue du Port", "city": "Nantes"}
        )

    def test_sign_up_invoice_and_cancel_at_period_end(self):
        self.start_tour(
            "/odoo", "recurring_subscription_tour", login="admin", timeout=120
        )
        subscription = self.env["recurring.subscription"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertRecordValues(
            subscription,
            [
                {
                    "plan_id": self.plan.id,
                    "state": "active",
                    "cancel_at_period_end": True,
                }
            ],
        )
        today = fields.Date.context_today(subscription)
        invoice = subscription.invoice_ids
        self.assertRecordValues(
            invoice,
            [
                {
                    "partner_id": self.customer.id,
                    "amount_untaxed": 49.0,
                    "invoice_date": today,
                    "invoice_origin": subscription.name,
                }
            ],
        )
        self.assertEqual(subscription.cancel_reason_id.name, "Too expensive")
