from contextlib import contextmanager
from datetime import date

from lxml import etree

from odoo import Command

from .common import RecurringCommon

CREDITOR_ID = "DE98ZZZ09999999999"
COMPANY_IBAN = "DE89370400440532013000"
CUSTOMER_IBAN = "DE02120300000000202051"
OTHER_IBAN = "FR1420041010050500013M02606"


def parse(xml):
    """The root of the pain.008 ``xml`` and the namespaces to find its elements."""
    root = etree.fromstring(xml)
    return root, {"p": etree.QName(root).namespace}


class SepaCommon(RecurringCommon):
    """A company in EUR collecting by SEPA Direct Debit, a customer with a valid
    mandate, and helpers to post invoices."""

    @classmethod
    def setup_independent_company(cls, **kwargs):
        euro = cls._enable_currency("EUR")
        return super().setup_independent_company(currency_id=euro.id, **kwargs)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.eur = cls.env.ref("base.EUR")
        cls.bank_journal = cls.company_data["default_journal_bank"]
        bank = cls.env["res.bank"].create({"name": "Commerzbank", "bic": "COBADEFFXXX"})
        cls.bank_journal.bank_account_id = cls.env["res.partner.bank"].create(
            {
                "acc_number": COMPANY_IBAN,
                "partner_id": cls.company.partner_id.id,
                "bank_id": bank.id,
            }
        )
        cls.company.write(
            {
                "sepa_creditor_identifier": CREDITOR_ID,
                "sepa_journal_id": cls.bank_journal.id,
            }
        )
        cls.customer_bank = cls._bank_account(cls.customer, CUSTOMER_IBAN)
        cls.mandate = cls._mandate(cls.customer, cls.customer_bank)

    @contextmanager
    def assertRefused(self, exception, regex):
        """Expect ``exception`` matching ``regex``; what the block wrote is undone."""
        with self.assertRaisesRegex(exception, regex):
            try:
                with self.env.cr.savepoint():
                    yield
            finally:
                self.env.invalidate_all()

    @classmethod
    def _bank_account(cls, partner, iban):
        return cls.env["res.partner.bank"].create(
            {"acc_number": iban, "partner_id": partner.id}
        )

    @classmethod
    def _mandate(cls, partner, bank, validate=True, **values):
        mandate = cls.env["sepa.mandate"].create(
            {
                "partner_id": partner.id,
                "partner_bank_id": bank.id,
                "date_signature": date(2025, 6, 1),
                **values,
            }
        )
        if validate:
            mandate.action_validate()
        return mandate

    @classmethod
    def _invoice(cls, amount, due, partner=None, currency=None, **values):
        """A posted customer invoice of ``amount`` without tax, due on ``due``."""
        invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": (partner or cls.customer).id,
                "invoice_date": date(2026, 3, 1),
                "invoice_date_due": due,
                "currency_id": (currency or cls.eur).id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": cls.product_basic.id,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
                **values,
            }
        )
        invoice.action_post()
        return invoice

    @classmethod
    def _batch(cls, due_to, **values):
        return cls.env["sepa.debit.batch"].create({"date_due_to": due_to, **values})
