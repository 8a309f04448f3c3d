import functools
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .portal_common import PortalCommon
from .sepa_common import OTHER_IBAN, parse

# Another account at the bank of OTHER_IBAN (La Banque Postale, code banque 20041),
# and one at a German bank.
SAME_BANK_IBAN = "FR1720041010050500099M02612"
OTHER_BANK_IBAN = "DE65100700000123456789"
AMENDMENT = "p:DrctDbtTx/p:MndtRltdInf/p:AmdmntInfDtls/"


@tagged("post_install", "-at_install")
class TestPortalAccount(PortalCommon):
    """A customer moves the debits of their mandate to another account: the next
    collection reports the amendment, and they are told by e-mail."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time("2026-02-10"):
            cls.sub_a.action_sign_mandate("Portal Customer A", OTHER_IBAN)
        cls.mandate_a = cls.sub_a.mandate_id
        # Collected once already: the next debit is RCUR and reports amendments.
        cls.mandate_a.sequence_state = "recurring"

    def _change(self, iban, bic="", holder="Portal Customer A"):
        self._login("portal_a")
        with freeze_time("2026-02-15"):
            return self._post(
                f"/my/subscriptions/{self.sub_a.id}/account",
                {"holder": holder, "iban": iban, "bic": bic},
            )

    def _next_debit(self):
        """The debit of the next file: the subscription's first invoice."""
        with freeze_time("2026-02-16"):
            batch = self.env["sepa.debit.batch"].create(
                {"date_due_to": date(2026, 3, 31)}
            )
            batch.action_select_invoices()
            batch.action_generate()
        root, ns = parse(batch.attachment_id.raw)
        (debit,) = root.iterfind(".//p:DrctDbtTxInf", ns)
        return functools.partial(debit.findtext, namespaces=ns)

    def _confirmations(self):
        return self.env["mail.mail"].search(
            [
                ("model", "=", "sepa.mandate"),
                ("res_id", "=", self.mandate_a.id),
                ("subject", "ilike", "new bank account"),
            ]
        )

    def test_account_at_another_bank_is_reported_smnda_in_the_next_file(self):
        response = self._change(OTHER_BANK_IBAN)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("?message=account"))
        self.assertEqual(
            self.mandate_a.partner_bank_id.sanitized_acc_number, OTHER_BANK_IBAN
        )
        text = self._next_debit()
        self.assertEqual(text("p:DbtrAcct/p:Id/p:IBAN"), OTHER_BANK_IBAN)
        self.assertEqual(text("p:DrctDbtTx/p:MndtRltdInf/p:AmdmntInd"), "true")
        self.assertEqual(text(AMENDMENT + "p:OrgnlDbtrAcct/p:Id/p:Othr/p:Id"), "SMNDA")
        mail = self._confirmations()
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.customer_a)
        # The new account, its digits hidden but the last 4.
        self.assertIn("DE65 **** 6789", mail.body_html)
        self.assertNotIn(OTHER_BANK_IBAN, mail.body_html)
        changed = self.sub_a.message_ids.filtered(
            lambda m: "changed by the customer" in m.body
        )
        self.assertEqual(changed.author_id, self.customer_a)

    def test_account_at_the_same_bank_reports_the_original_iban(self):
        self._change(SAME_BANK_IBAN)
        text = self._next_debit()
        self.assertEqual(text("p:DbtrAcct/p:Id/p:IBAN"), SAME_BANK_IBAN)
        self.assertEqual(text(AMENDMENT + "p:OrgnlDbtrAcct/p:Id/p:IBAN"), OTHER_IBAN)
        self.assertEqual(len(self._confirmations()), 1)

    def test_bad_iban_is_refused_on_the_page_and_nothing_is_written(self):
        accounts = self.customer_a.bank_ids
        response = self._change("FR18 2004 1010 0505 0009 9M02 612")
        self.assertEqual(response.status_code, 200)
        self.assertIn("is not the IBAN of an account in the SEPA area", response.text)
        self.assertEqual(self.customer_a.bank_ids, accounts)
        self.assertEqual(
            self.mandate_a.partner_bank_id.sanitized_acc_number, OTHER_IBAN
        )
        self.assertFalse(self.mandate_a.previous_iban or self.mandate_a.amendment_smnda)
        self.assertFalse(self._confirmations())

    def test_malformed_bic_is_refused_on_the_page(self):
        response = self._change(OTHER_BANK_IBAN, bic="COBAD3FF")
        self.assertIn("COBAD3FF&#39; is not a valid BIC", response.text)
        self.assertEqual(
            self.mandate_a.partner_bank_id.sanitized_acc_number, OTHER_IBAN
        )

    def test_bic_given_is_the_bank_of_the_new_account(self):
        self._change(OTHER_BANK_IBAN, bic="MARK DE FF")
        self.assertEqual(self.mandate_a.bic, "MARKDEFF")

    def test_same_account_again_is_refused(self):
        response = self._change(OTHER_IBAN)
        self.assertIn("is already the account of mandate", response.text)
        self.assertFalse(self._confirmations())

    def test_without_a_valid_mandate_the_step_is_forbidden(self):
        self._login("portal_b")
        with freeze_time("2026-02-15"):
            response = self._post(
                f"/my/subscriptions/{self.sub_b.id}/account",
                {"holder": "B", "iban": OTHER_BANK_IBAN},
            )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.customer_b.bank_ids)

    def test_back_office_wizard_changes_the_account_the_same_way(self):
        with freeze_time("2026-02-15"):
            wizard = Form(
                self.env["sepa.mandate.account.wizard"].with_context(
                    active_model="sepa.mandate", active_id=self.mandate_a.id
                )
            )
            wizard.holder = "Portal Customer A"
            wizard.iban = SAME_BANK_IBAN
            wizard.save().action_confirm()
        self.assertEqual(self.mandate_a.previous_iban, OTHER_IBAN)
        self.assertEqual(len(self._confirmations()), 1)

    def test_revoked_mandate_cannot_move_to_another_account(self):
        self.mandate_a.action_revoke()
        with self.assertRaisesRegex(UserError, "revoked: it cannot be moved"):
            self.mandate_a.action_change_account("A", OTHER_BANK_IBAN)
