from freezegun import freeze_time

from odoo.tests import tagged

from .portal_common import PortalCommon
from .sepa_common import OTHER_IBAN


@tagged("post_install", "-at_install")
class TestPortalSummary(PortalCommon):
    """The summary of a subscription as a PDF, to whoever may see its page.

    Odoo renders reports as HTML while testing: the content is read as such.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time("2026-02-10"):
            cls.sub_a.action_sign_mandate("Portal Customer A", OTHER_IBAN)

    def _summary(self, sub, token=None):
        url = f"/my/subscriptions/{sub.id}/summary"
        if token:
            url += f"?access_token={token}"
        with freeze_time("2026-02-15"):
            return self.url_open(url)

    def test_customer_reads_plan_lines_next_invoice_and_masked_iban(self):
        self._login("portal_a")
        response = self._summary(self.sub_a)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        text = response.text
        self.assertIn(self.sub_a.name, text)
        self.assertIn("Basic", text)
        # Basic 30 per month, 15% tax: 34.50 per period; next invoice on 03/10.
        self.assertIn("30.00", text)
        self.assertIn("34.50", text)
        self.assertIn("03/10/2026", text)
        self.assertIn("FR14 **** 2606", text)
        self.assertNotIn(OTHER_IBAN, text)
        self.assertIn(self.sub_a.mandate_id.name, text)

    def test_visitor_with_the_token_reads_the_summary(self):
        response = self._summary(self.sub_b, self.sub_b._portal_ensure_token())
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.sub_b.name, response.text)
        self.assertIn("Manual payment", response.text)

    def test_other_customer_gets_not_found(self):
        self._login("portal_b")
        response = self._summary(self.sub_a)
        self.assertEqual(response.status_code, 404)
        self.assertNotIn(self.sub_a.name, response.text)

    def test_wrong_token_gets_not_found(self):
        response = self._summary(self.sub_a, self.sub_b._portal_ensure_token())
        self.assertEqual(response.status_code, 404)

    def test_page_links_to_the_summary(self):
        self._login("portal_a")
        page = self.url_open(f"/my/subscriptions/{self.sub_a.id}")
        self.assertIn(
            f"/my/subscriptions/{self.sub_a.id}/summary?access_token=", page.text
        )
