"""The cases of ``rpc_bad_inputs.py``: one bad input per case, with the pattern its
refusal must match and the tables it aims at."""

from dataclasses import dataclass, field

PLAN = ("recurring_plan", "recurring_plan_line", "recurring_plan_addon")
SUBSCRIPTION = (
    "recurring_subscription",
    "recurring_subscription_line",
    "recurring_subscription_event",
    "recurring_period",
)
INVOICE = ("account_move", "account_move_line")
MANDATE = ("sepa_mandate", "res_partner_bank", "res_bank")
DEBIT = ("sepa_debit_batch", "sepa_debit_batch_line")


@dataclass
class Case:
    area: str
    name: str
    user: str
    call: object  # (model, method, *args) or a function of the session
    expect: str  # what the refusal must say
    tables: tuple  # the tables the call aims at, printed with their counts
    outcome: str = ""
    message: str = ""
    changed: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)


# -- The cases ------------------------------------------------------------------------


def debit_vals(fx, **values):
    return {
        "batch_id": fx["batch"],
        "invoice_id": fx["invoice_free"],
        "mandate_id": fx["mandate"],
        "amount": 50.0,
        "end_to_end_id": "RPC-CASE-1",
        **values,
    }


def wizard(model, values, method="action_confirm"):
    """Create a wizard as the web client saves it, then press its button."""

    def call(rpc):
        record = rpc(model, "create", values)
        return rpc(model, method, [record])

    return call


def make_cases(fx):
    plan_vals = {
        "name": "Bad plan",
        "currency_id": fx["eur"],
        "line_ids": [(0, 0, {"product_id": fx["basic"], "price_unit": 10.0})],
    }
    sub_vals = {
        "partner_id": fx["customer"],
        "plan_id": fx["plan"],
        "date_start": fx["today"],
        "line_ids": [(0, 0, {"product_id": fx["basic"]})],
    }
    seat = {"product_id": fx["seat"], "addon_id": fx["addon"]}
    mandate_vals = {
        "partner_id": fx["customer"],
        "partner_bank_id": fx["bank"],
        "date_signature": fx["signed"],
    }
    running, draft = [fx["running"]], [fx["draft"]]
    S, M = "recurring.subscription", "sepa.mandate"  # noqa: N806
    L = "sepa.debit.batch.line"  # noqa: N806

    def case(area, name, user, call, expect, tables):
        return Case(area, name, user, call, expect, tables)

    return [
        # -- Plans, by a Subscriptions manager ----------------------------------------
        case("plan", "interval 0", "sub mgr",
             ("recurring.plan", "create", {**plan_vals, "interval_count": 0}),
             r"Bill Every", PLAN),
        case("plan", "interval -3", "sub mgr",
             ("recurring.plan", "create", {**plan_vals, "interval_count": -3}),
             r"Bill Every", PLAN),
        case("plan", "unknown interval unit", "sub mgr",
             ("recurring.plan", "create", {**plan_vals, "interval_unit": "fortnight"}),
             r"(?i)interval.*fortnight|fortnight.*(interval|unit)", PLAN),
        case("plan", "unknown billing mode", "sub mgr",
             ("recurring.plan", "create", {**plan_vals, "billing_mode": "later"}),
             r"(?i)billing mode.*later|later.*billing mode", PLAN),
        case("plan", "negative line price", "sub mgr",
             ("recurring.plan", "create", {**plan_vals, "line_ids": [
                 (0, 0, {"product_id": fx["basic"], "price_unit": -10.0})]}),
             r"price of a plan line cannot be negative", PLAN),
        case("plan", "line quantity 0", "sub mgr",
             ("recurring.plan", "create", {**plan_vals, "line_ids": [
                 (0, 0, {"product_id": fx["basic"], "price_unit": 10.0,
                         "quantity": 0})]}),
             r"quantity of a plan line must be positive", PLAN),
        case("plan", "negative trial length", "sub mgr",
             ("recurring.plan", "create", {**plan_vals, "trial_days": -14}),
             r"trial length cannot be negative|negative trial length", PLAN),
        case("plan", "fixed term of 0 periods", "sub mgr",
             ("recurring.plan", "create",
              {**plan_vals, "term_type": "fixed", "term_periods": 0}),
             r"fixed.term.*periods", PLAN),
        case("plan", "code taken", "sub mgr",
             ("recurring.plan", "create", {**plan_vals, "code": "BASIC"}),
             r"already uses this code", PLAN),
        case("plan", "add-on maximum 0", "sub mgr",
             ("recurring.plan.addon", "create", {"plan_id": fx["plan"],
              "product_id": fx["pro"], "price_unit": 5.0, "max_quantity": 0}),
             r"maximum quantity of at least 1", PLAN),
        case("plan", "add-on negative price", "sub mgr",
             ("recurring.plan.addon", "create", {"plan_id": fx["plan"],
              "product_id": fx["pro"], "price_unit": -5.0, "max_quantity": 3}),
             r"price of an add-on package cannot be negative", PLAN),
        case("plan", "interval changed under started subscriptions", "sub mgr",
             ("recurring.plan", "write", [fx["plan"]], {"interval_unit": "year"}),
             r"billing interval.*cannot change", PLAN + SUBSCRIPTION),
        case("plan", "unknown currency id", "sub mgr",
             ("recurring.plan", "create", {**plan_vals, "currency_id": 999999}),
             r"Currency \(currency_id\) of a Subscription Plan cannot be 999999: no "
             r"Currency has this id", PLAN),
        # -- Subscriptions, by a Subscriptions user -----------------------------------
        case("subscription", "end before start", "sub",
             (S, "create", {**sub_vals, "date_end": fx["yesterday"]}),
             r"would end on .*before it starts|end date cannot be before", SUBSCRIPTION),
        case("subscription", "trial end before start", "sub",
             (S, "create", {**sub_vals, "date_trial_end": fx["yesterday"]}),
             r"trial cannot end before", SUBSCRIPTION),
        case("subscription", "start date not a date", "sub",
             (S, "create", {**sub_vals, "date_start": "2026-13-45"}),
             r"(?i)start date.*2026-13-45|2026-13-45.*(not a|date)", SUBSCRIPTION),
        case("subscription", "customer of an unknown id", "sub",
             (S, "create", {**sub_vals, "partner_id": 999999}),
             r"Customer \(partner_id\) of a Subscription cannot be 999999", SUBSCRIPTION),
        case("subscription", "add-on over the package limit", "sub",
             (S, "create", {**sub_vals, "line_ids": [
                 (0, 0, {"product_id": fx["basic"]}), (0, 0, {**seat, "quantity": 11})]}),
             r"allows at most 10", SUBSCRIPTION),
        case("subscription", "add-on over the limit by its door", "sub",
             (S, "action_set_addon_quantities", running, {str(fx["addon"]): 11}),
             r"allows at most 10", SUBSCRIPTION + INVOICE),
        case("subscription", "negative add-on quantity", "sub",
             (S, "action_set_addon_quantities", running, {str(fx["addon"]): -2}),
             r"negative quantity", SUBSCRIPTION + INVOICE),
        case("subscription", "add-on of an unknown id", "sub",
             (S, "action_set_addon_quantities", running, {"999999": 1}),
             r"has the id 999999", SUBSCRIPTION + INVOICE),
        case("subscription", "plan of another company", "sub",
             (S, "create", {**sub_vals, "plan_id": fx["plan_other"]}),
             r"(?s)Incompatible companies on records.*\(plan_id", SUBSCRIPTION),
        case("subscription", "change to a plan of another company", "sub",
             (S, "action_change_plan", running, fx["plan_other"]),
             r"access to:\s+- Subscription Plan \(recurring\.plan\)", SUBSCRIPTION + INVOICE),
        case("subscription", "currency without rate", "sub",
             (S, "action_start", [fx["draft_dkk"]]),
             r"DKK has no exchange rate", SUBSCRIPTION + INVOICE),
        case("subscription", "unknown payment method", "sub",
             (S, "create", {**sub_vals, "payment_method": "cheque"}),
             r"(?i)payment method.*cheque|cheque.*payment method", SUBSCRIPTION),
        case("subscription", "negative line price", "sub",
             (S, "create", {**sub_vals, "line_ids": [
                 (0, 0, {"product_id": fx["basic"], "price_unit": -30.0})]}),
             r"price.*cannot be negative|cannot be negative", SUBSCRIPTION),
        case("subscription", "discount of 150 %", "sub",
             (S, "create", {**sub_vals, "line_ids": [
                 (0, 0, {"product_id": fx["basic"], "discount": 150})]}),
             r"discount is a percentage between 0 and 100", SUBSCRIPTION),
        case("subscription", "state written directly", "sub",
             (S, "write", running, {"state": "cancelled"}),
             r"changes only through its buttons", SUBSCRIPTION + INVOICE),
        case("subscription", "resume date not a date", "sub",
             (S, "action_pause", running, "next monday"),
             r"resume date next monday is not a date", SUBSCRIPTION + INVOICE),
        case("subscription", "resume date in the past", "sub",
             (S, "action_pause", running, fx["yesterday"]),
             r"resume date must be after today", SUBSCRIPTION + INVOICE),
        case("subscription", "unknown cancellation reason", "sub",
             (S, "action_cancel", running, 999999),
             r"has the id 999999", SUBSCRIPTION + INVOICE),
        case("subscription", "start without lines", "sub",
             (S, "action_start", [fx["draft_empty"]]),
             r"has no lines", SUBSCRIPTION),
        # -- Mandates and SEPA --------------------------------------------------------
        case("sepa", "IBAN with a bad checksum", "sub",
             (M, "create", {**mandate_vals, "partner_bank_id": fx["bank_bad_checksum"]}),
             r"not a valid IBAN: its check digits do not match", MANDATE),
        case("sepa", "IBAN outside the SEPA area", "sub",
             (M, "create", {**mandate_vals, "partner_bank_id": fx["bank_outside_sepa"]}),
             r"TR, outside the SEPA area", MANDATE),
        case("sepa", "malformed BIC", "sub",
             (M, "create", {**mandate_vals, "partner_bank_id": fx["bank_bad_bic"]}),
             r"'COBAD3FF' is not a valid BIC", MANDATE),
        case("sepa", "bad checksum written on a mandate's account", "admin",
             ("res.partner.bank", "write", [fx["bank"]],
              {"acc_number": "DE02120300000000202052"}),
             r"check digits do not match", MANDATE),
        case("sepa", "malformed BIC written on a mandate's account", "admin",
             ("res.partner.bank", "write", [fx["bank"]], {"bank_bic": "NOT A BIC"}),
             r"'NOT A BIC' is not a valid BIC", MANDATE),
        case("sepa", "account of another customer", "sub",
             (M, "create", {**mandate_vals, "partner_bank_id": fx["bank_other_partner"]}),
             r"belongs to .*Someone Else.*not to the customer", MANDATE),
        case("sepa", "creditor identifier with bad check digits", "admin",
             ("res.company", "write", [fx["company"]],
              {"sepa_creditor_identifier": "DE00ZZZ09999999999"}),
             r"not a valid SEPA creditor identifier", ("res_company", "sepa_mandate")),
        case("sepa", "creditor identifier over 35 characters", "admin",
             ("res.company", "write", [fx["company"]],
              {"sepa_creditor_identifier": "DE98ZZZ" + "9" * 40}),
             r"not a valid SEPA creditor identifier: .*at most 35 characters",
             ("res_company", "sepa_mandate")),
        case("sepa", "mandate reference over 35 characters", "sub",
             (M, "create", {**mandate_vals, "name": "UMR-" + "X" * 40}),
             r"(?i)mandate reference.*35|35.*mandate reference", MANDATE),
        case("sepa", "mandate reference in Cyrillic", "sub",
             (M, "create", {**mandate_vals, "name": "МАНДАТ-2026-1"}),
             r"mandate reference 'МАНДАТ-2026-1' contains", MANDATE),
        case("sepa", "unknown scheme", "sub",
             (M, "create", {**mandate_vals, "scheme": "instant"}),
             r"(?i)scheme.*instant|instant.*scheme", MANDATE),
        case("sepa", "signature in the future", "sub",
             (M, "create", {**mandate_vals, "date_signature": "2099-01-01"}),
             r"signed on .* in the future", MANDATE),
        case("sepa", "mandate state written to valid", "sub",
             (M, "create", {**mandate_vals, "state": "valid"}),
             r"A new mandate is a draft: leave its state", MANDATE),
        case("sepa", "debit of 0", "inv",
             (L, "create", debit_vals(fx, amount=0.0)),
             r"amount above zero", DEBIT + INVOICE),
        case("sepa", "debit of -10", "inv",
             (L, "create", debit_vals(fx, amount=-10.0)),
             r"amount above zero", DEBIT + INVOICE),
        case("sepa", "debit of 1 000 000 000", "inv",
             (L, "create", debit_vals(fx, invoice_id=fx["invoice_huge"],
                                      amount=1_000_000_000.0)),
             r"above the SEPA maximum", DEBIT + INVOICE),
        case("sepa", "debit above the invoice residual", "inv",
             (L, "create", debit_vals(fx, amount=150.0)),
             r"more than the .* left to pay", DEBIT + INVOICE),
        case("sepa", "debit amount written to 0", "inv",
             (L, "write", [fx["debit"]], {"amount": 0.0}),
             r"amount above zero", DEBIT + INVOICE),
        case("sepa", "end-to-end id over 35 characters", "inv",
             (L, "create", debit_vals(fx, end_to_end_id="E2E-" + "7" * 40)),
             r"end-to-end id .* characters long; at most 35", DEBIT + INVOICE),
        case("sepa", "end-to-end id in Greek", "inv",
             (L, "create", debit_vals(fx, end_to_end_id="ΧΡΕΩΣΗ-2026")),
             r"end-to-end id .* contains .*'Ρ'", DEBIT + INVOICE),
        case("sepa", "debit created as collected", "inv",
             (L, "create", debit_vals(fx, state="collected")),
             r"state of a SEPA Direct Debit follows its life", DEBIT + INVOICE),
        case("sepa", "batch created as sent", "inv",
             ("sepa.debit.batch", "create", {"date_due_to": fx["today"],
                                              "state": "sent"}),
             r"state of a SEPA Direct Debit Batch follows its life", DEBIT),
        case("sepa", "due window ending before it starts", "inv",
             ("sepa.debit.batch", "create", {"date_due_from": fx["today"],
              "date_due_to": fx["yesterday"]}),
             r"due window .*cannot end before it starts", DEBIT),
        case("sepa", "collection date in the past", "inv",
             ("sepa.debit.batch", "create", {"date_due_to": fx["today"],
              "date_collection": fx["yesterday"]}),
             r"collection date .* is in the past", DEBIT),
        # -- Wizards, the transient models called over RPC ----------------------------
        case("wizard", "cancel without a reason", "sub",
             wizard("recurring.cancel.wizard", {"subscription_ids": [(6, 0, running)],
                                                "when": "now"}),
             r"(?s)mandatory field is not set.*Reason \(reason_id\)", SUBSCRIPTION + INVOICE),
        case("wizard", "cancel of another company's subscription", "sub",
             wizard("recurring.cancel.wizard", {
                 "subscription_ids": [(6, 0, [fx["draft_other"]])],
                 "reason_id": fx["reason"], "when": "now"}),
             r"access to:\s+- Subscription \(recurring\.subscription\)",
             SUBSCRIPTION + INVOICE),
        case("wizard", "cancel with an unknown timing", "sub",
             wizard("recurring.cancel.wizard", {"subscription_ids": [(6, 0, running)],
                                                "reason_id": fx["reason"],
                                                "when": "yesterday"}),
             r"When \(when\) of a Cancel Subscriptions cannot be 'yesterday'",
             SUBSCRIPTION + INVOICE),
        case("wizard", "pause of another company's subscription", "sub",
             wizard("recurring.pause.wizard", {
                 "subscription_ids": [(6, 0, [fx["draft_other"]])]}),
             r"access to:\s+- Subscription \(recurring\.subscription\)",
             SUBSCRIPTION + INVOICE),
        case("wizard", "pause resuming in the past", "sub",
             wizard("recurring.pause.wizard", {"subscription_ids": [(6, 0, running)],
                                               "date_resume": fx["yesterday"]}),
             r"resume date must be after today", SUBSCRIPTION + INVOICE),
        case("wizard", "change to a plan of another company", "sub",
             wizard("recurring.change.wizard", {"subscription_id": fx["running"],
                                                "plan_id": fx["plan_other"],
                                                "when": "now"}),
             r"access to:\s+- Subscription Plan \(recurring\.plan\)", SUBSCRIPTION + INVOICE),
        case("wizard", "change applied at an unknown time", "sub",
             wizard("recurring.change.wizard", {"subscription_id": fx["running"],
                                                "plan_id": fx["plan_pro"],
                                                "when": "someday"}),
             r"(?i)someday.*(apply|when)|(apply|when).*someday", SUBSCRIPTION + INVOICE),
        case("wizard", "change over the package limit", "sub",
             wizard("recurring.change.wizard", {
                 "subscription_id": fx["running"], "addon_line_ids": [
                     (0, 0, {"addon_id": fx["addon"], "quantity": 25})]}),
             r"allows at most 10", SUBSCRIPTION + INVOICE),
        case("wizard", "return of a debit never sent", "inv",
             wizard("sepa.return.wizard", {"line_id": fx["debit"],
                                           "reason_code": "AM04",
                                           "return_type": "reject"}),
             r"Only a collected direct debit can be returned", DEBIT + INVOICE),
        case("wizard", "return with an unknown reason code", "inv",
             wizard("sepa.return.wizard", {"line_id": fx["debit"],
                                           "reason_code": "ZZ99"}),
             r"(?i)reason.*ZZ99|ZZ99.*reason", DEBIT + INVOICE),
        case("wizard", "return date not a date", "inv",
             (L, "record_return", [fx["debit"]], "reject", "AM04", "last week"),
             r"(?i)return date.*last week|last week.*not a date", DEBIT + INVOICE),
        case("wizard", "statement matching of a draft batch", "inv",
             wizard("sepa.statement.match.wizard", {"batch_id": fx["batch"]}),
             r"is draft: it cannot be matched with a bank statement line", DEBIT + INVOICE),
        # -- Access ------------------------------------------------------------------
        case("access", "Subscriptions user writes the period ledger", "sub",
             ("recurring.period", "write", [fx["period"]], {"amount_untaxed": 1.0}),
             r"not allowed to modify .*recurring\.period", SUBSCRIPTION),
        case("access", "Subscriptions user adds to the change log", "sub",
             ("recurring.subscription.event", "create", {
                 "subscription_id": fx["running"], "event_type": "start",
                 "date": fx["today"]}),
             r"not allowed to create .*recurring\.subscription\.event", SUBSCRIPTION),
        case("access", "Subscriptions manager deletes from the change log", "sub mgr",
             ("recurring.subscription.event", "unlink", [fx["event"]]),
             r"not allowed to delete .*recurring\.subscription\.event", SUBSCRIPTION),
        case("access", "Invoicing user changes a plan's price", "inv",
             ("recurring.plan.line", "write",
              fx["plan_lines"], {"price_unit": 1.0}),
             r"not allowed to modify .*recurring\.plan\.line", PLAN),
        case("access", "Invoicing user renames a plan", "inv",
             ("recurring.plan", "write", [fx["plan"]], {"name": "Cheap"}),
             r"not allowed to modify .*recurring\.plan", PLAN),
        case("access", "Invoicing user starts a subscription", "inv",
             (S, "action_start", draft),
             r"not allowed to modify .*recurring\.subscription", SUBSCRIPTION + INVOICE),
        case("access", "other company reads a subscription", "other company",
             (S, "read", running, ["name", "mrr"]),
             r"access to:\s+- Subscription \(recurring\.subscription\)",
             SUBSCRIPTION),
        case("access", "other company cancels a subscription", "other company",
             (S, "action_cancel", running, fx["reason"]),
             r"access to:\s+- Subscription \(recurring\.subscription\)",
             SUBSCRIPTION + INVOICE),
        case("access", "other company writes a mandate", "other company",
             (M, "write", [fx["mandate"]], {"partner_bank_id": fx["bank_bad_bic"]}),
             r"access to:\s+- SEPA Direct Debit Mandate \(sepa\.mandate\)", MANDATE),
        case("access", "portal user reads plans", "portal",
             ("recurring.plan", "search_read", [], ["name"]),
             r"not allowed to access .*recurring\.plan", PLAN),
        case("access", "portal user creates a subscription", "portal",
             (S, "create", sub_vals),
             r"not allowed to create .*recurring\.subscription", SUBSCRIPTION),
        case("access", "portal user creates a mandate", "portal",
             (M, "create", mandate_vals),
             r"not allowed to create .*sepa\.mandate", MANDATE),
    ]  # fmt: skip
