import functools
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from ..engine.sepa_file import validate_pain008
from .sepa_common import OTHER_IBAN, SepaCommon, parse


@tagged("post_install", "-at_install")
@freeze_time("2026-03-02")
class TestSepaDebitBatch(SepaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.usd = cls.setup_other_currency("USD")
        cls.no_mandate = cls.env["res.partner"].create({"name": "No mandate"})

    def _lines(self):
        return self.env["sepa.debit.batch.line"].search_count([])

    def test_batch_collects_due_invoices_of_mandated_customers(self):
        early = self._invoice(100.0, date(2026, 3, 10))
        late = self._invoice(50.5, date(2026, 3, 20))
        self._invoice(70.0, date(2026, 4, 30))
        self._invoice(80.0, date(2026, 3, 10), partner=self.no_mandate)
        self._invoice(90.0, date(2026, 3, 10), currency=self.usd)
        batch = self._batch(date(2026, 3, 31))
        batch.action_select_invoices()
        self.assertEqual(batch.line_ids.invoice_id, early + late)
        self.assertEqual(batch.amount_total, 150.5)
        by_invoice = {line.invoice_id: line for line in batch.line_ids}
        # Due on the 10th, but the customer is told 14 days before: the 16th.
        self.assertEqual(by_invoice[early].date_collection, date(2026, 3, 16))
        self.assertEqual(by_invoice[late].date_collection, date(2026, 3, 20))
        self.assertEqual(set(batch.line_ids.mapped("sequence_type")), {"frst"})

        batch.action_generate()
        self.assertEqual(batch.state, "generated")
        xml = batch.attachment_id.raw
        validate_pain008(xml, "pain.008.001.08")
        root, ns = parse(xml)
        self.assertEqual(root.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=ns), "2")
        self.assertEqual(
            root.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=ns), "150.50"
        )
        self.assertEqual(len(root.findall(".//p:PmtInf", ns)), 2)
        self.assertEqual(
            sorted(root.xpath("//p:EndToEndId/text()", namespaces=ns)),
            sorted([early.name, late.name]),
        )
        self.assertEqual(
            sorted(root.xpath("//p:RmtInf/p:Ustrd/text()", namespaces=ns)),
            sorted([early.name, late.name]),
        )
        self.assertEqual(early.sepa_date_prenotified, date(2026, 3, 2))
        self.assertEqual(early.sepa_date_collection_planned, date(2026, 3, 16))
        self.assertEqual(batch.action_download()["type"], "ir.actions.act_url")

    def test_file_reports_the_mandate_account_holder_bic_and_amendment(self):
        self.mandate.sequence_state = "recurring"
        bank = self.env["res.bank"].create({"name": "BNP", "bic": "BNPAFRPPXXX"})
        new_account = self._bank_account(self.customer, OTHER_IBAN)
        new_account.write({"bank_id": bank.id, "acc_holder_name": "Zoë Ærøskøbing"})
        self.mandate.partner_bank_id = new_account
        invoice = self._invoice(42.5, date(2026, 3, 20))
        batch = self._batch(date(2026, 3, 31))
        batch.action_select_invoices()
        batch.action_generate()
        root, ns = parse(batch.attachment_id.raw)
        (transaction,) = root.iterfind(".//p:DrctDbtTxInf", ns)
        text = functools.partial(transaction.findtext, namespaces=ns)
        self.assertEqual(text("p:PmtId/p:EndToEndId"), invoice.name)
        self.assertEqual(text("p:InstdAmt"), "42.50")
        self.assertEqual(text("p:Dbtr/p:Nm"), "Zoe AEroskobing")
        self.assertEqual(text("p:DbtrAcct/p:Id/p:IBAN"), OTHER_IBAN)
        self.assertEqual(text("p:DbtrAgt/p:FinInstnId/p:BICFI"), "BNPAFRPPXXX")
        info = "p:DrctDbtTx/p:MndtRltdInf/"
        self.assertEqual(text(info + "p:MndtId"), self.mandate.name)
        self.assertEqual(text(info + "p:DtOfSgntr"), "2025-06-01")
        self.assertEqual(text(info + "p:AmdmntInd"), "true")
        # From a German account to one at BNP in France: another bank, SMNDA.
        self.assertEqual(
            text(info + "p:AmdmntInfDtls/p:OrgnlDbtrAcct/p:Id/p:Othr/p:Id"), "SMNDA"
        )
        self.assertEqual(root.findtext(".//p:PmtTpInf/p:SeqTp", namespaces=ns), "RCUR")

    def test_core_and_b2b_debits_are_separate_blocks_of_one_file(self):
        business = self.env["res.partner"].create({"name": "Business customer"})
        self._mandate(business, self._bank_account(business, OTHER_IBAN), scheme="b2b")
        self._invoice(100.0, date(2026, 3, 10))
        self._invoice(70.0, date(2026, 3, 10), partner=business)
        batch = self._batch(date(2026, 3, 31))
        batch.action_select_invoices()
        batch.action_generate()
        root, ns = parse(batch.attachment_id.raw)
        blocks = {
            block.findtext("p:PmtTpInf/p:LclInstrm/p:Cd", namespaces=ns): (
                block.findtext("p:ReqdColltnDt", namespaces=ns),
                block.findtext("p:CtrlSum", namespaces=ns),
            )
            for block in root.iterfind(".//p:PmtInf", ns)
        }
        # Same collection date and sequence type, two schemes: two blocks.
        self.assertEqual(
            blocks,
            {"CORE": ("2026-03-16", "100.00"), "B2B": ("2026-03-16", "70.00")},
        )

    def test_collect_selected_invoices(self):
        first = self._invoice(100.0, date(2026, 3, 10))
        second = self._invoice(40.0, date(2026, 4, 30))
        action = (first + second).action_sepa_collect()
        batch = self.env["sepa.debit.batch"].browse(action["res_id"])
        self.assertEqual(batch.state, "draft")
        self.assertEqual(batch.line_ids.invoice_id, first + second)
        self.assertEqual(batch.amount_total, 140.0)

    def test_batch_form(self):
        self._invoice(100.0, date(2026, 3, 10))
        with Form(self.env["sepa.debit.batch"]) as form:
            form.date_due_to = date(2026, 3, 31)
            self.assertEqual(form.journal_id, self.bank_journal)
            self.assertEqual(form.file_version, "pain.008.001.08")
        form.record.action_select_invoices()
        self.assertEqual(form.record.line_count, 1)

    def test_file_version_02(self):
        self._invoice(100.0, date(2026, 3, 10))
        batch = self._batch(date(2026, 3, 31), file_version="pain.008.001.02")
        batch.action_select_invoices()
        batch.action_generate()
        validate_pain008(batch.attachment_id.raw, "pain.008.001.02")

    def test_batch_without_eligible_invoice_is_refused(self):
        self._invoice(70.0, date(2026, 4, 30))
        batch = self._batch(date(2026, 3, 31))
        with self.assertRefused(UserError, "No invoice to collect"):
            batch.action_select_invoices()
        self.assertFalse(batch.line_ids)

    def test_non_eur_invoice_is_refused(self):
        invoice = self._invoice(90.0, date(2026, 3, 10), currency=self.usd)
        batch = self._batch(date(2026, 3, 31))
        with self.assertRefused(ValidationError, "collect euros only"):
            batch._add_lines(invoice)
        self.assertEqual(self._lines(), 0)

    def test_invoice_of_customer_without_mandate_is_refused(self):
        invoice = self._invoice(80.0, date(2026, 3, 10), partner=self.no_mandate)
        batch = self._batch(date(2026, 3, 31))
        with self.assertRefused(ValidationError, "has no valid SEPA mandate"):
            batch._add_lines(invoice)
        self.assertEqual(self._lines(), 0)

    def test_invoice_already_in_another_batch_is_refused(self):
        invoice = self._invoice(70.0, date(2026, 3, 10))
        first = self._batch(date(2026, 3, 31))
        first._add_lines(invoice)
        second = self._batch(date(2026, 3, 31))
        with self.assertRefused(ValidationError, "is already in debit batch"):
            second._add_lines(invoice)
        self.assertEqual(second.line_ids.invoice_id.ids, [])
        self.assertEqual(first.line_ids.invoice_id, invoice)

    def _line_vals(self, invoice, **values):
        batch = self._batch(date(2026, 3, 31))
        return {**batch._prepare_line_vals(invoice), **values}

    def test_zero_or_negative_amount_is_refused(self):
        invoice = self._invoice(100.0, date(2026, 3, 10))
        for amount in (0.0, -5.0):
            with self.assertRefused(ValidationError, "amount above zero"):
                self.env["sepa.debit.batch.line"].create(
                    self._line_vals(invoice, amount=amount)
                )
        self.assertEqual(self._lines(), 0)

    def test_end_to_end_id_outside_the_sepa_rules_is_refused(self):
        invoice = self._invoice(100.0, date(2026, 3, 10))
        for e2e_id, error in (
            ("E2E-" + "7" * 40, "44 characters long; at most 35"),
            ("ΧΡΕΩΣΗ-2026", "contains .*'Ρ'"),
        ):
            with self.assertRefused(ValidationError, f"end-to-end id .*{error}"):
                self.env["sepa.debit.batch.line"].create(
                    self._line_vals(invoice, end_to_end_id=e2e_id)
                )
        self.assertEqual(self._lines(), 0)

    def test_state_of_a_batch_or_debit_written_directly_is_refused(self):
        # What an integration could send to skip the file, the sending or the bank.
        invoice = self._invoice(100.0, date(2026, 3, 10))
        message = "state of a .* follows its life"
        with self.assertRefused(UserError, message):
            self._batch(date(2026, 3, 31), state="sent")
        with self.assertRefused(UserError, message):
            self.env["sepa.debit.batch.line"].create(
                self._line_vals(invoice, state="collected")
            )
        batch = self._batch(date(2026, 3, 31))
        batch._add_lines(invoice)
        with self.assertRefused(UserError, message):
            batch.state = "sent"
        with self.assertRefused(UserError, message):
            batch.line_ids.write({"state": "collected"})
        self.assertEqual(batch.state, "draft")
        self.assertEqual(batch.line_ids.state, "draft")
        self.assertEqual(self._lines(), 1)

    def test_unusable_mandates_are_refused(self):
        invoice = self._invoice(100.0, date(2026, 3, 10))
        expired = self._mandate(self.customer, self.customer_bank)
        expired._set_state("expired")
        revoked = self._mandate(self.customer, self.customer_bank)
        revoked.action_revoke()
        cancelled = self._mandate(self.customer, self.customer_bank)
        cancelled.action_cancel()
        for mandate, state in (
            (expired, "Expired"),
            (revoked, "Revoked"),
            (cancelled, "Cancelled"),
        ):
            with self.assertRefused(ValidationError, f"is {state}"):
                self.env["sepa.debit.batch.line"].create(
                    self._line_vals(invoice, mandate_id=mandate.id)
                )
        self.assertEqual(self._lines(), 0)

    def test_mandate_of_another_customer_is_refused(self):
        other = self.env["res.partner"].create({"name": "Other customer"})
        other_mandate = self._mandate(other, self._bank_account(other, OTHER_IBAN))
        invoice = self._invoice(100.0, date(2026, 3, 10))
        with self.assertRefused(ValidationError, "not by Customer A"):
            self.env["sepa.debit.batch.line"].create(
                self._line_vals(invoice, mandate_id=other_mandate.id)
            )
        self.assertEqual(self._lines(), 0)

    def test_mandate_of_another_company_is_refused(self):
        other_company = self.setup_other_company()["company"]
        mandate = self._mandate(
            self.customer, self.customer_bank, company_id=other_company.id
        )
        invoice = self._invoice(100.0, date(2026, 3, 10))
        with self.assertRaises(UserError):
            self.env["sepa.debit.batch.line"].create(
                self._line_vals(invoice, mandate_id=mandate.id)
            )
        self.assertEqual(self._lines(), 0)

    def test_collection_date_in_the_past_is_refused(self):
        with self.assertRefused(ValidationError, "in the past"):
            self._batch(date(2026, 3, 31), date_collection=date(2026, 3, 1))
        self.assertFalse(self.env["sepa.debit.batch"].search([]))

    def test_collection_date_too_close_is_refused(self):
        with self.assertRefused(ValidationError, "notified 14 days before"):
            self._batch(date(2026, 3, 31), date_collection=date(2026, 3, 13))
        batch = self._batch(date(2026, 3, 31), date_collection=date(2026, 3, 16))
        self.assertEqual(batch.date_collection, date(2026, 3, 16))

    def test_requested_collection_date_applies_to_earlier_dues(self):
        invoice = self._invoice(100.0, date(2026, 3, 10))
        batch = self._batch(date(2026, 3, 31), date_collection=date(2026, 3, 25))
        batch.action_select_invoices()
        self.assertEqual(batch.line_ids.invoice_id, invoice)
        self.assertEqual(batch.line_ids.date_collection, date(2026, 3, 25))

    def test_cron_sends_the_prenotifications(self):
        soon = self._invoice(100.0, date(2026, 3, 10))
        later = self._invoice(70.0, date(2026, 4, 30))
        self.env["account.move"]._cron_sepa_prenotify()
        self.assertEqual(soon.sepa_date_prenotified, date(2026, 3, 2))
        self.assertEqual(soon.sepa_date_collection_planned, date(2026, 3, 16))
        self.assertEqual(soon.sepa_mandate_id, self.mandate)
        self.assertFalse(later.sepa_date_prenotified)
        message = soon.message_ids.filtered(
            lambda m: m.message_type == "comment" and self.mandate.name in m.body
        )
        self.assertEqual(len(message), 1)
        self.assertIn("DE98ZZZ09999999999", message.body)
        self.assertIn("100.00", message.body)
        # A batch made later keeps the announced date.
        with freeze_time("2026-03-05"):
            batch = self._batch(date(2026, 3, 31))
            batch.action_select_invoices()
        self.assertEqual(batch.line_ids.date_collection, date(2026, 3, 16))
