from datetime import date

from freezegun import freeze_time
from psycopg2.errors import CheckViolation

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .sepa_common import OTHER_IBAN, SepaCommon, parse


@tagged("post_install", "-at_install")
@freeze_time("2026-03-02")
class TestSepaDebitAmounts(SepaCommon):
    """A debit collects what is left to pay on its invoice when the file is made."""

    def _pay(self, invoice, amount):
        """The customer pays ``amount`` of ``invoice`` by transfer."""
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create(
            {"amount": amount, "payment_date": date(2026, 3, 3)}
        )._create_payments()

    def _amounts_in_file(self, batch):
        root, ns = parse(batch.attachment_id.raw)
        return root.xpath("//p:InstdAmt/text()", namespaces=ns), root.findtext(
            ".//p:GrpHdr/p:CtrlSum", namespaces=ns
        )

    def test_partial_payment_before_the_file_lowers_the_debit(self):
        invoice = self._invoice(100.0, date(2026, 3, 10))
        batch = self._batch(date(2026, 3, 31))
        batch.action_select_invoices()
        self.assertEqual(batch.line_ids.amount, 100.0)
        self._pay(invoice, 30.0)
        batch.action_generate()
        # 100.00 invoiced - 30.00 paid by transfer = 70.00 left to collect.
        self.assertEqual(batch.line_ids.amount, 70.0)
        self.assertEqual(batch.amount_total, 70.0)
        self.assertEqual(self._amounts_in_file(batch), (["70.00"], "70.00"))
        batch.action_confirm_sent()
        self.assertEqual(batch.line_ids.payment_id.amount, 70.0)

    def test_invoice_paid_in_full_before_the_file_leaves_the_batch(self):
        paid = self._invoice(100.0, date(2026, 3, 10))
        kept = self._invoice(50.5, date(2026, 3, 20))
        batch = self._batch(date(2026, 3, 31))
        batch.action_select_invoices()
        self._pay(paid, 100.0)
        batch.action_generate()
        self.assertEqual(batch.line_ids.invoice_id, kept)
        self.assertEqual(batch.amount_total, 50.5)
        self.assertEqual(self._amounts_in_file(batch), (["50.50"], "50.50"))
        self.assertFalse(paid.sepa_line_ids)
        note = batch.message_ids.filtered(lambda m: paid.name in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertIn("paid", note.body)

    def test_batch_whose_invoices_were_all_paid_is_refused(self):
        invoice = self._invoice(100.0, date(2026, 3, 10))
        batch = self._batch(date(2026, 3, 31))
        batch.action_select_invoices()
        self._pay(invoice, 100.0)
        with self.assertRefused(ValidationError, "paid .* nothing left to collect"):
            batch.action_generate()
        self.assertEqual(batch.state, "draft")
        self.assertFalse(batch.attachment_id)

    def _credit(self, amount, subscription):
        """A posted credit note of ``amount`` without tax for ``subscription``."""
        return self._invoice(
            amount,
            date(2026, 3, 1),
            move_type="out_refund",
            subscription_id=subscription.id,
        )

    def test_credit_note_of_the_subscription_lowers_its_debit(self):
        sub = self._subscription(self.plan_basic, payment_method="sepa")
        invoice = self._invoice(100.0, date(2026, 3, 10), subscription_id=sub.id)
        credit = self._credit(30.0, sub)
        batch = self._batch(date(2026, 3, 31))
        batch.action_select_invoices()
        # 100.00 invoiced, 30.00 credited to the same subscription: 70.00 is left
        # to collect, and the credit note is used up.
        self.assertEqual(batch.line_ids.amount, 70.0)
        batch.action_generate()
        self.assertEqual(self._amounts_in_file(batch), (["70.00"], "70.00"))
        self.assertEqual(invoice.amount_residual, 70.0)
        self.assertEqual(credit.payment_state, "paid")

    def test_credit_note_posted_after_the_selection_lowers_the_debit_in_the_file(
        self,
    ):
        sub = self._subscription(self.plan_basic, payment_method="sepa")
        self._invoice(100.0, date(2026, 3, 10), subscription_id=sub.id)
        batch = self._batch(date(2026, 3, 31))
        batch.action_select_invoices()
        self.assertEqual(batch.line_ids.amount, 100.0)
        self._credit(25.5, sub)
        batch.action_generate()
        # 100.00 - 25.50 credited since: 74.50.
        self.assertEqual(batch.line_ids.amount, 74.5)
        self.assertEqual(self._amounts_in_file(batch), (["74.50"], "74.50"))

    def test_credit_note_of_another_subscription_is_not_used(self):
        sub = self._subscription(self.plan_basic, payment_method="sepa")
        other = self._subscription(self.plan_basic, payment_method="sepa")
        self._invoice(100.0, date(2026, 3, 10), subscription_id=sub.id)
        credit = self._credit(30.0, other)
        batch = self._batch(date(2026, 3, 31))
        batch.action_select_invoices()
        batch.action_generate()
        self.assertEqual(batch.line_ids.amount, 100.0)
        self.assertEqual(credit.payment_state, "not_paid")

    def _line_vals(self, invoice, **values):
        batch = self._batch(date(2026, 3, 31))
        return {**batch._prepare_line_vals(invoice), **values}

    def test_debit_above_the_invoice_residual_is_refused(self):
        invoice = self._invoice(100.0, date(2026, 3, 10))
        lines = self.env["sepa.debit.batch.line"]
        with self.assertRefused(
            ValidationError, r"1,000,000,000\.00.€ .* 100\.00.€ left to pay"
        ):
            lines.create(self._line_vals(invoice, amount=1_000_000_000))
        self.assertFalse(lines.search([]))
        line = lines.create(self._line_vals(invoice))
        with self.assertRefused(ValidationError, r"100\.01.€ .* 100\.00.€ left to pay"):
            line.amount = 100.01
        self.assertEqual(line.amount, 100.0)

    def test_debit_above_the_sepa_maximum_is_refused(self):
        invoice = self._invoice(1_500_000_000.0, date(2026, 3, 10))
        lines = self.env["sepa.debit.batch.line"]
        with self.assertRefused(ValidationError, "above the SEPA maximum"):
            lines.create(self._line_vals(invoice))
        self.assertFalse(lines.search([]))

    def test_database_refuses_a_debit_above_the_sepa_maximum(self):
        invoice = self._invoice(100.0, date(2026, 3, 10))
        line = self.env["sepa.debit.batch.line"].create(self._line_vals(invoice))
        self.env.flush_all()
        with (
            self.assertRaises(CheckViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(
                "UPDATE sepa_debit_batch_line SET amount = 1000000000 WHERE id = %s",
                line.ids,
            )


@tagged("post_install", "-at_install")
@freeze_time("2026-03-02")
class TestSepaOneOffMandate(SepaCommon):
    """A one-off mandate authorises one collection."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = cls.env["res.partner"].create({"name": "One-off buyer"})
        cls.one_off = cls._mandate(
            cls.buyer, cls._bank_account(cls.buyer, OTHER_IBAN), mandate_type="oneoff"
        )
        cls.first = cls._invoice(100.0, date(2026, 3, 10), partner=cls.buyer)
        cls.second = cls._invoice(40.0, date(2026, 3, 12), partner=cls.buyer)

    def test_second_debit_on_a_pending_one_off_mandate_is_refused(self):
        pending = self._batch(date(2026, 3, 31))
        pending._add_lines(self.first)
        self.assertEqual(pending.line_ids.sequence_type, "ooff")
        other = self._batch(date(2026, 3, 31))
        with self.assertRefused(
            ValidationError, "one-off mandate: .* one collection only"
        ):
            other._add_lines(self.second)
        self.assertFalse(other.line_ids)
        with self.assertRefused(
            ValidationError, "one-off mandate: .* one collection only"
        ):
            pending._add_lines(self.second)
        self.assertEqual(pending.line_ids.invoice_id, self.first)

    def test_second_debit_on_a_collected_one_off_mandate_is_refused(self):
        batch = self._batch(date(2026, 3, 31))
        batch._add_lines(self.first)
        batch.action_generate()
        batch.action_confirm_sent()
        vals = self._batch(date(2026, 3, 31))._prepare_line_vals(self.second)
        with self.assertRefused(
            ValidationError, "one-off mandate: .* one collection only"
        ):
            self.env["sepa.debit.batch.line"].create(
                {**vals, "mandate_id": self.one_off.id}
            )
        self.assertEqual(self.one_off.batch_line_ids.invoice_id, self.first)

    def test_due_invoices_use_a_one_off_mandate_once(self):
        batch = self._batch(date(2026, 3, 31))
        batch.action_select_invoices()
        self.assertEqual(batch.line_ids.invoice_id, self.first)
