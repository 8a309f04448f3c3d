from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .common import RecurringCommon


@tagged("post_install", "-at_install")
class TestChangeWizardPreview(RecurringCommon):
    """The change wizard shows the new MRR, the difference and what is invoiced now,
    and confirming invoices exactly that.

    Worked by hand (doc/BILLING.md): a subscription started on 2026-02-10 is paid for
    02-10 .. 03-09 (28 days); on 02-15, 23 days remain (02-15 .. 03-09).
    """

    def _started(self, plan, seats=0):
        with freeze_time("2026-02-10"):
            sub = self._subscription(plan, start=date(2026, 2, 10))
            sub.action_start()
            sub._cron_generate_invoices()
            if seats:
                sub.action_set_addon_quantities({self.seat_addon: seats})
        return sub

    def _wizard(self, sub, plan=None, seats=None, when=None):
        """The wizard as filled in the form, and its preview before confirming."""
        form = Form(self.env["recurring.change.wizard"].with_context(active_id=sub.id))
        if plan:
            form.plan_id = plan
        if when:
            form.when = when
        if seats is not None:
            with form.addon_line_ids.edit(0) as line:
                line.quantity = seats
        shown = (form.mrr, form.preview_mrr, form.mrr_difference, form.amount_now)
        return form.save(), shown

    def _confirm(self, sub, wizard):
        """The untaxed amount the confirmation invoices (credit notes negative)."""
        before = sub.invoice_ids
        wizard.action_confirm()
        return round(sum((sub.invoice_ids - before).mapped("amount_untaxed_signed")), 2)

    def test_upgrade_shows_the_new_mrr_and_the_prorated_invoice(self):
        # Basic 30 to Pro 50: Pro 50 × 23/28 = 41.07, Basic unused −30 × 23/28 =
        # −24.64; 16.43 now.
        sub = self._started(self.plan_basic)
        with freeze_time("2026-02-15"):
            wizard, shown = self._wizard(sub, plan=self.plan_pro)
            self.assertEqual(shown, (30.0, 50.0, 20.0, 16.43))
            self.assertEqual(self._confirm(sub, wizard), 16.43)
        self.assertEqual(sub.mrr, 50.0)

    def test_more_seats_show_their_prorated_invoice(self):
        # Pro with 1 seat (55/month); 3 seats: the 1-seat line is credited −5 ×
        # 23/28 = −4.11 and the 3-seat line charged 15 × 23/28 = 12.32; 8.21 now.
        sub = self._started(self.plan_pro, seats=1)
        with freeze_time("2026-02-15"):
            wizard, shown = self._wizard(sub, seats=3)
            self.assertEqual(shown, (55.0, 65.0, 10.0, 8.21))
            self.assertEqual(self._confirm(sub, wizard), 8.21)

    def test_upgrade_with_seats_shows_both_invoices_together(self):
        # Basic 30 to Pro with 2 seats (60/month): the plan change bills 16.43 (as
        # above), then the 2 seats 10 × 23/28 = 8.21: 24.64 in two invoices.
        sub = self._started(self.plan_basic)
        with freeze_time("2026-02-15"):
            wizard, shown = self._wizard(sub, plan=self.plan_pro, seats=2)
            self.assertEqual(shown, (30.0, 60.0, 30.0, 24.64))
            self.assertEqual(self._confirm(sub, wizard), 24.64)

    def test_downgrade_at_period_end_invoices_nothing_now(self):
        # Pro 50 to Basic 30 waits for 03-10: nothing is invoiced now.
        sub = self._started(self.plan_pro)
        with freeze_time("2026-02-15"):
            wizard, shown = self._wizard(sub, plan=self.plan_basic)
            self.assertEqual(shown, (50.0, 30.0, -20.0, 0.0))
            self.assertEqual(wizard.date_later, date(2026, 3, 10))
            self.assertEqual(self._confirm(sub, wizard), 0.0)
        self.assertEqual(sub.pending_plan_id, self.plan_basic)

    def test_downgrade_now_shows_the_credit(self):
        # Pro 50 to Basic 30 now: Pro unused −50 × 23/28 = −41.07, Basic 30 × 23/28
        # = 24.64; a credit of 16.43.
        sub = self._started(self.plan_pro)
        with freeze_time("2026-02-15"):
            wizard, shown = self._wizard(sub, plan=self.plan_basic, when="now")
            self.assertEqual(shown, (50.0, 30.0, -20.0, -16.43))
            self.assertEqual(self._confirm(sub, wizard), -16.43)

    def test_change_to_another_interval_shows_the_credit_and_the_new_period(self):
        # Basic 30/month paid 02-10 .. 03-09 to Annual 1 200 on 02-15, new anchor:
        # Basic unused −30 × 23/28 = −24.64, then Annual 1 200 for 2026-02-15 ..
        # 2027-02-14 in full: 1 175.36 now, in a credit note and an invoice (never
        # 1 200 × 23/28 − 24.64 = 961.07, a yearly price over a monthly period).
        sub = self._started(self.plan_basic)
        with freeze_time("2026-02-15"):
            wizard, shown = self._wizard(sub, plan=self.plan_annual)
            self.assertEqual(shown, (30.0, 100.0, 70.0, 1175.36))
            self.assertEqual(self._confirm(sub, wizard), 1175.36)

    def test_change_to_another_interval_aligned_shows_the_prorated_stub(self):
        # As above with Annual aligned to the calendar year: −24.64, then the stub
        # 2026-02-15 .. 12-31, 320 of 365 days: 1 200 × 320/365 = 1 052.05; net
        # 1 027.41.
        self.plan_annual.anchor_policy = "aligned"
        sub = self._started(self.plan_basic)
        with freeze_time("2026-02-15"):
            wizard, shown = self._wizard(sub, plan=self.plan_annual)
            self.assertEqual(shown[3], 1027.41)
            self.assertEqual(self._confirm(sub, wizard), 1027.41)

    def test_a_plan_the_subscription_cannot_take_shows_why_instead_of_amounts(self):
        # Pro euro sells in EUR, the subscription bills in USD without a pricelist:
        # Apply would refuse it, so the wizard says so at once and shows no amount.
        euro = self.setup_other_currency("EUR")
        pro_euro = self._create_plan(
            "Pro euro", "PROEUR", self.product_pro, 50.0, currency_id=euro.id
        )
        sub = self._started(self.plan_basic)
        with freeze_time("2026-02-15"):
            wizard, shown = self._wizard(sub, plan=pro_euro)
        self.assertIn("sells in EUR", wizard.preview_warning)
        self.assertEqual(shown, (30.0, 0.0, 0.0, 0.0))
