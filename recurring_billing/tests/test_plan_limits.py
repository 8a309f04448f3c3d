from datetime import date

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .portal_common import PortalCommon


@tagged("post_install", "-at_install")
class TestPlanLimits(PortalCommon):
    """A plan's minimum term, notice period and longest pause bind the customer on
    the portal and the back office alike; a subscription manager may override them.

    Basic bills monthly from 2026-02-10: periods 02-10 .. 03-09, 03-10 .. 04-09,
    04-10 .. 05-09. A minimum term of 3 months runs until 05-09.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env, login="sub_user", groups="recurring_billing.group_user"
        )
        cls.manager = new_test_user(
            cls.env, login="sub_manager", groups="recurring_billing.group_manager"
        )

    def _cancel_on_portal(self, day):
        self._login("portal_a")
        with freeze_time(day):
            response = self._post(
                f"/my/subscriptions/{self.sub_a.id}/cancel",
                {"reason_id": self.reason.id},
            )
        self.env.invalidate_all()
        return response

    def _pause_on_portal(self, date_resume):
        self._login("portal_a")
        with freeze_time("2026-02-15"):
            response = self._post(
                f"/my/subscriptions/{self.sub_a.id}/pause",
                {"date_resume": date_resume},
            )
        self.env.invalidate_all()
        return response

    def test_cancel_within_the_notice_period_ends_with_the_next_period(self):
        self.plan_basic.notice_period_days = 10
        # 9 days from 02-28 to 03-09, fewer than 10: ends 04-09.
        response = self._cancel_on_portal("2026-02-28")
        self.assertTrue(response.headers["Location"].endswith("?message=cancel_next"))
        self.assertRecordValues(
            self.sub_a, [{"cancel_at_period_end": True, "date_end": date(2026, 4, 9)}]
        )

    def test_cancel_before_the_notice_period_ends_with_the_current_period(self):
        self.plan_basic.notice_period_days = 10
        # 10 days from 02-27 to 03-09: the notice is given.
        response = self._cancel_on_portal("2026-02-27")
        self.assertTrue(response.headers["Location"].endswith("?message=cancel"))
        self.assertEqual(self.sub_a.date_end, date(2026, 3, 9))

    def test_cancel_within_the_minimum_term_is_refused_on_the_portal(self):
        self.plan_basic.minimum_term_months = 3
        response = self._cancel_on_portal("2026-02-15")
        self.assertEqual(response.status_code, 200)
        self.assertIn("is committed until 05/09/2026", response.text)
        self.assertRecordValues(
            self.sub_a,
            [{"cancel_at_period_end": False, "date_end": False, "state": "active"}],
        )
        self.assertFalse(
            self.sub_a.message_ids.filtered(lambda m: "customer" in (m.body or ""))
        )

    def test_cancel_ending_on_the_last_day_of_the_minimum_term_is_allowed(self):
        self.plan_basic.minimum_term_months = 3
        with freeze_time("2026-04-15"):
            self.sub_a._cron_generate_invoices()
        self._cancel_on_portal("2026-04-15")
        self.assertEqual(self.sub_a.date_end, date(2026, 5, 9))

    def test_back_office_user_obeys_the_minimum_term_and_cannot_override(self):
        self.plan_basic.minimum_term_months = 3
        sub = self.sub_a.with_user(self.user)
        with freeze_time("2026-02-15"):
            with self.assertRaisesRegex(UserError, "is committed until"):
                sub.action_cancel(reason=self.reason, at_period_end=True)
            with self.assertRaisesRegex(UserError, "is committed until"):
                sub.action_cancel(reason=self.reason)
            with self.assertRaises(AccessError):
                sub.action_cancel(reason=self.reason, override_limits=True)
        self.assertEqual(self.sub_a.state, "active")

    def test_manager_overrides_the_minimum_term(self):
        self.plan_basic.minimum_term_months = 3
        with freeze_time("2026-02-15"):
            self.sub_a.with_user(self.manager).action_cancel(
                reason=self.reason, at_period_end=True, override_limits=True
            )
        self.assertEqual(self.sub_a.date_end, date(2026, 3, 9))

    def test_portal_cannot_override_the_limits(self):
        self.plan_basic.minimum_term_months = 3
        self._login("portal_a")
        with freeze_time("2026-02-15"):
            self._post(
                f"/my/subscriptions/{self.sub_a.id}/cancel",
                {"reason_id": self.reason.id, "override_limits": "1"},
            )
        self.env.invalidate_all()
        self.assertFalse(self.sub_a.cancel_at_period_end)

    def test_pause_longer_than_the_plan_allows_is_refused_on_the_portal(self):
        self.plan_basic.pause_max_days = 30
        # From 02-15, 30 days at most: resume on 03-17 at the latest.
        response = self._pause_on_portal("2026-03-18")
        self.assertIn("allows pauses of 30 days at most", response.text)
        self.assertIn("03/17/2026", response.text)
        self.assertEqual(self.sub_a.state, "active")
        response = self._pause_on_portal("")
        self.assertIn("allows pauses of 30 days at most", response.text)
        self.assertEqual(self.sub_a.state, "active")

    def test_pause_within_the_limit_is_allowed(self):
        self.plan_basic.pause_max_days = 30
        self._pause_on_portal("2026-03-17")
        self.assertRecordValues(
            self.sub_a, [{"state": "paused", "date_resume": date(2026, 3, 17)}]
        )

    def test_back_office_pause_obeys_the_limit_unless_a_manager_overrides(self):
        self.plan_basic.pause_max_days = 30
        with freeze_time("2026-02-15"):
            with self.assertRaisesRegex(UserError, "pauses of 30 days at most"):
                self.sub_a.with_user(self.user).action_pause()
            self.sub_a.with_user(self.manager).action_pause(override_limits=True)
        self.assertEqual(self.sub_a.state, "paused")

    def test_negative_limit_is_refused_by_the_database(self):
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(
                "UPDATE recurring_plan SET notice_period_days = -1 WHERE id = %s",
                [self.plan_basic.id],
            )

    def test_cancel_wizard_of_a_user_obeys_the_limits_and_of_a_manager_overrides(self):
        self.plan_basic.minimum_term_months = 3

        def confirm(user, override):
            wizard = (
                self.env["recurring.cancel.wizard"]
                .with_user(user)
                .with_context(active_ids=self.sub_a.ids)
                .create({"reason_id": self.reason.id, "override_limits": override})
            )
            wizard.invalidate_recordset()  # read back as the next request would
            wizard.action_confirm()

        with freeze_time("2026-02-15"):
            with self.assertRaisesRegex(UserError, "is committed until"):
                confirm(self.user, False)
            with self.assertRaises(AccessError):
                confirm(self.user, True)
            confirm(self.manager, True)
        self.assertEqual(self.sub_a.date_end, date(2026, 3, 9))
