"""The fixtures of ``rpc_bad_inputs.py``: the users, plans, customers, mandates,
subscriptions and invoices the administrator makes over RPC before the cases run."""

import datetime

PASSWORD = "bad-inputs-1"
CUSTOMER_IBAN = "DE02120300000000202051"
COMPANY_IBAN = "DE89370400440532013000"
CREDITOR_ID = "DE98ZZZ09999999999"


def xmlid(admin, name):
    module, name = name.split(".")
    rows = admin(
        "ir.model.data",
        "search_read",
        [("module", "=", module), ("name", "=", name)],
        fields=["res_id"],
    )
    return rows[0]["res_id"]


def make_fixtures(admin, today):
    """The users, plans, customers, mandates, subscriptions and invoices the cases
    aim at; returns their ids by name."""
    fx = {}
    eur = xmlid(admin, "base.EUR")
    dkk = xmlid(admin, "base.DKK")
    admin("res.currency", "write", [eur, dkk], {"active": True})
    fx["company"] = admin("res.users", "read", [admin.uid], ["company_id"])[0][
        "company_id"
    ][0]
    admin("res.company", "write", [fx["company"]], {"currency_id": eur})
    fx["other_company"] = admin(
        "res.company", "create", {"name": "Other Company", "currency_id": eur}
    )
    fx["eur"], fx["dkk"] = eur, dkk

    groups = {
        "sub": ["recurring_billing.group_user"],
        "sub mgr": ["recurring_billing.group_manager"],
        "inv": ["account.group_account_invoice"],
        "inv mgr": ["account.group_account_manager"],
        "other company": ["recurring_billing.group_user"],
        "portal": ["base.group_portal"],
    }
    fx["logins"] = {}
    for role, xmlids in groups.items():
        company = fx["other_company" if role == "other company" else "company"]
        login = "bad_inputs_" + role.replace(" ", "_")
        admin(
            "res.users",
            "create",
            {
                "name": f"Bad inputs {role}",
                "login": login,
                "password": PASSWORD,
                "company_id": company,
                "company_ids": [(6, 0, [company])],
                "groups_id": [(6, 0, [xmlid(admin, x) for x in xmlids])],
            },
        )
        fx["logins"][role] = login

    product = {"type": "service", "sale_ok": True, "taxes_id": [(5,)]}
    fx["basic"] = admin(
        "product.product", "create", {**product, "name": "Basic", "list_price": 30}
    )
    fx["pro"] = admin(
        "product.product", "create", {**product, "name": "Pro", "list_price": 50}
    )
    fx["seat"] = admin(
        "product.product", "create", {**product, "name": "Extra seat", "list_price": 5}
    )

    def plan(name, code, product_id, price, company, **values):
        return admin(
            "recurring.plan",
            "create",
            {
                "name": name,
                "code": code,
                "company_id": company,
                "currency_id": eur,
                "line_ids": [(0, 0, {"product_id": product_id, "price_unit": price})],
                **values,
            },
        )

    fx["plan"] = plan(
        "Basic",
        "BASIC",
        fx["basic"],
        30.0,
        fx["company"],
        addon_ids=[
            (
                0,
                0,
                {
                    "product_id": fx["seat"],
                    "name": "Extra seat",
                    "price_unit": 5.0,
                    "max_quantity": 10,
                },
            )
        ],
    )
    plan_read = admin("recurring.plan", "read", [fx["plan"]], ["addon_ids", "line_ids"])
    fx["addon"], fx["plan_lines"] = (
        plan_read[0]["addon_ids"][0],
        plan_read[0]["line_ids"],
    )
    fx["plan_pro"] = plan("Pro", "PRO", fx["pro"], 50.0, fx["company"])
    fx["plan_other"] = plan("Elsewhere", "ELSE", fx["basic"], 30.0, fx["other_company"])
    fx["pricelist_dkk"] = admin(
        "product.pricelist",
        "create",
        {"name": "Kroner", "currency_id": dkk, "company_id": fx["company"]},
    )

    address = {"street": "1 Hauptstrasse", "city": "Berlin"}
    fx["customer"] = admin("res.partner", "create", {"name": "Kunde GmbH", **address})
    fx["other_customer"] = admin(
        "res.partner", "create", {"name": "Someone Else", **address}
    )

    # Collecting by SEPA: creditor identifier, collection journal and its account.
    journal = admin(
        "account.journal",
        "search",
        [("type", "=", "bank"), ("company_id", "=", fx["company"])],
        limit=1,
    )[0]
    company_partner = admin("res.company", "read", [fx["company"]], ["partner_id"])[0][
        "partner_id"
    ][0]
    company_account = admin(
        "res.partner.bank",
        "create",
        {"acc_number": COMPANY_IBAN, "partner_id": company_partner},
    )
    admin("account.journal", "write", [journal], {"bank_account_id": company_account})
    admin(
        "res.company",
        "write",
        [fx["company"]],
        {"sepa_creditor_identifier": CREDITOR_ID, "sepa_journal_id": journal},
    )

    def account(partner, number, **values):
        return admin(
            "res.partner.bank",
            "create",
            {"acc_number": number, "partner_id": partner, **values},
        )

    commerzbank = admin(
        "res.bank", "create", {"name": "Commerzbank", "bic": "COBADEFFXXX"}
    )
    fx["bank"] = account(fx["customer"], CUSTOMER_IBAN, bank_id=commerzbank)
    fx["bank_other_partner"] = account(fx["other_customer"], "DE45120300001234567890")
    fx["bank_bad_checksum"] = account(fx["customer"], "DE02120300000000202052")
    fx["bank_outside_sepa"] = account(fx["customer"], "TR330006100519786457841326")
    typo_bank = admin("res.bank", "create", {"name": "Typo bank", "bic": "COBAD3FF"})
    fx["bank_bad_bic"] = account(
        fx["customer"], "DE65100700000123456789", bank_id=typo_bank
    )
    signed = (today - datetime.timedelta(days=30)).isoformat()
    fx["mandate"] = admin(
        "sepa.mandate",
        "create",
        {
            "partner_id": fx["customer"],
            "partner_bank_id": fx["bank"],
            "date_signature": signed,
        },
    )
    admin("sepa.mandate", "action_validate", [fx["mandate"]])
    fx["signed"] = signed

    def subscription(plan_id, **values):
        return admin(
            "recurring.subscription",
            "create",
            {
                "partner_id": fx["customer"],
                "plan_id": plan_id,
                "date_start": today.isoformat(),
                "line_ids": [(0, 0, {"product_id": fx["basic"]})],
                **values,
            },
        )

    fx["running"] = subscription(fx["plan"], payment_method="sepa")
    admin("recurring.subscription", "action_start", [fx["running"]])
    admin("recurring.subscription", "action_invoice_now", [fx["running"]])
    fx["draft"] = subscription(fx["plan"])
    fx["draft_empty"] = subscription(fx["plan"], line_ids=[])
    fx["draft_dkk"] = subscription(fx["plan"], pricelist_id=fx["pricelist_dkk"])
    fx["draft_other"] = admin(
        "recurring.subscription",
        "create",
        {
            "partner_id": fx["customer"],
            "plan_id": fx["plan_other"],
            "company_id": fx["other_company"],
            "line_ids": [(0, 0, {"product_id": fx["basic"]})],
        },
    )
    fx["period"] = admin(
        "recurring.period", "search", [("subscription_id", "=", fx["running"])]
    )[0]
    fx["event"] = admin(
        "recurring.subscription.event",
        "search",
        [("subscription_id", "=", fx["running"])],
    )[0]
    fx["reason"] = admin("recurring.cancel.reason", "search", [], limit=1)[0]

    def invoice(amount):
        move = admin(
            "account.move",
            "create",
            {
                "move_type": "out_invoice",
                "partner_id": fx["customer"],
                "currency_id": eur,
                "invoice_date": today.isoformat(),
                "invoice_date_due": today.isoformat(),
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": fx["basic"],
                            "price_unit": amount,
                            "tax_ids": [(5,)],
                        },
                    )
                ],
            },
        )
        admin("account.move", "action_post", [move])
        return move

    fx["invoice"] = invoice(100.0)
    fx["batch"] = admin(
        "sepa.debit.batch",
        "create",
        {"date_due_to": (today + datetime.timedelta(days=30)).isoformat()},
    )
    admin("sepa.debit.batch", "action_select_invoices", [fx["batch"]])
    fx["debit"] = admin(
        "sepa.debit.batch.line", "search", [("batch_id", "=", fx["batch"])], limit=1
    )[0]
    # Made after the batch picked the due invoices: free for the debits of the cases,
    # the second above what one debit may collect.
    fx["invoice_free"] = invoice(100.0)
    fx["invoice_huge"] = invoice(1_000_000_000.0)
    fx["today"] = today.isoformat()
    fx["yesterday"] = (today - datetime.timedelta(days=1)).isoformat()
    return fx
