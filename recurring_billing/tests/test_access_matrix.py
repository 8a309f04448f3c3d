from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .sepa_common import SepaCommon

ADDONS = ("recurring_billing", "mrr_analytics")
PREFIXES = ("recurring.", "sepa.", "mrr.")
OPERATIONS = {"r": "read", "w": "write", "c": "create", "d": "unlink"}

# Who may do what, per model: Subscriptions user and manager, Invoicing user and
# administrator, portal. Rights are read, write, create, delete ("-": refused).
# The change log and the period ledger are history: every user reads them, only the
# system writes them. Analytics are for managers. Portal users read their own
# subscriptions and their lines (record rules); their actions go through the portal
# controller, which calls the model methods.
# "other company": a Subscriptions user of another company; his rights, and whether a
# record of the first company is hidden from him by the multi-company rules ("shared":
# the model has no company; "n/a": he cannot read it, or it is a wizard, whose records
# are their creator's only).
EXPECTED = """
model                            | sub  | sub mgr | inv  | inv mgr | portal | other company
recurring.plan                   | r--- | rwcd    | r--- | r---    | ----   | r--- hidden
recurring.plan.line              | r--- | rwcd    | r--- | r---    | ----   | r--- hidden
recurring.plan.addon             | r--- | rwcd    | r--- | r---    | ----   | r--- hidden
recurring.cancel.reason          | r--- | rwcd    | r--- | r---    | ----   | r--- shared
recurring.subscription           | rwc- | rwcd    | r--- | r---    | r---   | rwc- hidden
recurring.subscription.line      | rwcd | rwcd    | r--- | r---    | r---   | rwcd hidden
recurring.subscription.event     | r--- | r---    | r--- | r---    | ----   | r--- hidden
recurring.period                 | r--- | r---    | r--- | r---    | ----   | r--- hidden
recurring.dunning                | r--- | r---    | r--- | r---    | ----   | r--- hidden
sepa.mandate                     | rwc- | rwcd    | rw-- | rw--    | ----   | rwc- hidden
sepa.debit.batch                 | r--- | rwcd    | rwcd | rwcd    | ----   | r--- hidden
sepa.debit.batch.line            | r--- | rwcd    | rwcd | rwcd    | ----   | r--- hidden
recurring.cancel.wizard          | rwc- | rwc-    | ---- | ----    | ----   | rwc- n/a
recurring.pause.wizard           | rwc- | rwc-    | ---- | ----    | ----   | rwc- n/a
recurring.change.wizard          | rwc- | rwc-    | ---- | ----    | ----   | rwc- n/a
recurring.change.wizard.line     | rwcd | rwcd    | ---- | ----    | ----   | rwcd n/a
sepa.return.wizard               | ---- | rwc-    | rwc- | rwc-    | ----   | ---- n/a
sepa.mandate.account.wizard      | rwc- | rwc-    | rwc- | rwc-    | ----   | rwc- n/a
sepa.statement.match.wizard      | ---- | ----    | rwc- | rwc-    | ----   | ---- n/a
sepa.statement.match.wizard.line | ---- | ----    | rwcd | rwcd    | ----   | ---- n/a
mrr.movement                     | ---- | r---    | ---- | r---    | ----   | ---- n/a
mrr.snapshot                     | ---- | r---    | ---- | r---    | ----   | ---- n/a
mrr.snapshot.total               | ---- | r---    | ---- | r---    | ----   | ---- n/a
mrr.cohort.change                | ---- | r---    | ---- | r---    | ----   | ---- n/a
mrr.movement.total               | ---- | r---    | ---- | r---    | ----   | ---- n/a
mrr.metric                       | ---- | r---    | ---- | r---    | ----   | ---- n/a
mrr.cohort                       | ---- | r---    | ---- | r---    | ----   | ---- n/a
"""


def parse_table(text):
    """``{model: {column: cell}}`` of a table whose first line names the columns."""
    header, *rows = [
        [cell.strip() for cell in line.split("|")] for line in text.strip().splitlines()
    ]
    return {row[0]: dict(zip(header[1:], row[1:], strict=True)) for row in rows}


@tagged("post_install", "-at_install")
class TestAccessMatrix(SepaCommon):
    """Rights of each kind of user on every model of the two addons, cell by cell."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company
        other_company = cls.env["res.company"].create({"name": "Other company"})

        def user(login, groups, company=company):
            return new_test_user(
                cls.env,
                login=login,
                groups=groups,
                company_id=company.id,
                company_ids=company.ids,
            )

        cls.users = {
            "sub": user("matrix_sub_user", "recurring_billing.group_user"),
            "sub mgr": user("matrix_sub_manager", "recurring_billing.group_manager"),
            "inv": user("matrix_inv_user", "account.group_account_invoice"),
            "inv mgr": user("matrix_inv_manager", "account.group_account_manager"),
            "portal": user("matrix_portal", "base.group_portal"),
            "other company": user(
                "matrix_other_company", "recurring_billing.group_user", other_company
            ),
        }
        with freeze_time("2026-03-02"):
            sub = cls._subscription(cls.plan_basic, date(2026, 3, 1))
            sub.action_start()
            cls.env["recurring.subscription"]._cron_generate_invoices()
            cls._invoice(100.0, date(2026, 3, 10))
            batch = cls._batch(date(2026, 3, 31))
            batch.action_select_invoices()
            dunning = cls.env["recurring.dunning"]._start(sub.invoice_ids, "Declined")
        # One record of the first company per model, to look for as the other user.
        cls.samples = {
            "recurring.plan": cls.plan_basic,
            "recurring.plan.line": cls.plan_basic.line_ids,
            "recurring.plan.addon": cls.seat_addon,
            "recurring.cancel.reason": cls.env["recurring.cancel.reason"].search(
                [], limit=1
            ),
            "recurring.subscription": sub,
            "recurring.subscription.line": sub.line_ids,
            "recurring.subscription.event": sub.event_ids,
            "recurring.period": sub.period_ids,
            "recurring.dunning": dunning,
            "sepa.mandate": cls.mandate,
            "sepa.debit.batch": batch,
            "sepa.debit.batch.line": batch.line_ids,
        }

    def _addon_models(self):
        """Models the two addons define, as ``ir.model`` lists them (abstract ones
        have no rows to protect)."""
        model_ids = (
            self.env["ir.model.data"]
            .search([("model", "=", "ir.model"), ("module", "in", ADDONS)])
            .mapped("res_id")
        )
        names = self.env["ir.model"].browse(model_ids).mapped("model")
        return {
            name
            for name in names
            if name.startswith(PREFIXES) and not self.env[name]._abstract
        }

    def _rights(self, user, model):
        records = self.env[model].with_user(user)
        return "".join(
            letter if records.has_access(operation) else "-"
            for letter, operation in OPERATIONS.items()
        )

    def _visibility(self, user, model, rights):
        if rights[0] != "r" or self.env[model]._transient:
            return "n/a"
        sample = self.samples[model]
        self.assertTrue(sample, f"no record of {model} to look for")
        if not self.env[model].with_user(user).search([("id", "in", sample.ids)]):
            return "hidden"
        return "visible" if "company_id" in self.env[model]._fields else "shared"

    def test_every_model_of_the_addons_is_in_the_table(self):
        expected = set(parse_table(EXPECTED))
        installed = {name for name in expected if name in self.env}
        self.assertEqual(
            expected - installed,
            {name for name in expected if name.startswith("mrr.")} - installed,
            "only the analytics may be missing, when their addon is not installed",
        )
        self.assertEqual(self._addon_models(), installed)

    def test_rights_and_visibility_match_the_table(self):
        mismatches = []
        for model, row in parse_table(EXPECTED).items():
            if model not in self.env:
                continue
            for column, expected in row.items():
                user = self.users[column]
                actual = self._rights(user, model)
                if column == "other company":
                    actual = f"{actual} {self._visibility(user, model, actual)}"
                if actual != expected:
                    mismatches.append(
                        f"{model} | {column}: expected {expected}, got {actual}"
                    )
        if mismatches:
            self.fail("access differs from the table:\n" + "\n".join(mismatches))

    def test_portal_user_is_refused_on_the_records_not_their_numbers(self):
        # Refused on the model asked for, before a reference number is taken.
        customer = self.customer.id
        for model, values in (
            (
                "sepa.mandate",
                {"partner_id": customer, "partner_bank_id": self.customer_bank.id},
            ),
            (
                "recurring.subscription",
                {"partner_id": customer, "plan_id": self.plan_basic.id},
            ),
            ("sepa.debit.batch", {}),
        ):
            count = self.env[model].search_count([])
            with self.assertRaisesRegex(
                AccessError, rf"not allowed to create .*\({model}\)"
            ):
                self.env[model].with_user(self.users["portal"]).create(values)
            self.assertEqual(self.env[model].search_count([]), count)
