import xmlrpc.client
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .sepa_common import CUSTOMER_IBAN, OTHER_IBAN, SepaCommon, parse

# Accounts at the bank of CUSTOMER_IBAN (Bankleitzahl 12030000) and at another one.
SAME_BANK_IBAN = "DE45120300001234567890"
OTHER_BANK_IBAN = "DE65100700000123456789"
TURKISH_IBAN = "TR330006100519786457841326"
AMENDMENT = "p:DrctDbtTx/p:MndtRltdInf/p:AmdmntInfDtls/p:OrgnlDbtrAcct/p:Id/"


@tagged("post_install", "-at_install")
class TestSepaMandateChecks(SepaCommon):
    """What a mandate accepts, through the form, the bank account or the API."""

    def _count(self):
        return self.env["sepa.mandate"].search_count([])

    def test_mandate_on_an_iban_outside_sepa_is_refused(self):
        count = self._count()
        bank = self._bank_account(self.customer, TURKISH_IBAN)
        with self.assertRefused(ValidationError, "TR, outside the SEPA area"):
            self._mandate(self.customer, bank, validate=False)
        self.assertEqual(self._count(), count)

    @freeze_time("2026-03-02")
    def test_file_with_an_account_outside_sepa_is_refused(self):
        # An account written before mandates were checked, straight in the database.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner_bank SET acc_number = %s WHERE id = %s",
            (TURKISH_IBAN, self.customer_bank.id),
        )
        self.env.invalidate_all()
        self._invoice(100.0, date(2026, 3, 10))
        batch = self._batch(date(2026, 3, 31))
        batch.action_select_invoices()
        with self.assertRefused(UserError, "TR, outside the SEPA area"):
            batch.action_generate()
        self.assertFalse(batch.attachment_id)

    def test_mandate_created_valid_is_refused(self):
        count = self._count()
        bank = self._bank_account(self.customer, SAME_BANK_IBAN)
        for values in ({"state": "valid"}, {"end_after_next_collection": True}):
            with self.assertRefused(UserError, "use the buttons of the mandate|button"):
                self._mandate(self.customer, bank, validate=False, **values)
        self.assertEqual(self._count(), count)

    def test_mandate_with_an_unknown_scheme_is_refused(self):
        count = self._count()
        with self.assertRefused(
            ValidationError,
            r"Scheme \(scheme\) of a SEPA Direct Debit Mandate cannot be 'instant'",
        ):
            self._mandate(
                self.customer, self.customer_bank, validate=False, scheme="instant"
            )
        self.assertEqual(self._count(), count)

    def test_malformed_bic_on_a_mandate_is_refused(self):
        count = self._count()
        bad_bank = self.env["res.bank"].create({"name": "Typo bank", "bic": "COBAD3FF"})
        bank = self._bank_account(self.customer, SAME_BANK_IBAN)
        bank.bank_id = bad_bank
        with self.assertRefused(ValidationError, "'COBAD3FF' is not a valid BIC"):
            self._mandate(self.customer, bank, validate=False)
        self.assertEqual(self._count(), count)
        with self.assertRefused(ValidationError, "'COBAD3FF' is not a valid BIC"):
            self.customer_bank.bank_id = bad_bank
        self.assertFalse(self.customer_bank.bank_id)

    def test_malformed_bic_written_on_the_bank_of_a_mandate_is_refused(self):
        # The BIC of an account is its bank's: written there, or through the account.
        bank = self.env["res.bank"].create(
            {"name": "Commerzbank", "bic": "COBADEFFXXX"}
        )
        self.customer_bank.bank_id = bank
        for record, field in ((bank, "bic"), (self.customer_bank, "bank_bic")):
            with self.assertRefused(ValidationError, "'NOT A BIC' is not a valid BIC"):
                record[field] = "NOT A BIC"
        self.assertEqual(bank.bic, "COBADEFFXXX")

    def test_iban_with_a_bad_checksum_under_a_valid_mandate_is_refused(self):
        with self.assertRefused(ValidationError, "check digits do not match"):
            self.customer_bank.acc_number = "DE02120300000000202052"
        self.assertEqual(self.customer_bank.sanitized_acc_number, CUSTOMER_IBAN)
        self.assertIsNone(self.mandate._amendment())

    @freeze_time("2026-03-02")
    def test_new_iban_at_the_same_bank_is_reported_with_the_original_account(self):
        self.mandate._register_collection(date(2026, 2, 2))
        self.customer_bank.acc_number = SAME_BANK_IBAN
        self.assertEqual(self.mandate.previous_iban, CUSTOMER_IBAN)
        self.assertFalse(self.mandate.amendment_smnda)
        self._invoice(100.0, date(2026, 3, 10))
        batch = self._batch(date(2026, 3, 31))
        batch.action_select_invoices()
        batch.action_generate()
        root, ns = parse(batch.attachment_id.raw)
        (debit,) = root.iterfind(".//p:DrctDbtTxInf", ns)
        self.assertEqual(
            debit.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=ns), SAME_BANK_IBAN
        )
        self.assertEqual(
            debit.findtext(AMENDMENT + "p:IBAN", namespaces=ns), CUSTOMER_IBAN
        )

    def test_new_iban_at_another_bank_is_reported_as_smnda(self):
        self.mandate._register_collection(date(2026, 2, 2))
        self.customer_bank.acc_number = OTHER_BANK_IBAN
        self.assertTrue(self.mandate.amendment_smnda)
        self.assertFalse(self.mandate.previous_iban)

    def test_account_at_another_bank_without_bic_is_reported_as_smnda(self):
        self.mandate._register_collection(date(2026, 2, 2))
        self.mandate.partner_bank_id = self._bank_account(
            self.customer, OTHER_BANK_IBAN
        )
        amendment = self.mandate._amendment()
        self.assertTrue(amendment.smnda)
        self.assertIsNone(amendment.original_debtor_iban)

    def test_account_at_the_same_bank_without_bic_reports_the_original_iban(self):
        self.mandate._register_collection(date(2026, 2, 2))
        self.mandate.partner_bank_id = self._bank_account(self.customer, SAME_BANK_IBAN)
        amendment = self.mandate._amendment()
        self.assertFalse(amendment.smnda)
        self.assertEqual(amendment.original_debtor_iban, CUSTOMER_IBAN)

    def test_account_given_a_bic_at_another_bank_is_reported_as_smnda(self):
        self.mandate._register_collection(date(2026, 2, 2))
        bank = self.env["res.bank"].create({"name": "BNP", "bic": "BNPAFRPPXXX"})
        new_account = self._bank_account(self.customer, OTHER_IBAN)
        new_account.bank_id = bank
        self.mandate.partner_bank_id = new_account
        self.assertTrue(self.mandate._amendment().smnda)

    def test_revoked_mandate_written_back_to_valid_is_refused(self):
        self.mandate.action_revoke()
        with self.assertRefused(UserError, "use the buttons of the mandate"):
            self.mandate.write({"state": "valid"})
        self.assertEqual(self.mandate.state, "revoked")
        draft = self._mandate(self.customer, self.customer_bank, validate=False)
        with self.assertRefused(UserError, "use the buttons of the mandate"):
            draft.write({"state": "valid"})
        self.assertEqual(draft.state, "draft")


@tagged("post_install", "-at_install")
class TestSepaActionsOverRpc(SepaCommon):
    """The buttons of mandates and batches answer something XML-RPC can send."""

    def assertMarshallable(self, result):
        self.assertIsNotNone(result)
        xmlrpc.client.dumps((result,), allow_none=False)

    def test_mandate_actions_return_a_marshallable_result(self):
        mandate = self._mandate(self.customer, self.customer_bank, validate=False)
        self.assertMarshallable(mandate.action_validate())
        self.assertMarshallable(mandate.action_revoke())
        draft = self._mandate(self.customer, self.customer_bank, validate=False)
        self.assertMarshallable(draft.action_cancel())
        self.assertMarshallable(draft.action_draft())
        self.assertEqual((mandate + draft).mapped("state"), ["revoked", "draft"])

    def test_ending_a_mandate_after_its_next_collection_returns_true(self):
        self.assertMarshallable(self.mandate.action_end_after_next_collection())
        self.assertTrue(self.mandate.end_after_next_collection)

    @freeze_time("2026-03-02")
    def test_batch_actions_return_a_marshallable_result(self):
        self._invoice(100.0, date(2026, 3, 10))
        batch = self._batch(date(2026, 3, 31))
        self.assertMarshallable(batch.action_select_invoices())
        self.assertMarshallable(batch.action_generate())
        self.assertMarshallable(batch.action_draft())
        self.assertMarshallable(batch.action_cancel())
        self.assertEqual(batch.state, "cancelled")
