"""Time the pain.008 file of a debit batch, from its records, beside sepaxml.

    $ODOO_PYTHON bench/bench_sepa_file.py --n 10000

Builds (once, bench/run.py) a benchmark database with both addons, and in it a company
collecting by SEPA Direct Debit with one draft batch of ``--n`` debits: customers with
accented names, their bank accounts, valid mandates, posted invoices and the batch lines,
written with set-based SQL and reused while their number does not change. Then times,
each the best of ``--repeat`` runs:

- ours: ``sepa.debit.batch._attach_file``, from the batch's lines to the pain.008 file
  validated against its XSD and attached to the batch (rolled back after each run);
- baseline: sepaxml ``SepaDD`` + ``add_payment`` + ``export(validate=True)``, which
  validates with xmlschema, on the same debits, already read from the database.

Both get a warm-up run first (imports, schema and ORM caches). The database is updated
whenever the addons' code changed since it was built.
"""

import argparse
import os
import time
from datetime import date

# Run as a script: this folder is on sys.path, so its sibling module imports plainly.
from run import ensure_up_to_date, open_registry, peak_rss_mb
from sepaxml import SepaDD
from stdnum import iban

import odoo
from odoo.tools import SQL

PREFIX = "SEPABENCH-"
COMPANY_NAME = "SEPA Bench GmbH"
CREDITOR_ID = "DE98ZZZ09999999999"
COMPANY_IBAN = "DE89370400440532013000"
COMPANY_BIC = "COBADEFFXXX"
FIRST_NAMES = ("Jürgen", "Élodie", "Søren", "Łukasz", "Zoë", "María José", "Ådne")
LAST_NAMES = ("Groß", "Müller-Lüdenscheidt", "Ærøskøbing", "Nuñez", "O’Brien")
TARGET_SECONDS = 1.0
TARGET_RATIO = 0.5


def bench_company(env):
    """A euro company with the generic chart, collecting on its bank journal."""
    company = env["res.company"].search([("name", "=", COMPANY_NAME)], limit=1)
    if company:
        return company
    company = env["res.company"].create(
        {"name": COMPANY_NAME, "currency_id": env.ref("base.EUR").id}
    )
    env = env(context=dict(env.context, allowed_company_ids=company.ids))
    env["account.chart.template"].try_loading("generic_coa", company)
    journal = env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
    )
    journal.bank_account_id = env["res.partner.bank"].create(
        {
            "acc_number": COMPANY_IBAN,
            "partner_id": company.partner_id.id,
            "bank_id": env["res.bank"]
            .create({"name": "Bench bank", "bic": COMPANY_BIC})
            .id,
        }
    )
    company.write(
        {"sepa_creditor_identifier": CREDITOR_ID, "sepa_journal_id": journal.id}
    )
    env.cr.commit()
    return company


def clear_data(cr):
    """Remove the generated batch and everything written for it."""
    cr.execute(
        SQL(
            """
            DELETE FROM sepa_debit_batch WHERE name LIKE %(prefix)s;
            DELETE FROM account_move WHERE name LIKE %(prefix)s;
            DELETE FROM sepa_mandate WHERE name LIKE %(prefix)s;
            DELETE FROM res_partner_bank b USING res_partner p
             WHERE p.id = b.partner_id AND p.ref LIKE %(prefix)s;
            DELETE FROM res_partner WHERE ref LIKE %(prefix)s;
            """,
            prefix=f"{PREFIX}%",
        )
    )


def generate_batch(env, company, count):
    """Return the draft bench batch of ``count`` debits, writing it if needed."""
    batch = env["sepa.debit.batch"].search([("name", "=", f"{PREFIX}BATCH")])
    if batch.line_count == count:
        return batch
    cr = env.cr
    clear_data(cr)
    eur = env.ref("base.EUR")
    journal = env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
    )
    receivable = env["account.account"].search(
        [("company_ids", "in", company.id), ("account_type", "=", "asset_receivable")],
        limit=1,
    )
    names, ibans = [], []
    for number in range(count):
        bban = f"37040044{number:010d}"
        ibans.append(f"DE{iban.calc_check_digits('DE00' + bban)}{bban}")
        names.append(f"{FIRST_NAMES[number % 7]} {LAST_NAMES[number % 5]} {number}")
    params = {
        "prefix": PREFIX,
        "names": names,
        "ibans": ibans,
        "company": company.id,
        "eur": eur.id,
        "journal": journal.id,
        "receivable": receivable.id,
        "income": journal.default_account_id.id,
        "day": date(2026, 3, 1),
        "due": date(2026, 4, 7),
        "user": env.uid,
    }
    cr.execute(
        SQL(
            """
            CREATE TEMP TABLE bench_debtor ON COMMIT DROP AS
            SELECT n, name, iban, NULL::int AS partner_id, NULL::int AS bank_id,
                   NULL::int AS mandate_id, NULL::int AS move_id,
                   (mod(n, 50000) + 1) / 100.0 + 5 AS amount
              FROM unnest(%(names)s::varchar[], %(ibans)s::varchar[])
                   WITH ORDINALITY AS d(name, iban, n);
            WITH p AS (
                INSERT INTO res_partner (name, ref, active, type, autopost_bills,
                                         customer_rank, create_date, write_date)
                SELECT name, %(prefix)s || lpad(n::text, 6, '0'), TRUE, 'contact',
                       'ask', 1, now(), now()
                  FROM bench_debtor RETURNING id, ref
            ) UPDATE bench_debtor d SET partner_id = p.id
                FROM p WHERE p.ref = %(prefix)s || lpad(d.n::text, 6, '0');
            UPDATE res_partner SET commercial_partner_id = partner_id
              FROM bench_debtor WHERE id = partner_id;
            WITH b AS (
                INSERT INTO res_partner_bank (acc_number, sanitized_acc_number,
                    partner_id, active, allow_out_payment, create_date, write_date)
                SELECT iban, iban, partner_id, TRUE, FALSE, now(), now()
                  FROM bench_debtor RETURNING id, partner_id
            ) UPDATE bench_debtor d SET bank_id = b.id
                FROM b WHERE b.partner_id = d.partner_id;
            WITH m AS (
                INSERT INTO sepa_mandate (name, company_id, partner_id,
                    commercial_partner_id, partner_bank_id, scheme, mandate_type,
                    date_signature, state, sequence_state, create_date, write_date)
                SELECT %(prefix)s || lpad(n::text, 6, '0'), %(company)s, partner_id,
                       partner_id, bank_id, 'core', 'recurrent',
                       DATE '2025-01-01' + mod(n, 300)::int, 'valid',
                       CASE WHEN mod(n, 10) = 0 THEN 'first' ELSE 'recurring' END,
                       now(), now()
                  FROM bench_debtor RETURNING id, partner_id
            ) UPDATE bench_debtor d SET mandate_id = m.id
                FROM m WHERE m.partner_id = d.partner_id;
            WITH m AS (
                INSERT INTO account_move (name, move_type, state, journal_id,
                    company_id, currency_id, date, invoice_date, invoice_date_due,
                    partner_id, commercial_partner_id, payment_state, auto_post,
                    posted_before, amount_untaxed, amount_total, amount_residual,
                    amount_untaxed_signed, amount_total_signed,
                    amount_residual_signed, amount_total_in_currency_signed,
                    sequence_prefix, sequence_number, create_uid, write_uid,
                    create_date, write_date)
                SELECT %(prefix)s || lpad(n::text, 6, '0'), 'out_invoice',
                       'posted', %(journal)s, %(company)s, %(eur)s, %(day)s,
                       %(day)s, %(due)s, partner_id, partner_id, 'not_paid', 'no',
                       TRUE, amount, amount, amount, amount, amount, amount, amount,
                       %(prefix)s, n, %(user)s, %(user)s, now(), now()
                  FROM bench_debtor RETURNING id, partner_id
            ) UPDATE bench_debtor d SET move_id = m.id
                FROM m WHERE m.partner_id = d.partner_id;
            INSERT INTO account_move_line (move_id, journal_id, company_id,
                company_currency_id, currency_id, account_id, partner_id, date,
                date_maturity, parent_state, display_type, name, debit, credit,
                balance, amount_currency, amount_residual, amount_residual_currency,
                reconciled, quantity, price_unit, price_subtotal, price_total,
                create_date, write_date)
            SELECT move_id, %(journal)s, %(company)s, %(eur)s, %(eur)s,
                   line.account_id, partner_id, %(day)s, %(due)s, 'posted',
                   line.display_type, line.name, GREATEST(line.sign * amount, 0),
                   GREATEST(-line.sign * amount, 0), line.sign * amount,
                   line.sign * amount, line.open * amount, line.open * amount,
                   FALSE, 1, amount, amount, amount, now(), now()
              FROM bench_debtor
             CROSS JOIN (VALUES (%(receivable)s, 'payment_term', '', 1, 1),
                                (%(income)s, 'product', 'Subscription', -1, 0))
                   AS line(account_id, display_type, name, sign, open);
            """,
            **params,
        )
    )
    batch = env["sepa.debit.batch"].create(
        {
            "name": f"{PREFIX}BATCH",
            "company_id": company.id,
            "date_due_to": params["due"],
        }
    )
    # Written before the lines, or its empty totals would be written over theirs.
    env.flush_all()
    cr.execute(
        SQL(
            """
            INSERT INTO sepa_debit_batch_line (batch_id, company_id, invoice_id,
                partner_id, mandate_id, currency_id, amount, end_to_end_id,
                sequence_type, date_collection, state, create_date, write_date)
            SELECT %(batch)s, %(company)s, move_id, partner_id, mandate_id, %(eur)s,
                   amount, %(prefix)s || lpad(n::text, 6, '0'),
                   CASE WHEN mod(n, 10) = 0 THEN 'frst' ELSE 'rcur' END,
                   %(due)s::date + mod(n, 3)::int, 'draft', now(), now()
              FROM bench_debtor;
            UPDATE sepa_debit_batch
               SET line_count = %(count)s,
                   amount_total = (SELECT sum(amount) FROM bench_debtor)
             WHERE id = %(batch)s;
            """,
            batch=batch.id,
            count=count,
            **params,
        )
    )
    cr.commit()
    cr.execute("ANALYZE")
    env.invalidate_all()
    return batch


def sepaxml_export(creditor, debits):
    """The baseline: the same debits written and validated by sepaxml alone."""
    sepa = SepaDD(
        {
            "name": creditor["name"],
            "IBAN": creditor["iban"],
            "BIC": creditor["bic"],
            "batch": True,
            "creditor_id": creditor["creditor_id"],
            "currency": "EUR",
        },
        schema=creditor["version"],
    )
    for debit in debits:
        sepa.add_payment(
            {
                "name": debit.debtor_name,
                "IBAN": debit.debtor_iban,
                "amount": int(debit.amount * 100),
                "type": debit.sequence_type,
                "collection_date": debit.collection_date,
                "mandate_id": debit.umr,
                "mandate_date": debit.mandate_date,
                "description": debit.remittance,
                "endtoend_id": debit.end_to_end_id,
            }
        )
    return sepa.export(validate=True)


def best(step, repeat, env=None):
    """Best wall time of ``repeat`` runs of ``step``; with ``env``, each run starts
    from an empty ORM cache, includes writing its changes to the database and is
    rolled back. Returns (seconds, result of the last run)."""
    times = []
    for _run in range(repeat):
        if env is not None:
            env.invalidate_all()
            env.cr.execute("SAVEPOINT bench")
        start = time.perf_counter()
        result = step()
        if env is not None:
            env.flush_all()
        times.append(time.perf_counter() - start)
        if env is not None:
            env.cr.execute("ROLLBACK TO SAVEPOINT bench")
            env.invalidate_all(flush=False)
    return min(times), result


def verdict(met):
    return "met" if met else "MISSED"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="debits in the batch")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per side")
    parser.add_argument(
        "--database", default=os.environ.get("SEPA_BENCH_DB", "sepa_bench")
    )
    args = parser.parse_args(argv)

    ensure_up_to_date(args.database)
    registry = open_registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        start = time.perf_counter()
        company = bench_company(env)
        env = env(context={"allowed_company_ids": company.ids})
        batch = generate_batch(env, company, args.n)
        print(f"setup {time.perf_counter() - start:.1f} s (not timed)", flush=True)

        def ours():
            batch._attach_file(batch.line_ids)

        ours()  # warm: schema, registry and field caches
        our_file = batch.attachment_id.raw
        env.flush_all()
        cr.rollback()
        env.invalidate_all(flush=False)
        seconds = best(ours, args.repeat, env)[0]
        debits = batch._file_debits(batch.line_ids)
        account = company.sepa_bank_account_id
        creditor = {
            "name": company.name,
            "iban": account.sanitized_acc_number,
            "bic": account.bank_bic,
            "creditor_id": company.sepa_creditor_identifier,
            "version": batch.file_version,
        }
        sepaxml_export(creditor, debits[:10])
        baseline, their_file = best(
            lambda: sepaxml_export(creditor, debits), args.repeat
        )
        cr.rollback()

    ratio = seconds / baseline
    tag = b"<DrctDbtTxInf>"
    same = our_file.count(tag) == their_file.count(tag) == args.n
    print(
        f"sepa file, {args.n} debits ({creditor['version']}), best of {args.repeat}, "
        f"database {args.database}"
    )
    print(
        f"  ours  batch records -> validated attached file {seconds:7.3f} s  "
        f"target < {TARGET_SECONDS:g} s: {verdict(seconds < TARGET_SECONDS)}"
    )
    print(f"  sepaxml export(validate=True), same debits    {baseline:7.3f} s")
    print(
        f"  ratio ours / sepaxml                          {ratio:7.3f}    "
        f"target < {TARGET_RATIO:g}: {verdict(ratio < TARGET_RATIO)}"
    )
    print(f"  both files hold the {args.n} debits: {'yes' if same else 'NO'}")
    print(f"  peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
