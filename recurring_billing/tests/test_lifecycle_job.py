"""The daily lifecycle job: batches, one savepoint per subscription."""

from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import RecurringCommon

LIFECYCLE_LOGGER = (
    "odoo.addons.recurring_billing.models.recurring_subscription_lifecycle"
)


@tagged("post_install", "-at_install")
class TestLifecycleJob(RecurringCommon):
    def test_one_database_error_does_not_stop_the_other_subscriptions(self):
        Subscription = self.env["recurring.subscription"]
        product = self.plan_basic_trial.line_ids.product_id
        customers = self.env["res.partner"].create(
            [
                {"name": f"Customer {n}", "street": f"{n} rue Haute", "city": "Lyon"}
                for n in range(1000)
            ]
        )
        subs = Subscription.create(
            [
                {
                    "partner_id": customer.id,
                    "plan_id": self.plan_basic_trial.id,
                    "date_start": date(2026, 1, 1),
                    "line_ids": [Command.create({"product_id": product.id})],
                }
                for customer in customers
            ]
        )
        with freeze_time("2026-01-01"):
            subs.action_start()
        broken = subs[637]
        convert = type(Subscription).action_convert_trial

        def convert_or_fail(records, day=None):
            if records == broken:
                # A database error, not a UserError: the transaction is aborted
                # until the savepoint of this subscription is rolled back.
                records.env.cr.execute("SELECT 1 / 0")
            return convert(records, day)

        with (
            patch.object(type(Subscription), "action_convert_trial", convert_or_fail),
            freeze_time("2026-01-20"),
            mute_logger(LIFECYCLE_LOGGER, "odoo.sql_db"),
        ):
            # Trials of 14 days end on 15 Jan; 1 000 of them in batches of 300.
            Subscription._cron_lifecycle(batch_size=300)
        self.assertEqual(set((subs - broken).mapped("state")), {"active"})
        self.assertEqual(broken.state, "trial")
        self.assertIn("unexpected error", broken.message_ids[0].body)
