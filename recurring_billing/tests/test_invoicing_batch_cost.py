"""What a batch of the invoicing job costs: its reads do not grow with its size."""

from datetime import date
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.recurring_billing.models.recurring_invoicing_job import (
    RecurringInvoicingJob,
)

from .invoicing_common import InvoicingCommon

START = date(2026, 1, 10)
# The second period (10 Feb - 9 Mar) is due: each subscription makes one invoice.
TODAY = date(2026, 2, 10)


@tagged("post_install", "-at_install")
class TestInvoicingBatchCost(InvoicingCommon):
    def _batch_queries(self, count):
        """Queries of the job reading and checking a batch of ``count`` due
        subscriptions of as many customers, the invoices themselves left out."""
        return self._run_batch(count)[0]

    def _run_batch(self, count):
        """Run the job on a batch of ``count`` due subscriptions of as many
        customers, the invoices themselves left out: its queries and the batch."""
        partners = self.env["res.partner"].create(
            [
                {"name": f"Batch customer {n}", "street": f"{n} Road", "city": "Town"}
                for n in range(count)
            ]
        )
        ids = [self._active(self.plan_basic, START, partner).id for partner in partners]
        # Started in an earlier transaction, as the job finds them: flushed, their
        # start's tracking done.
        self.env.cr.flush()
        self.env.invalidate_all()
        job = self.env["recurring.invoicing.job"]
        # The job locks its batch as plain ids: nothing of it is read yet.
        batch = self.env["recurring.subscription"].browse(ids)
        made = []
        with patch.object(
            RecurringInvoicingJob,
            "_create_and_post",
            lambda _self, jobs, failures, next_index: made.extend(jobs),
        ):
            before = self.env.cr.sql_log_count
            job._invoice_due_batch(batch, TODAY)
            self.env.flush_all()
            queries = self.env.cr.sql_log_count - before
        self.assertEqual(len(made), count, "one invoice to make per subscription")
        return queries, batch

    def test_batch_reads_do_not_grow_with_its_subscriptions(self):
        # Read in batches, the subscriptions, their lines, customers, products and
        # taxes cost the same queries for 2 subscriptions as for 6: a query per
        # subscription (its invoice address read alone...) would make 4 more. A first
        # batch fills the caches of the access rules, as the job's first batch does.
        self._batch_queries(1)
        self.assertEqual(self._batch_queries(6), self._batch_queries(2))

    def test_batch_checks_what_its_lines_sell_once(self):
        # Six subscriptions selling the same product with the same taxes: its income
        # account is looked up once for the batch's checks, not once per
        # subscription (six times).
        Template = type(self.env["product.template"])
        accounts = Template.get_product_accounts
        looked_up = []

        def counted(template, fiscal_pos=None):
            looked_up.append(template.id)
            return accounts(template, fiscal_pos=fiscal_pos)

        with patch.object(Template, "get_product_accounts", counted):
            self._run_batch(6)
        self.assertEqual(looked_up, [self.product_basic.product_tmpl_id.id])

    def test_moving_on_records_nothing_in_the_chatter(self):
        # Moving to the next period changes no tracked field: the values of the
        # subscriptions' tracked fields are not even read to be compared at the
        # commit, tracking being on as in production (the test classes switch it
        # off).
        self.env = self.env(
            context=dict(self.env.context, tracking_disable=False, mail_notrack=False)
        )
        batch = self._run_batch(3)[1]
        waiting = self.env.cr.precommit.data.get(
            "mail.tracking.recurring.subscription", {}
        )
        self.assertFalse(set(waiting) & set(batch.ids))
        # Periods 0 (10 Jan - 9 Feb) and 1 (10 Feb - 9 Mar) are billed: 2 is next.
        self.assertEqual(batch.mapped("next_period_index"), [2, 2, 2])

    def test_batch_with_nothing_to_charge_charges_nothing(self):
        # Paid by bank transfer, the invoices of the batch are not charged: the job
        # does not call the charging (which committed twice per batch for nothing).
        partner = self.env["res.partner"].create(
            {"name": "Manual payer", "street": "1 Road", "city": "Town"}
        )
        sub = self._active(self.plan_basic, START, partner)
        Move = type(self.env["account.move"])
        charged = []
        with patch.object(
            Move,
            "_recurring_charge_token",
            lambda moves, commit=False: charged.append(moves),
        ):
            handled = self.Subscription._generate_recurring_invoices(
                today=TODAY, domain=[("id", "=", sub.id)]
            )
        self.assertEqual(handled, 1)
        self.assertEqual(len(sub.invoice_ids), 2, "the start and the second period")
        self.assertEqual(charged, [])
