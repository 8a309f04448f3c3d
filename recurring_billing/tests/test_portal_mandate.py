import re
from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .portal_common import PortalCommon
from .sepa_common import OTHER_IBAN


@tagged("post_install", "-at_install")
class TestPortalMandate(PortalCommon):
    """A customer signs a SEPA Direct Debit mandate on the portal."""

    def _signing_form(self, sub):
        """The hidden fields of the signing page: the reference it shows, signed."""
        page = self.url_open(f"/my/subscriptions/{sub.id}/mandate")
        self.assertEqual(page.status_code, 200)
        return {
            name: re.search(rf'name="{name}" value="([^"]+)"', page.text).group(1)
            for name in ("umr", "umr_signature")
        }, page

    def _mandates(self):
        return self.env["sepa.mandate"].search(
            [("commercial_partner_id", "=", self.customer_a.id)]
        )

    def test_mandate_signed_online_is_valid_with_its_evidence(self):
        self._login("portal_a")
        url = f"/my/subscriptions/{self.sub_a.id}/mandate"
        with freeze_time("2026-02-15"):
            hidden, page = self._signing_form(self.sub_a)
            response = self._post(
                url,
                {
                    **hidden,
                    "holder": "Portal Customer A",
                    "iban": "FR14 2004 1010 0505 0001 3M02 606",
                    "accept": "on",
                },
            )
        self.assertIn(self.company.sepa_creditor_identifier, page.text)
        self.assertIn(hidden["umr"], page.text)
        self.assertIn("SEPA Core Direct Debit (CORE)", page.text)
        self.assertTrue(response.headers["Location"].endswith("?message=mandate"))
        mandate = self._mandates()
        self.assertRecordValues(
            mandate,
            [
                {
                    "name": hidden["umr"],
                    "state": "valid",
                    "scheme": "core",
                    "mandate_type": "recurrent",
                    "date_signature": date(2026, 2, 15),
                    "signed_online": True,
                    "signature_ip": "127.0.0.1",
                }
            ],
        )
        self.assertEqual(mandate.partner_bank_id.sanitized_acc_number, OTHER_IBAN)
        self.assertTrue(mandate.signature_user_agent)
        self.assertEqual(mandate.partner_bank_id.acc_holder_name, "Portal Customer A")
        self.assertRecordValues(
            self.sub_a, [{"payment_method": "sepa", "mandate_id": mandate.id}]
        )
        signed = self.sub_a.message_ids.filtered(
            lambda m: f"mandate {mandate.name} signed online by the customer" in m.body
        )
        self.assertEqual(signed.author_id, self.customer_a)

    def _sign(self, sub, iban=OTHER_IBAN):
        """Sign a mandate for ``sub`` on the portal as customer A; the new mandate."""
        self._login("portal_a")
        with freeze_time("2026-02-15"):
            hidden, _page = self._signing_form(sub)
            self._post(
                f"/my/subscriptions/{sub.id}/mandate",
                {**hidden, "holder": "Portal Customer A", "iban": iban, "accept": "on"},
            )
        return self._mandates()

    def test_signed_mandate_form_is_attached_and_mailed_to_the_customer(self):
        mandate = self._sign(self.sub_a)
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "sepa.mandate"), ("res_id", "=", mandate.id)]
        )
        # The mandate form, rendered by its report (as HTML while testing: Odoo
        # renders reports as HTML in tests, as a PDF otherwise).
        self.assertEqual(len(attachment), 1)
        self.assertTrue(attachment.name.startswith(f"SEPA mandate {mandate.name}."))
        self.assertIn(mandate.name, attachment.raw.decode())
        in_chatter = mandate.message_ids.filtered(lambda m: m.attachment_ids)
        self.assertEqual(in_chatter.attachment_ids, attachment)
        mails = self.env["mail.mail"].search(
            [("model", "=", "sepa.mandate"), ("res_id", "=", mandate.id)]
        )
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails.recipient_ids, self.customer_a)
        self.assertEqual(mails.attachment_ids, attachment)
        self.assertIn(mandate.name, mails.subject)

    def test_iban_with_a_bad_checksum_is_refused_and_nothing_is_written(self):
        self._login("portal_a")
        with freeze_time("2026-02-15"):
            hidden, _page = self._signing_form(self.sub_a)
            response = self._post(
                f"/my/subscriptions/{self.sub_a.id}/mandate",
                {
                    **hidden,
                    "holder": "Portal Customer A",
                    "iban": "FR15 2004 1010 0505 0001 3M02 606",
                    "accept": "on",
                },
            )
        self.assertIn("is not the IBAN of an account in the SEPA area", response.text)
        self.assertIn("FR15 2004 1010 0505 0001 3M02 606", response.text)
        self.assertFalse(self._mandates())
        self.assertFalse(self.customer_a.bank_ids)
        self.assertEqual(self.sub_a.payment_method, "manual")

    def test_mandate_not_accepted_is_not_signed(self):
        self._login("portal_a")
        with freeze_time("2026-02-15"):
            hidden, _page = self._signing_form(self.sub_a)
            response = self._post(
                f"/my/subscriptions/{self.sub_a.id}/mandate",
                {**hidden, "holder": "Portal Customer A", "iban": OTHER_IBAN},
            )
        self.assertIn("Tick the box to accept the mandate", response.text)
        self.assertFalse(self._mandates())

    def test_reference_not_given_by_the_page_is_refused(self):
        self._login("portal_a")
        with freeze_time("2026-02-15"):
            hidden, _page = self._signing_form(self.sub_a)
            response = self._post(
                f"/my/subscriptions/{self.sub_a.id}/mandate",
                {
                    **hidden,
                    "umr": "CHOSEN-BY-ME",
                    "holder": "Portal Customer A",
                    "iban": OTHER_IBAN,
                    "accept": "on",
                },
            )
        self.assertIn("The form expired", response.text)
        self.assertFalse(self._mandates())

    def test_other_customer_cannot_open_the_signing_page(self):
        self._login("portal_b")
        response = self.url_open(f"/my/subscriptions/{self.sub_a.id}/mandate")
        self.assertEqual(response.status_code, 404)
        self.assertNotIn(self.sub_a.name, response.text)
