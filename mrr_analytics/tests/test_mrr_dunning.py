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
