"""Time ``build_pain008`` against sepaxml's own validating export on the same debits.

Ours: sepaxml ``export(validate=False)`` plus the input checks, the lxml
post-processing and the validation with an lxml XMLSchema compiled once per version.
Baseline: sepaxml ``SepaDD`` + ``add_payment`` + ``export(validate=True)``, which
validates with xmlschema. Both get one warm-up run on 10 debits (imports, schema cache),
then the best of ``--repeat`` runs is kept. The debits are CORE only, with remittance
text and no amendment: data sepaxml can write on its own.

    /opt/odoo-venv/bin/python bench/bench_sepa_file.py --n 10000
"""

import argparse
import sys
import time
import types
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sepaxml import SepaDD
from stdnum import iban

ROOT = Path(__file__).resolve().parent.parent
# The addon's __init__ imports odoo: register the folder as a bare package instead.
if "recurring_billing" not in sys.modules:
    _package = types.ModuleType("recurring_billing")
    _package.__path__ = [str(ROOT / "recurring_billing")]
    sys.modules["recurring_billing"] = _package

from recurring_billing.engine.sepa_file import (  # noqa: E402
    DEFAULT_VERSION,
    Creditor,
    Debit,
    build_pain008,
)

CREDITOR = Creditor(
    name="Société Générale d'Abonnements",
    iban="DE89370400440532013000",
    creditor_id="DE98ZZZ09999999999",
    bic="COBADEFFXXX",
)
FIRST_NAMES = ("Jürgen", "Élodie", "Søren", "Łukasz", "Zoë", "María José", "Ådne")
LAST_NAMES = ("Groß", "Müller-Lüdenscheidt", "Ærøskøbing", "Nuñez", "O’Brien")


def make_debits(count: int) -> list[Debit]:
    """Return ``count`` CORE debits with distinct valid IBANs, over three dates."""
    debits = []
    for number in range(count):
        bban = f"37040044{number:010d}"
        debits.append(
            Debit(
                end_to_end_id=f"INV-2026-{number:06d}",
                amount=Decimal(number % 50_000 + 1).scaleb(-2) + 5,
                debtor_name=f"{FIRST_NAMES[number % 7]} {LAST_NAMES[number % 5]} "
                f"{number}",
                debtor_iban=f"DE{iban.calc_check_digits('DE00' + bban)}{bban}",
                umr=f"MANDATE-{number:06d}",
                mandate_date=date(2025, 1, 1) + timedelta(days=number % 300),
                sequence_type="FRST" if number % 10 == 0 else "RCUR",
                collection_date=date(2026, 4, 7) + timedelta(days=number % 3),
                remittance=f"Abonnement n° {number} — avril 2026",
            )
        )
    return debits


def sepaxml_export(debits: list[Debit]) -> bytes:
    """Build the same file with sepaxml alone and its own validation."""
    config = {
        "name": CREDITOR.name,
        "IBAN": CREDITOR.iban,
        "BIC": CREDITOR.bic,
        "batch": True,
        "creditor_id": CREDITOR.creditor_id,
        "currency": "EUR",
    }
    sepa = SepaDD(config, schema=DEFAULT_VERSION)
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


def best_time(function, debits: list[Debit], repeat: int) -> float:
    """Return the shortest of ``repeat`` timed calls of ``function(debits)``."""
    times = []
    for _run in range(repeat):
        start = time.perf_counter()
        function(debits)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="number of debits")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per side")
    args = parser.parse_args()
    debits = make_debits(args.n)
    warm_up = debits[:10]
    build_pain008(CREDITOR, warm_up)
    sepaxml_export(warm_up)
    ours = best_time(lambda items: build_pain008(CREDITOR, items), debits, args.repeat)
    theirs = best_time(sepaxml_export, debits, args.repeat)
    print(f"debits: {args.n} ({DEFAULT_VERSION}, best of {args.repeat})")
    print(f"ours   build_pain008 (export validate=False + lxml XSD): {ours:.3f} s")
    print(f"theirs sepaxml export(validate=True), xmlschema:        {theirs:.3f} s")
    print(f"ratio ours/theirs: {ours / theirs:.3f}")


if __name__ == "__main__":
    main()
