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
        partners = self.env["res.partner"].create(
            [
                {"name": f"Batch customer {n}", "street": f"{n} Road", "city": "Town"}
                for n in range(count)
            ]
        )
        ids = [self._active(self.plan_basic, START, partner).id for partner in partners]
        self.env.flush_all()
        self.env.invalidate_all()
        job = self.env["recurring.invoicing.job"]
        # The job locks its batch as plain ids: nothing of it is read yet.
        batch = self.Subscription.browse(ids)
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
        return queries

    def test_batch_reads_do_not_grow_with_its_subscriptions(self):
        # Read in batches, the subscriptions, their lines, customers, products and
        # taxes cost the same queries for 2 subscriptions as for 6: a query per
        # subscription (its invoice address read alone...) would make 4 more. A first
        # batch fills the caches of the access rules, as the job's first batch does.
        self._batch_queries(1)
        self.assertEqual(self._batch_queries(6), self._batch_queries(2))
