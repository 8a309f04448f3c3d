from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .invoicing_common import INVOICING_LOGGER, InvoicingCommon


@tagged("post_install", "-at_install")
class TestInvoicingErrors(InvoicingCommon):
    """One subscription that cannot be invoiced is flagged; the others are billed."""

    def test_one_broken_subscription_among_fifty_is_flagged(self):
        legacy = self._create_product(name="Legacy", lst_price=20.0)
        legacy_plan = self._create_plan("Legacy", "LEGACY", legacy, 20.0)
        with freeze_time("2026-03-01"):
            subs = self.Subscription.create(
                [
                    {
                        "partner_id": self.customer.id,
                        "plan_id": self.plan_basic.id,
                        "date_start": date(2026, 3, 1),
                        "line_ids": [
                            Command.create({"product_id": self.product_basic.id})
                        ],
                    }
                    for _n in range(49)
                ]
            )
            broken = self._subscription(legacy_plan, date(2026, 3, 1))
            (subs | broken).action_start()
        legacy.active = False
        with mute_logger(INVOICING_LOGGER):
            self._run_cron("2026-03-01")
        self.assertEqual(len(self._invoices(subs)), 49)
        self.assertEqual(set(subs.mapped("next_period_index")), {1})
        self.assertFalse(self._invoices(broken))
        self.assertEqual(broken.next_period_index, 0)
        self.assertEqual(
            broken.invoice_error,
            f"{broken.name} bills the archived product Legacy: restore the product "
            "or replace the line.",
        )
        self.assertEqual(broken.activity_ids.summary, "Recurring invoice not created")
        self.assertTrue(
            self.env.ref("recurring_billing.ir_cron_generate_invoices").active
        )

        legacy.active = True
        self._run_cron("2026-03-02")
        self.assertEqual(len(self._invoices(broken)), 1)
        self.assertFalse(broken.invoice_error)
        self.assertEqual(len(self._invoices(subs)), 49)

    def test_customer_without_address_is_not_invoiced(self):
        nowhere = self.env["res.partner"].create(
            {"name": "Nowhere Ltd", "street": "1 Lost Road"}
        )
        sub = self._active(self.plan_basic, date(2026, 3, 1), partner=nowhere)
        # Started with an address, which was cleared since.
        nowhere.street = False
        with mute_logger(INVOICING_LOGGER):
            self._run_cron("2026-03-01")
        self.assertFalse(self._invoices(sub))
        self.assertIn("Nowhere Ltd", sub.invoice_error)
        self.assertIn("has no address", sub.invoice_error)

    def test_deprecated_income_account_is_not_invoiced(self):
        account = self.copy_account(self.company_data["default_account_revenue"])
        product = self._create_product(
            name="Old service", lst_price=10.0, property_account_income_id=account.id
        )
        plan = self._create_plan("Old", "OLD", product, 10.0)
        sub = self._active(plan, date(2026, 3, 1))
        account.deprecated = True
        with mute_logger(INVOICING_LOGGER):
            self._run_cron("2026-03-01")
        self.assertFalse(self._invoices(sub))
        self.assertIn("has no usable income account", sub.invoice_error)

    def test_invoice_refused_at_posting_is_flagged_and_the_others_posted(self):
        euro = self.setup_other_currency("EUR")
        euro_plan = self._create_plan(
            "Euro Basic", "EUR-BASIC", self.product_basic, 40.0, currency_id=euro.id
        )
        subs = self._active(self.plan_basic, date(2026, 3, 1)) | self._active(
            self.plan_pro, date(2026, 3, 1)
        )
        refused = self._active(euro_plan, date(2026, 3, 1))
        # Accepted when the invoice is built, refused by Odoo when it is posted.
        euro.active = False
        with mute_logger(INVOICING_LOGGER):
            self._run_cron("2026-03-01")
        self.assertEqual(
            [(move.state, move.amount_untaxed) for move in self._invoices(subs)],
            [("posted", 30.0), ("posted", 50.0)],
        )
        self.assertEqual(subs.mapped("next_period_index"), [1, 1])
        self.assertEqual(len(subs.period_ids), 2)
        self.assertFalse(self._invoices(refused))
        self.assertFalse(refused.period_ids)
        self.assertEqual(refused.next_period_index, 0)
        self.assertEqual(refused.date_next_invoice, date(2026, 3, 1))
        self.assertEqual(
            refused.invoice_error,
            "You cannot validate a document with an inactive currency: EUR",
        )

        euro.active = True
        self._run_cron("2026-03-02")
        self.assertEqual(self._invoices(refused).state, "posted")
        self.assertFalse(refused.invoice_error)

    def test_invoice_number_taken_by_another_worker_is_made_again(self):
        subs = self._active(self.plan_basic, date(2026, 3, 1)) | self._active(
            self.plan_pro, date(2026, 3, 1)
        )
        other = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": date(2026, 3, 1),
                "invoice_line_ids": [
                    Command.create({"product_id": self.product_basic.id})
                ],
            }
        )
        other.action_post()
        maker = type(self.env["recurring.invoice.maker"])
        apply_policy = maker._apply_invoice_policy
        calls = []

        def number_taken_twice(self, moves):
            apply_policy(self, moves)
            calls.append(moves)
            if len(calls) <= 2:
                # What another worker posting in the same journal does: it commits
                # the number this batch, then this invoice, was given.
                self.env.cr.execute(
                    SQL(
                        "UPDATE account_move SET name = %s WHERE id = %s",
                        other.name,
                        moves[0].id,
                    )
                )

        with (
            patch.object(maker, "_apply_invoice_policy", number_taken_twice),
            mute_logger("odoo.sql_db", INVOICING_LOGGER),
        ):
            self._run_cron("2026-03-01")
        self.assertEqual(
            [(move.state, move.amount_untaxed) for move in self._invoices(subs)],
            [("posted", 30.0), ("posted", 50.0)],
        )
        self.assertEqual(subs.mapped("next_period_index"), [1, 1])
        self.assertFalse(any(subs.mapped("invoice_error")))

    def test_progress_reports_only_what_is_really_left(self):
        # Three subscriptions due on 02-10, batches of one. After the first batch,
        # another worker invoices the third: this run does two, and then nothing is
        # left — not the one it counted at its start (the scheduler would call the job
        # again for nothing).
        partners = self.env["res.partner"].create(
            [
                {"name": f"Worker {n}", "street": "1 Main St", "city": "Ghent"}
                for n in range(3)
            ]
        )
        subs = [
            self._active(self.plan_basic, date(2026, 1, 10), partner=partner)
            for partner in partners
        ]
        self._run_cron("2026-01-10")
        Job = type(self.env["recurring.invoicing.job"])
        invoice_batch = Job._invoice_due_batch
        progress = []

        def other_worker_after_first(job, batch, today):
            moves = invoice_batch(job, batch, today)
            if len(progress) == 0 and batch != subs[2]:
                subs[2]._invoice_due(today)
            return moves

        def notify(cron, done=None, remaining=None, **kwargs):
            progress.append((done, remaining))

        with (
            patch.object(Job, "_invoice_due_batch", other_worker_after_first),
            patch.object(type(self.env["ir.cron"]), "_notify_progress", notify),
            freeze_time("2026-02-10"),
        ):
            self.env["recurring.invoicing.job"]._generate(
                batch_size=1, domain=[("id", "in", [sub.id for sub in subs])]
            )
        self.assertEqual(progress[-1], (2, 0))
