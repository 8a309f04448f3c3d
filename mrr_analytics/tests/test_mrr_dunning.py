from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common import FEB, JAN, MAR, MrrCommon


@tagged("post_install", "-at_install")
class TestMrrDunning(MrrCommon):
    """The payment follow-up example of doc/METRICS.md, played through the real
    follow-up: involuntary churn, delinquent and recovered MRR."""

    def _pay(self, sub, day):
        invoices = sub.invoice_ids.filtered(lambda m: m.payment_state == "not_paid")
        with freeze_time(day):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoices.ids
            ).create({"group_payment": True})._create_payments()

    def _fail(self, sub, day):
        with freeze_time(day):
            sub.action_invoice_now()
            self.env["recurring.dunning"]._start(sub.invoice_ids, "Card declined")

    def _play(self):
        self.env.company.write(
            {"dunning_retry_days": "3,5,7", "dunning_outcome": "suspend"}
        )
        g, h, i = self.env["res.partner"].create(
            [
                {"name": f"Customer {letter}", "street": "1 Rue", "city": "Lyon"}
                for letter in "GHI"
            ]
        )
        subs = {}
        for letter, plan, day, partner in (
            ("G", self.plan_basic, date(2026, 1, 5), g),
            ("H", self.plan_pro, date(2026, 1, 10), h),
            ("I", self.plan_basic, date(2026, 1, 15), i),
        ):
            with freeze_time(day):
                subs[letter] = self._subscription(plan, day, partner)
                subs[letter].action_start()
        self._fail(subs["G"], "2026-02-05")
        for day in range(6, 13):
            with freeze_time(f"2026-02-{day:02d}"):
                self.env["recurring.dunning"].sudo()._cron_dunning()
        self.assertTrue(subs["G"].is_suspended)
        with freeze_time("2026-02-20"):
            subs["I"].action_cancel(
                reason=self.env.ref("recurring_billing.cancel_reason_price")
            )
        self._fail(subs["H"], "2026-02-25")
        self._pay(subs["H"], "2026-03-01")
        self._pay(subs["G"], "2026-03-02")
        self.assertEqual(subs["G"].state, "active")
        return subs

    def test_involuntary_churn_delinquent_and_recovered_mrr(self):
        subs = self._play()
        self.assertEqual(
            [
                row
                for row in self._movement_rows(subs)
                if row[2] in ("churn", "reactivation")
            ],
            [
                ("G", "2026-02-12", "churn", -30.0),
                ("I", "2026-02-20", "churn", -30.0),
                ("G", "2026-03-02", "reactivation", 30.0),
            ],
        )
        involuntary = self.env["mrr.movement"].search(
            [("company_id", "=", self.env.company.id), ("is_involuntary", "=", True)]
        )
        self.assertEqual(involuntary.partner_id, subs["G"].commercial_partner_id)
        metrics = self._metrics((JAN, FEB, MAR))
        self.assertEqual(
            [
                (
                    m.mrr_end,
                    m.churn,
                    m.churn_voluntary,
                    m.churn_involuntary,
                    m.delinquent_mrr,
                    m.recovered_mrr,
                )
                for m in metrics
            ],
            [
                (110.0, 0.0, 0.0, 0.0, 0.0, 0.0),
                (50.0, 60.0, 30.0, 30.0, 50.0, 0.0),
                (80.0, 0.0, 0.0, 0.0, 0.0, 80.0),
            ],
        )

    def test_cohort_lost_voluntarily_and_involuntarily(self):
        # G, H and I all start in January: one cohort of 3 with 30 + 50 + 30 = 110.
        # End of February: H kept (50); G suspended, lost involuntarily with its 30;
        # I cancelled, lost voluntarily with its 30. End of March: G paid and resumed,
        # so G and H are kept (80) and only I is lost (voluntarily, 30).
        subs = self._play()
        companies = self.env.company
        expected = [
            (JAN, 3, 3, 110.0, 0, 0, 0.0, 0.0),
            (FEB, 3, 1, 50.0, 1, 1, 30.0, 30.0),
            (MAR, 3, 2, 80.0, 1, 0, 30.0, 0.0),
        ]

        def cells():
            return [
                (
                    cell.month,
                    cell.cohort_size,
                    cell.customers,
                    cell.mrr,
                    cell.customers_lost_voluntary,
                    cell.customers_lost_involuntary,
                    cell.mrr_lost_voluntary,
                    cell.mrr_lost_involuntary,
                )
                for cell in self.env["mrr.cohort"].search(
                    [
                        ("company_id", "=", companies.id),
                        ("cohort_month", "=", JAN),
                        ("month", "<=", MAR),
                    ],
                    order="month",
                )
            ]

        self.assertEqual(cells(), expected)
        # Kept change by change, the cohorts are those of a rebuild.
        with freeze_time("2026-03-02"):
            Snapshot = self.env["mrr.snapshot"]
            self.assertEqual(Snapshot._compare_with_rebuild(companies), [])
            self.env["mrr.movement"].sudo()._rebuild(companies)
        self.assertEqual(cells(), expected)
        # The cohort row of January to March shows March, not the sum of its months.
        [row] = self.env["mrr.cohort"].read_group(
            [
                ("company_id", "=", companies.id),
                ("cohort_month", "=", JAN),
                ("month", "<=", MAR),
            ],
            [
                "customers_lost_voluntary:sum",
                "customers_lost_involuntary:sum",
                "mrr_lost_voluntary:sum",
                "mrr_lost_involuntary:sum",
            ],
            ["cohort_month:month"],
        )
        self.assertEqual(
            (
                row["customers_lost_voluntary"],
                row["customers_lost_involuntary"],
                row["mrr_lost_voluntary"],
                row["mrr_lost_involuntary"],
            ),
            (1, 0, 30.0, 0.0),
        )
        self.assertTrue(subs)

    def test_rebuild_keeps_the_involuntary_losses(self):
        self._play()
        companies = self.env.company
        self.env["mrr.movement"].sudo()._rebuild(companies)
        self.assertEqual(
            self.env["mrr.movement"]._compare_with_rebuild(companies), ([], [])
        )
        self.assertEqual(
            self.env["mrr.movement"].search_count(
                [("company_id", "=", companies.id), ("is_involuntary", "=", True)]
            ),
            1,
        )


@tagged("post_install", "-at_install")
class TestMrrDelinquent(MrrCommon):
    """Delinquent MRR at a month's end is the MRR at that moment of the
    subscriptions whose failed automatic payment is still unpaid then."""

    def _started(self, plan):
        partner = self.env["res.partner"].create(
            {"name": "Customer K", "street": "1 Rue", "city": "Lyon"}
        )
        with freeze_time("2026-01-10"):
            sub = self._subscription(plan, date(2026, 1, 10), partner)
            sub.action_start()
        with freeze_time("2026-02-05"):
            sub.action_invoice_now()
            self.env["recurring.dunning"]._start(sub.invoice_ids, "Card declined")
        return sub

    def _delinquent(self, months=(JAN, FEB, MAR)):
        return [m.delinquent_mrr for m in self._metrics(months)]

    def test_follow_up_kept_active_and_still_unpaid_stays_delinquent(self):
        # Pro 50 fails on 02-05; the policy's last day (02-12) keeps the
        # subscription active and ends the follow-up, the invoice still unpaid at
        # the end of February: 50 delinquent then. Paid on 03-02: 0 in March.
        self.env.company.write(
            {"dunning_retry_days": "3,5,7", "dunning_outcome": "keep"}
        )
        sub = self._started(self.plan_pro)
        for day in range(6, 13):
            with freeze_time(f"2026-02-{day:02d}"):
                self.env["recurring.dunning"].sudo()._cron_dunning()
        dunning = self.env["recurring.dunning"].search(
            [("subscription_id", "=", sub.id)]
        )
        self.assertEqual(
            (dunning.state, dunning.date_done), ("closed", date(2026, 2, 12))
        )
        invoices = dunning.invoice_ids
        self.assertEqual(invoices.mapped("payment_state"), ["not_paid"])
        with freeze_time("2026-03-02"):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoices.ids
            ).create({})._create_payments()
        # No change of MRR since January: the daily rebuild brings the months up
        # to March.
        with freeze_time("2026-03-31"):
            self.env["mrr.movement"].sudo()._cron_rebuild()
        self.assertEqual(self._delinquent(), [0.0, 50.0, 0.0])

    def test_upgrade_after_the_failure_counts_the_mrr_at_the_month_end(self):
        # Basic 30 fails on 02-05 and moves to Pro 50 on 02-20, the invoice still
        # unpaid: at the end of February its MRR is 50, all of it delinquent.
        sub = self._started(self.plan_basic)
        with freeze_time("2026-02-20"):
            sub.action_change_plan(self.plan_pro, when="now")
        self.assertEqual(sub.mrr, 50.0)
        self.assertEqual(self._delinquent((JAN, FEB)), [0.0, 50.0])

    def test_pause_after_the_failure_leaves_nothing_delinquent(self):
        # Basic 30 fails on 02-05 and is paused on 02-20: its MRR at the end of
        # February is 0, so is its delinquent MRR, though the invoice is unpaid.
        sub = self._started(self.plan_basic)
        with freeze_time("2026-02-20"):
            sub.action_pause()
        self.assertEqual(sub.dunning_id.state, "running")
        self.assertEqual(self._delinquent((JAN, FEB)), [0.0, 0.0])

    def test_payment_dated_before_the_month_end_leaves_nothing_delinquent(self):
        # Pro 50 fails on 02-05; the customer's transfer of 02-27 is booked on
        # 03-03, dated 02-27: the invoice was paid at the end of February, so
        # nothing is delinquent then, though the follow-up ended on 03-03.
        sub = self._started(self.plan_pro)
        invoices = sub.dunning_id.invoice_ids
        with freeze_time("2026-03-03"):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoices.ids
            ).create({"payment_date": date(2026, 2, 27)})._create_payments()
            self.env["mrr.movement"].sudo()._cron_rebuild()
        self.assertEqual(invoices.payment_state, "paid")
        self.assertEqual(self._delinquent(), [0.0, 0.0, 0.0])
