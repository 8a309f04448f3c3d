from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.recurring_billing.tests.invoicing_common import (
    INVOICING_LOGGER,
    InvoicingCommon,
)
from odoo.addons.recurring_billing_queue.models.account_move import (
    LOCK_NAMESPACE,
)


@tagged("post_install", "-at_install")
class TestInvoicingQueue(InvoicingCommon):
    """The scheduled invoicing with the job queue switched on, batches of two."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("recurring_billing_queue.enabled", "True")
        params.set_param("recurring_billing_queue.batch_size", "2")
        cls.Job = cls.env["recurring.invoicing.job"]
        # Started on 2026-01-10 and run on 2026-03-15: the periods starting on
        # 01-10, 02-10 and 03-10 are due, three invoices of 30.00 each.
        cls.subs = cls.Subscription
        for _n in range(5):
            cls.subs |= cls._active_class(cls.plan_basic, date(2026, 1, 10))
        # Its first period starts on 03-20: nothing due on 03-15.
        cls.later = cls._active_class(cls.plan_basic, date(2026, 3, 20))

    @classmethod
    def _active_class(cls, plan, start, partner=None):
        sub = cls._subscription(plan, start, partner)
        with freeze_time(start):
            sub.action_start()
        return sub

    def _enqueue(self, trap, day="2026-03-15"):
        with freeze_time(day):
            self.Subscription._cron_generate_invoices()
        return trap.enqueued_jobs

    def _billed(self, subs):
        """(subscription, period start, untaxed amount) of each period invoice."""
        return sorted(
            (move.subscription_id.id, str(move.recurring_period_id.date_start),
             move.amount_untaxed)
            for move in self._invoices(subs)
        )  # fmt: skip

    def _expected(self, subs):
        starts = ("2026-01-10", "2026-02-10", "2026-03-10")
        return sorted((sub.id, start, 30.0) for sub in subs for start in starts)

    def test_one_job_per_batch_of_due_subscriptions(self):
        with trap_jobs() as trap:
            jobs = self._enqueue(trap)
            # Five due subscriptions in batches of two: 2 + 2 + 1.
            trap.assert_jobs_count(3, only=self.Job._invoice_queued_batch)
            self.assertEqual(
                sorted(sub_id for job in jobs for sub_id in job.args[0]),
                sorted(self.subs.ids),
            )
            self.assertEqual({job.args[1] for job in jobs}, {"2026-03-15"})
            self.assertEqual({job.channel for job in jobs}, {"root.recurring_billing"})
            # Enqueued, not invoiced: the workers do that.
            self.assertFalse(self._invoices(self.subs))

    def test_jobs_invoice_each_due_period_exactly_once(self):
        with trap_jobs() as trap:
            self._enqueue(trap)
            trap.perform_enqueued_jobs()
        self.assertEqual(
            self._billed(self.subs | self.later), self._expected(self.subs)
        )
        self.assertEqual(len(self.subs.period_ids), 15)
        self.assertEqual(
            set(self.subs.mapped("date_next_invoice")), {date(2026, 4, 10)}
        )

    def _journal_locks(self):
        """The journals whose posting lock this transaction holds."""
        self.env.cr.execute(
            "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
            "AND objsubid = 2 AND pid = pg_backend_pid()",
            [LOCK_NAMESPACE],
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def test_queued_batch_posts_under_the_lock_of_its_journal(self):
        with trap_jobs() as trap:
            self._enqueue(trap)
            self.assertFalse(self._journal_locks())
            trap.perform_enqueued_jobs()
        # Held until the batch commits: another worker posting in the same journal
        # waits, then numbers its invoices after these.
        journal = self._invoices(self.subs).journal_id
        self.assertEqual(len(journal), 1)
        self.assertEqual(self._journal_locks(), set(journal.ids))

    def test_only_the_numbering_waits_for_the_lock_of_the_journal(self):
        """What two workers cannot do at once is as short as it can be: the posting's
        checks and the customers' subscription to their invoices happen before the
        lock of the journal, the numbers are taken under it."""
        self.env["ir.config_parameter"].sudo().set_param(
            "recurring_billing_queue.batch_size", "5"
        )
        # The journal numbers this year already (the first numbers of a period are
        # taken when the invoices are made, see the test above).
        self.init_invoice(
            "out_invoice", invoice_date="2026-01-02", amounts=[10.0], post=True
        )
        Move = self.registry["account.move"]
        events = []

        def check_state(move_self, *args, **kwargs):
            events.append(("checks", bool(self._journal_locks())))
            return check_state.original(move_self, *args, **kwargs)

        def subscribe(move_self, partner_ids=None, *args, **kwargs):
            if move_self._name == "account.move" and partner_ids:
                events.append(("followers", bool(self._journal_locks())))
            return subscribe.original(move_self, partner_ids, *args, **kwargs)

        def number(move_self):
            if move_self.state == "posted":
                events.append(("number", bool(self._journal_locks())))
            return number.original(move_self)

        check_state.original = Move._get_violated_lock_dates
        subscribe.original = Move.message_subscribe
        number.original = Move._set_next_sequence
        with (
            trap_jobs() as trap,
            patch.object(Move, "_get_violated_lock_dates", check_state),
            patch.object(Move, "message_subscribe", subscribe),
            patch.object(Move, "_set_next_sequence", number),
        ):
            self._enqueue(trap)
            trap.assert_jobs_count(1)
            trap.perform_enqueued_jobs()
        # Five subscriptions, three periods each: fifteen invoices posted at once.
        self.assertEqual(len(self._invoices(self.subs)), 15)
        self.assertEqual(
            sorted(set(events)),
            [("checks", False), ("followers", False), ("number", True)],
        )
        # Followers of their invoices, as the posting would have made them.
        for move in self._invoices(self.subs):
            self.assertIn(move.partner_id, move.message_partner_ids)

    def test_first_numbers_of_a_journal_are_taken_under_its_lock(self):
        """Odoo numbers the first invoices of a journal in a numbering period when
        they are made, from no number read: two workers starting a new journal (or a
        new year) at once both took INV/2026/00001, and the batch committed second
        was made again invoice by invoice. Its first batch locks the journal before
        making its invoices, as the posting of later batches does."""
        journal = self.env["account.journal"].create(
            {"name": "Fresh sales", "code": "FRSH", "type": "sale"}
        )
        self.plan_basic.journal_id = journal
        Move = self.registry["account.move"]
        locked_when_made = []

        def create(move_self, vals_list):
            if isinstance(vals_list, list) and any(
                vals.get("journal_id") == journal.id for vals in vals_list
            ):
                locked_when_made.append(journal.id in self._journal_locks())
            return create.original(move_self, vals_list)

        create.original = Move.create
        with trap_jobs() as trap, patch.object(Move, "create", create):
            jobs = self._enqueue(trap)
            # The first batch; the lock is then held until the test ends.
            jobs[0].perform()
        self.assertEqual(locked_when_made, [True])
        # Two subscriptions, three periods each: numbered from the first.
        self.assertEqual(
            sorted(self._invoices(self.subs).mapped("name")),
            [f"FRSH/2026/{number:05}" for number in range(1, 7)],
        )

    def test_job_run_twice_bills_nothing_twice(self):
        with trap_jobs() as trap:
            jobs = list(self._enqueue(trap))
            trap.perform_enqueued_jobs()
            # A retry, or a job requeued after its worker was killed.
            for job in jobs:
                job.perform()
        self.assertEqual(self._billed(self.subs), self._expected(self.subs))

    def test_failing_subscription_does_not_stop_its_batch(self):
        nowhere = self.env["res.partner"].create(
            {"name": "Nowhere Ltd", "street": "1 Lost Road"}
        )
        broken = self._active_class(self.plan_basic, date(2026, 1, 10), nowhere)
        # Started with an address, which was cleared since.
        nowhere.street = False
        self.env["ir.config_parameter"].sudo().set_param(
            "recurring_billing_queue.batch_size", "6"
        )
        with trap_jobs() as trap:
            jobs = self._enqueue(trap)
            trap.assert_jobs_count(1)
            self.assertIn(broken.id, jobs[0].args[0])
            with mute_logger(INVOICING_LOGGER):
                trap.perform_enqueued_jobs()
        self.assertEqual(self._billed(self.subs), self._expected(self.subs))
        self.assertFalse(self._invoices(broken))
        self.assertIn("has no address", broken.invoice_error)

    def test_same_batch_is_not_enqueued_twice(self):
        with trap_jobs() as trap:
            self._enqueue(trap)
            # The scheduled action run again before the workers took the jobs: the
            # same batches, refused by their identity key.
            self._enqueue(trap)
            trap.assert_jobs_count(3)

    def test_waiting_jobs_keep_their_subscriptions(self):
        queue = self.env["queue.job"].sudo()
        before = queue.search([]).ids
        with freeze_time("2026-03-15"):
            self.Subscription._cron_generate_invoices()
            self.Subscription._cron_generate_invoices()
        jobs = queue.search([("id", "not in", before)])
        self.assertEqual(len(jobs), 3)
        self.assertEqual(set(jobs.mapped("state")), {"pending"})
        self.assertEqual(
            sorted(sub_id for job in jobs for sub_id in job.args[0]),
            sorted(self.subs.ids),
        )

    def test_switched_off_the_scheduled_action_invoices_itself(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "recurring_billing_queue.enabled", False
        )
        with trap_jobs() as trap:
            self._enqueue(trap)
            trap.assert_jobs_count(0)
        self.assertEqual(self._billed(self.subs), self._expected(self.subs))
        self.assertFalse(self._journal_locks())

    def test_batch_size_below_one_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "Subscriptions per job"):
            self.env["res.config.settings"].create(
                {"recurring_invoice_queue_batch_size": 0}
            )
