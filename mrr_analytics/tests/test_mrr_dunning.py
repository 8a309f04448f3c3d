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
