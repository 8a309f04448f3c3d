from datetime import date

from freezegun import freeze_time

from .invoicing_common import InvoicingCommon

START = date(2026, 1, 10)


class PaymentTokenCommon(InvoicingCommon):
    """A demo payment provider of the test company and tokens that end as they say.

    Odoo's ``payment_demo`` stands for any provider: a token's ``demo_simulated_state``
    is what each charge to it ends in (done, pending, error, cancel).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        demo = cls.env.ref("payment.payment_provider_demo")
        cls.provider = demo.sudo().copy(
            {"company_id": cls.env.company.id, "state": "test"}
        )
        cls.provider.journal_id = cls.company_data["default_journal_bank"]
        cls.payment_method = cls.env.ref("payment_demo.payment_method_demo")

    @classmethod
    def _token(cls, simulated_state="done", partner=None, provider=None):
        return (
            cls.env["payment.token"]
            .sudo()
            .create(
                {
                    "provider_id": (provider or cls.provider).id,
                    "payment_method_id": cls.payment_method.id,
                    "partner_id": (partner or cls.customer).id,
                    "payment_details": simulated_state,
                    "provider_ref": f"demo-{simulated_state}",
                    "demo_simulated_state": simulated_state,
                }
            )
        )

    def _token_subscription(
        self, simulated_state="done", partner=None, plan=None, **values
    ):
        """An active subscription (by default Basic, 30 a month) from 2026-01-10 paid
        by a token of its customer that ends charges in ``simulated_state``."""
        partner = partner or self.customer
        return self._active(
            plan or self.plan_basic,
            START,
            partner=partner,
            payment_method="token",
            payment_token_id=self._token(simulated_state, partner).id,
            **values,
        )

    def _collect(self, day):
        """The charging job, as the scheduler runs it once a door has posted."""
        cron = self.env.ref("recurring_billing.ir_cron_charge_invoices")
        with freeze_time(day):
            cron.method_direct_trigger()

    def _charges(self, invoices):
        return (
            self.env["payment.transaction"]
            .sudo()
            .search(
                [("recurring_invoice_id", "in", invoices.ids)],
                order="recurring_invoice_id, recurring_attempt",
            )
        )
