from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .sepa_common import OTHER_IBAN, SepaCommon


@tagged("post_install", "-at_install")
class TestSepaSubscription(SepaCommon):
    def test_valid_mandate_of_the_customer_is_chosen(self):
        sub = self._subscription(self.plan_basic, payment_method="sepa")
        self.assertEqual(sub.mandate_id, self.mandate)
        sub.action_start()
        self.assertEqual(sub.state, "active")

    def test_start_without_mandate_is_refused(self):
        customer = self.env["res.partner"].create(
            {"name": "No mandate", "street": "1 Road", "city": "Lille"}
        )
        sub = self._subscription(
            self.plan_basic, partner=customer, payment_method="sepa"
        )
        with self.assertRefused(UserError, "has no valid mandate"):
            sub.action_start()
        self.assertEqual(sub.state, "draft")

    def test_mandate_of_another_customer_is_refused(self):
        other = self.env["res.partner"].create({"name": "Other customer"})
        other_mandate = self._mandate(other, self._bank_account(other, OTHER_IBAN))
        sub = self._subscription(self.plan_basic, payment_method="sepa")
        with self.assertRefused(ValidationError, "not by Customer A"):
            sub.mandate_id = other_mandate
        self.assertEqual(sub.mandate_id, self.mandate)

    def test_mandate_of_another_company_is_refused(self):
        other_company = self.setup_other_company()["company"]
        mandate = self._mandate(
            self.customer, self.customer_bank, company_id=other_company.id
        )
        sub = self._subscription(self.plan_basic, payment_method="sepa")
        with self.assertRaises(UserError):
            sub.mandate_id = mandate
        self.assertEqual(sub.mandate_id, self.mandate)

    def test_revoked_mandate_is_refused(self):
        sub = self._subscription(self.plan_basic, payment_method="sepa")
        revoked = self._mandate(self.customer, self.customer_bank)
        revoked.action_revoke()
        with self.assertRefused(ValidationError, "is Revoked"):
            sub.mandate_id = revoked

    def test_create_mandate_from_the_subscription(self):
        customer = self.env["res.partner"].create({"name": "New customer"})
        bank = self._bank_account(customer, OTHER_IBAN)
        sub = self._subscription(
            self.plan_basic, partner=customer, payment_method="sepa"
        )
        action = sub.action_create_mandate()
        mandate = self.env["sepa.mandate"].browse(action["res_id"])
        self.assertEqual(mandate.state, "draft")
        self.assertEqual(mandate.partner_bank_id, bank)
        mandate.date_signature = "2026-01-05"
        mandate.action_validate()
        self.assertEqual(sub.mandate_id, mandate)
        self.assertEqual(sub.action_view_mandate()["res_id"], mandate.id)
