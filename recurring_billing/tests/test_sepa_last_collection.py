from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from ..engine.sepa_file import validate_pain008
from .sepa_common import SepaCommon, parse

ENDED = "Mandate .* ended with its last collection .* sign a new mandate"


@tagged("post_install", "-at_install")
class TestSepaLastCollection(SepaCommon):
    """The back office ends a recurrent mandate with a last collection (FNAL)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Collected once already: its next collections are recurring.
        cls.mandate._register_collection(date(2026, 2, 16))
        # Due on 10 March; pre-notified on 2 March, collected on Monday 16 March.
        cls.invoice = cls._invoice(100.0, date(2026, 3, 10))

    def _generate(self, version="pain.008.001.08"):
        batch = self._batch(date(2026, 3, 31), file_version=version)
        batch.action_select_invoices()
        batch.action_generate()
        return batch

    def _collect(self):
        batch = self._generate()
        batch.action_confirm_sent()
        return batch.line_ids

    def _sequence_types(self, batch):
        root, ns = parse(batch.attachment_id.raw)
        return root.xpath("//p:PmtTpInf/p:SeqTp/text()", namespaces=ns)

    def _reject(self, line, code="AM04"):
        wizard = (
            self.env["sepa.return.wizard"]
            .with_context(**line.action_return()["context"])
            .create({"reason_code": code, "date_return": date(2026, 3, 10)})
        )
        wizard.action_confirm()

    @freeze_time("2026-03-02")
    def test_last_collection_is_fnal_in_both_file_versions(self):
        self.assertIs(self.mandate.action_end_after_next_collection(), True)
        self.assertEqual(self.mandate._sequence_type(), "FNAL")
        for version in ("pain.008.001.08", "pain.008.001.02"):
            batch = self._generate(version)
            validate_pain008(batch.attachment_id.raw, version)
            self.assertEqual(self._sequence_types(batch), ["FNAL"])
            self.assertEqual(batch.line_ids.sequence_type, "fnal")
            batch.action_draft()
            batch.action_cancel()
        self.assertEqual(self.mandate.state, "valid")

    def test_mandate_expires_once_its_last_collection_is_sent(self):
        self.mandate.action_end_after_next_collection()
        with freeze_time("2026-03-02"):
            line = self._collect()
        self.assertEqual(line.sequence_type, "fnal")
        self.assertEqual(self.mandate.state, "expired")
        self.assertEqual(self.mandate.date_last_collection, date(2026, 3, 16))

    def test_debit_after_the_last_collection_is_refused(self):
        self.mandate.action_end_after_next_collection()
        with freeze_time("2026-03-02"):
            line = self._collect()
        later = self._invoice(60.0, date(2026, 4, 10))
        with freeze_time("2026-03-20"):
            with self.assertRefused(UserError, ENDED):
                later.action_sepa_collect()
            vals = {
                **self._batch(date(2026, 4, 30))._prepare_line_vals(later),
                "mandate_id": self.mandate.id,
            }
            with self.assertRefused(ValidationError, ENDED):
                self.env["sepa.debit.batch.line"].create(vals)
            with self.assertRefused(UserError, "No invoice to collect"):
                self._batch(date(2026, 4, 30)).action_select_invoices()
        self.assertEqual(self.mandate.batch_line_ids, line)

    @freeze_time("2026-03-02")
    def test_second_debit_while_the_last_collection_waits_is_refused(self):
        second = self._invoice(40.0, date(2026, 3, 12))
        self.mandate.action_end_after_next_collection()
        batch = self._batch(date(2026, 3, 31))
        batch.action_select_invoices()
        # Only the first invoice due gets the last collection.
        self.assertEqual(batch.line_ids.invoice_id, self.invoice)
        with self.assertRefused(ValidationError, "ends after its next collection"):
            batch._add_lines(second)
        with self.assertRefused(ValidationError, "ends after its next collection"):
            self._batch(date(2026, 3, 31))._add_lines(second)
        self.assertEqual(self.mandate.batch_line_ids.invoice_id, self.invoice)

    def test_rejected_last_collection_keeps_the_mandate_for_its_retry(self):
        self.mandate.action_end_after_next_collection()
        with freeze_time("2026-03-02"):
            line = self._collect()
        with freeze_time("2026-03-10"):
            self._reject(line)
        self.assertEqual(self.mandate.state, "valid")
        self.assertTrue(self.mandate.end_after_next_collection)
        self.assertEqual(self.mandate._sequence_type(), "FNAL")
        with freeze_time("2026-03-18"):
            retry = self._collect()
        self.assertEqual(
            (retry.invoice_id, retry.sequence_type), (self.invoice, "fnal")
        )
        self.assertEqual(self.mandate.state, "expired")

    def test_last_collection_rejected_for_no_mandate_leaves_the_mandate_ended(self):
        self.mandate.action_end_after_next_collection()
        with freeze_time("2026-03-02"):
            line = self._collect()
        with freeze_time("2026-03-10"):
            self._reject(line, "MD01")
        self.assertEqual(self.mandate.state, "expired")
        self.assertTrue(self.invoice.sepa_no_retry)

    @freeze_time("2026-03-02")
    def test_file_generated_before_the_end_keeps_its_rcur_and_the_mandate(self):
        batch = self._generate()
        self.mandate.action_end_after_next_collection()
        batch.action_confirm_sent()
        self.assertEqual(batch.line_ids.sequence_type, "rcur")
        self.assertEqual(self.mandate.state, "valid")
        self.assertEqual(self.mandate._sequence_type(), "FNAL")

    @freeze_time("2026-03-02")
    def test_mandate_never_collected_ends_with_one_fnal_collection(self):
        self.mandate.action_revoke()
        first = self._mandate(self.customer, self.customer_bank)
        first.action_end_after_next_collection()
        batch = self._generate()
        self.assertEqual(self._sequence_types(batch), ["FNAL"])
        batch.action_confirm_sent()
        self.assertEqual(first.state, "expired")

    def test_only_a_valid_recurrent_mandate_ends_after_its_next_collection(self):
        one_off = self._mandate(
            self.customer, self.customer_bank, mandate_type="oneoff"
        )
        with self.assertRefused(UserError, "one-off mandate"):
            one_off.action_end_after_next_collection()
        draft = self._mandate(self.customer, self.customer_bank, validate=False)
        with self.assertRefused(UserError, "is draft: it cannot be ended"):
            draft.action_end_after_next_collection()
        self.assertFalse(one_off.end_after_next_collection)
        self.assertFalse(draft.end_after_next_collection)

    @freeze_time("2026-03-02")
    def test_ending_with_two_debits_waiting_is_refused(self):
        second = self._invoice(40.0, date(2026, 3, 12))
        self._batch(date(2026, 3, 31)).action_select_invoices()
        self.assertEqual(len(self.mandate.batch_line_ids), 2)
        with self.assertRefused(UserError, "2 debits waiting to be sent"):
            self.mandate.action_end_after_next_collection()
        self.assertFalse(self.mandate.end_after_next_collection)
        self.assertIn(second, self.mandate.batch_line_ids.invoice_id)

    @freeze_time("2029-03-02")
    def test_mandate_unused_for_36_months_expires_without_its_last_collection(self):
        self.mandate.action_end_after_next_collection()
        self.env["sepa.mandate"]._cron_expire()
        self.assertEqual(self.mandate.state, "expired")
        self.assertFalse(self.mandate.end_after_next_collection)
        with self.assertRefused(ValidationError, "is Expired: it cannot be collected"):
            self.mandate._check_usable()

    def test_end_written_directly_is_refused(self):
        with self.assertRefused(UserError, "button End After Next Collection"):
            self.mandate.write({"end_after_next_collection": True})
        self.assertFalse(self.mandate.end_after_next_collection)
        self.assertEqual(self.mandate._sequence_type(), "RCUR")
