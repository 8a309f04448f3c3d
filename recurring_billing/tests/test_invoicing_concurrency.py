"""Reliability of the invoicing job with real, committed transactions."""

from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.recurring_billing.models.recurring_invoice_maker import (
    RecurringInvoiceMaker,
)

from .concurrency_common import ConcurrencyCommon, Killed


@tagged("post_install", "-at_install")
class TestInvoicingConcurrency(ConcurrencyCommon):
    def test_two_workers_at_once_invoice_each_period_once(self):
        handled = self._in_two_workers(lambda: self._run(batch_size=3))
        # Each subscription was taken by one worker only: the other skipped it.
        self.assertEqual(sum(handled), 10)
        self.assertEqual(self._ledger(), [(1, 1, 1)] * 10)

    def test_job_killed_in_a_batch_is_finished_by_the_rerun(self):
        calls = []
        prepare = RecurringInvoiceMaker._period_vals

        def killed_at_seventh(self, sub, *args):
            calls.append(sub.id)
            if len(calls) == 7:
                raise Killed
            return prepare(self, sub, *args)

        with (
            patch.object(RecurringInvoiceMaker, "_period_vals", killed_at_seventh),
            self.assertRaises(Killed),
        ):
            self._run(batch_size=4)
        # The first batch was committed, the second one rolled back.
        self.assertEqual(sorted(self._ledger()), [(0, 0, 0)] * 6 + [(1, 1, 1)] * 4)
        self._run(batch_size=4)
        self.assertEqual(self._ledger(), [(1, 1, 1)] * 10)
        self._run(batch_size=4)
        self.assertEqual(self._ledger(), [(1, 1, 1)] * 10)
