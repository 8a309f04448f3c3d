from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .sepa_common import CREDITOR_ID, OTHER_IBAN, SepaCommon


@tagged("post_install", "-at_install")
class TestSepaSettings(SepaCommon):
    def test_defaults(self):
        company = self.env["res.company"].create({"name": "New collector"})
        self.assertEqual(company.sepa_prenotification_days, 14)
        self.assertEqual(company.sepa_file_version, "pain.008.001.08")
        self.assertTrue(company.sepa_batch_booking)
        self.assertEqual(company.sepa_scheme, "core")

    def test_invalid_creditor_identifier_is_refused(self):
        with self.assertRefused(ValidationError, "check digits"):
            self.company.sepa_creditor_identifier = "DE99ZZZ09999999999"
        self.assertEqual(self.company.sepa_creditor_identifier, CREDITOR_ID)

    def test_creditor_identifier_too_long_is_refused_for_its_length(self):
        # The length is what is wrong: the check must see the value whole, not cut.
        too_long = "DE98ZZZ" + "9" * 40
        with self.assertRefused(ValidationError, "at most 35 characters"):
            self.company.sepa_creditor_identifier = too_long
        with self.assertRefused(ValidationError, "at most 35 characters"):
            self.env["res.company"].create(
                {"name": "Long collector", "sepa_creditor_identifier": too_long}
            )
        self.assertEqual(self.company.sepa_creditor_identifier, CREDITOR_ID)

    def test_creditor_identifier_is_stored_compact(self):
        self.company.sepa_creditor_identifier = "de98 zzz 09999999999"
        self.assertEqual(self.company.sepa_creditor_identifier, CREDITOR_ID)

    def test_collection_journal_gets_the_sepa_method(self):
        self.assertEqual(
            self.bank_journal._sepa_payment_method_line().payment_method_id,
            self.env.ref("recurring_billing.account_payment_method_sepa_in"),
        )
        self.assertEqual(
            self.company.sepa_bank_account_id, self.bank_journal.bank_account_id
        )

    def test_settings_write_the_company(self):
        settings = self.env["res.config.settings"].create(
            {"sepa_prenotification_days": 5, "sepa_file_version": "pain.008.001.02"}
        )
        settings.execute()
        self.assertEqual(self.company.sepa_prenotification_days, 5)
        self.assertEqual(self.company.sepa_file_version, "pain.008.001.02")


@tagged("post_install", "-at_install")
class TestSepaMandate(SepaCommon):
    def _count(self):
        return self.env["sepa.mandate"].search_count([])

    def test_reference_comes_from_the_sequence(self):
        self.assertRegex(self.mandate.name, r"^MD-\d{4}-\d{6}$")
        self.assertEqual(self.mandate.state, "valid")
        self.assertEqual(self.mandate._sequence_type(), "FRST")

    def test_invalid_iban_is_refused(self):
        count = self._count()
        bank = self._bank_account(self.customer, "DE02120300000000202052")
        with self.assertRefused(ValidationError, "not a valid IBAN"):
            self._mandate(self.customer, bank, validate=False)
        self.assertEqual(self._count(), count)

    def test_umr_too_long_is_refused(self):
        count = self._count()
        with self.assertRefused(ValidationError, "36 characters long"):
            self._mandate(self.customer, self.customer_bank, name="M" * 36)
        self.assertEqual(self._count(), count)

    def test_umr_with_illegal_characters_is_refused(self):
        count = self._count()
        with self.assertRefused(ValidationError, "contains '_'"):
            self._mandate(self.customer, self.customer_bank, name="MANDATE_1")
        with self.assertRefused(ValidationError, "contains 'é'"):
            self._mandate(self.customer, self.customer_bank, name="MANDATé")
        self.assertEqual(self._count(), count)

    def test_duplicate_umr_is_refused(self):
        count = self._count()
        with self.assertRefused(ValidationError, "already has the reference"):
            self._mandate(self.customer, self.customer_bank, name=self.mandate.name)
        self.assertEqual(self._count(), count)

    def test_same_umr_in_another_company_is_accepted(self):
        other = self.setup_other_company()["company"]
        mandate = self._mandate(
            self.customer,
            self.customer_bank,
            validate=False,
            name=self.mandate.name,
            company_id=other.id,
        )
        self.assertEqual(mandate.name, self.mandate.name)

    def test_bank_account_of_another_customer_is_refused(self):
        other = self.env["res.partner"].create({"name": "Someone else"})
        bank = self._bank_account(other, OTHER_IBAN)
        with self.assertRefused(ValidationError, "belongs to Someone else"):
            self._mandate(self.customer, bank, validate=False)

    def test_validation_needs_the_signature_date(self):
        mandate = self._mandate(
            self.customer, self.customer_bank, validate=False, date_signature=False
        )
        with self.assertRefused(UserError, "signed"):
            mandate.action_validate()
        self.assertEqual(mandate.state, "draft")

    def test_states(self):
        self.mandate.action_revoke()
        self.assertEqual(self.mandate.state, "revoked")
        with self.assertRaises(UserError):
            self.mandate.action_validate()
        draft = self._mandate(self.customer, self.customer_bank, validate=False)
        draft.action_cancel()
        draft.action_draft()
        self.assertEqual(draft.state, "draft")

    def test_amendments_are_kept_until_the_next_collection(self):
        self.mandate._register_collection(date(2026, 1, 5))
        old_umr = self.mandate.name
        self.mandate.name = "NEW-REF-1"
        # Another account at the same bank (Bankleitzahl 12030000).
        self.mandate.partner_bank_id = self._bank_account(
            self.customer, "DE45120300001234567890"
        )
        self.company.sepa_creditor_identifier = "FR72ZZZ123456"
        amendment = self.mandate._amendment()
        self.assertEqual(amendment.original_umr, old_umr)
        self.assertEqual(amendment.original_debtor_iban, "DE02120300000000202051")
        self.assertEqual(amendment.original_creditor_id, CREDITOR_ID)
        self.mandate._register_collection(date(2026, 2, 5))
        self.assertIsNone(self.mandate._amendment())
        self.assertEqual(self.mandate.date_last_collection, date(2026, 2, 5))
        self.assertEqual(self.mandate._sequence_type(), "RCUR")

    def test_changes_before_the_first_collection_are_not_amendments(self):
        self.mandate.name = "NEW-REF-2"
        self.assertIsNone(self.mandate._amendment())

    def test_one_off_mandate_is_used_once(self):
        mandate = self._mandate(
            self.customer, self.customer_bank, mandate_type="oneoff"
        )
        self.assertEqual(mandate._sequence_type(), "OOFF")
        mandate._register_collection(date(2026, 1, 5))
        self.assertEqual(mandate.state, "expired")

    @freeze_time("2029-02-10")
    def test_cron_expires_mandates_unused_for_36_months(self):
        self.mandate._register_collection(date(2026, 2, 9))
        recent = self._mandate(self.customer, self.customer_bank)
        recent._register_collection(date(2026, 2, 11))
        never_used = self._mandate(self.customer, self.customer_bank)
        self.env["sepa.mandate"]._cron_expire()
        self.assertEqual(self.mandate.state, "expired")
        self.assertEqual(recent.state, "valid")
        self.assertEqual(never_used.state, "expired")

    def test_printed_form_in_english_and_french(self):
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "recurring_billing.sepa_mandate_report_action", self.mandate.ids
            )[0]
            .decode()
        )
        self.assertIn(self.mandate.name, html)
        self.assertIn(CREDITOR_ID, html)
        self.assertIn("By signing this mandate form", html)
        self.assertIn("En signant ce formulaire de mandat", html)
