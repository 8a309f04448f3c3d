from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .portal_common import PortalCommon
from .sepa_common import OTHER_IBAN


@tagged("post_install", "-at_install")
class TestPortalRevoke(PortalCommon):
    """A customer revokes their mandate on the portal: what is in a file already is
    collected, nothing more after."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time("2026-02-10"):
            cls.sub_a.action_sign_mandate("Portal Customer A", OTHER_IBAN)
        cls.mandate_a = cls.sub_a.mandate_id
        # The first period's invoice, unpaid, waiting for its debit.
        cls.invoice_a = cls.sub_a.invoice_ids

    def _revoke(self, sub=None, login="portal_a"):
        self._login(login)
        with freeze_time("2026-02-15"):
            response = self._post(f"/my/subscriptions/{(sub or self.sub_a).id}/revoke")
        # The request wrote through its own environment: read again.
        self.env.invalidate_all()
        return response

    def _batch(self, generate=False):
        with freeze_time("2026-02-12"):
            batch = self.env["sepa.debit.batch"].create(
                {"date_due_to": date(2026, 3, 31)}
            )
            batch.action_select_invoices()
            if generate:
                batch.action_generate()
        return batch

    def test_customer_revokes_and_no_new_collection_follows(self):
        response = self._revoke()
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("?message=revoke"))
        self.assertEqual(self.mandate_a.state, "revoked")
        # Paid by hand until the customer signs a new mandate, which the page offers.
        self.assertRecordValues(
            self.sub_a, [{"payment_method": "manual", "mandate_id": False}]
        )
        revoked = self.sub_a.message_ids.filtered(
            lambda m: "revoked by the customer" in m.body
        )
        self.assertEqual(revoked.author_id, self.customer_a)
        self.assertTrue(
            self.mandate_a.message_ids.filtered(
                lambda m: "revoked by the customer" in (m.body or "")
            )
        )
        page = self.url_open(f"/my/subscriptions/{self.sub_a.id}")
        self.assertIn("o_recurring_portal_mandate", page.text)
        with freeze_time("2026-02-16"), self.assertRaisesRegex(UserError, "No invoice"):
            self.env["sepa.debit.batch"].create(
                {"date_due_to": date(2026, 3, 31)}
            ).action_select_invoices()

    def test_debit_in_a_generated_file_is_still_collected(self):
        batch = self._batch(generate=True)
        self._revoke()
        with freeze_time("2026-02-16"):
            batch.action_confirm_sent()
        self.assertEqual(batch.line_ids.invoice_id, self.invoice_a)
        self.assertEqual(batch.line_ids.state, "sent")
        self.assertTrue(batch.line_ids.payment_id)
        self.assertEqual(self.mandate_a.state, "revoked")

    def test_debit_waiting_in_a_draft_batch_leaves_it(self):
        batch = self._batch()
        self.assertEqual(batch.line_ids.invoice_id, self.invoice_a)
        self._revoke()
        self.assertFalse(batch.line_ids)
        self.assertTrue(
            batch.message_ids.filtered(lambda m: self.mandate_a.name in (m.body or ""))
        )

    def test_revoking_without_a_valid_mandate_is_forbidden(self):
        response = self._revoke(self.sub_b, login="portal_b")
        self.assertEqual(response.status_code, 403)

    def test_another_customer_cannot_revoke_the_mandate(self):
        response = self._revoke(login="portal_b")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.mandate_a.state, "valid")
