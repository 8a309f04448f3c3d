from odoo.tests import Form, tagged

from .sepa_common import OTHER_IBAN, SepaCommon


@tagged("post_install", "-at_install")
class TestSepaPartnerMandates(SepaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contact = cls.env["res.partner"].create(
            {"name": "Accounts department", "parent_id": cls.customer.id}
        )
        cls.revoked = cls._mandate(cls.customer, cls.customer_bank)
        cls.revoked.action_revoke()
        cls.other = cls.env["res.partner"].create({"name": "Other customer"})
        cls._mandate(cls.other, cls._bank_account(cls.other, OTHER_IBAN))

    def test_customer_counts_all_its_mandates(self):
        self.assertEqual(self.customer.sepa_mandate_count, 2)
        self.assertEqual(self.other.sepa_mandate_count, 1)
        self.assertEqual(
            self.env["res.partner"].create({"name": "New"}).sepa_mandate_count, 0
        )

    def test_contact_shows_the_mandates_of_its_company(self):
        self.assertEqual(self.contact.sepa_mandate_count, 2)

    def test_button_opens_the_customer_mandates_and_creates_for_it(self):
        action = self.contact.action_view_sepa_mandates()
        mandates = self.env["sepa.mandate"].search(action["domain"])
        self.assertEqual(mandates, self.mandate + self.revoked)
        self.assertEqual(len(mandates), self.contact.sepa_mandate_count)
        self.assertEqual(action["res_model"], "sepa.mandate")
        form = Form(self.env["sepa.mandate"].with_context(**action["context"]))
        self.assertEqual(form.partner_id, self.customer)
