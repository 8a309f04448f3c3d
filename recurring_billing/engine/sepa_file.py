"""SEPA Direct Debit initiation files (pain.008) built with sepaxml, checked with lxml.

sepaxml (2.7) writes the header, payment blocks and transactions. What it cannot
express is added to its output with lxml before validation:

- CORE and B2B in one file: sepaxml takes the scheme once per ``SepaDD``, so one is
  built per scheme, their blocks are merged and the header totals recomputed;
- grouping without batch booking: sepaxml writes one block per transaction then, so
  it always runs in batch mode and only the ``BtchBookg`` flag follows the creditor;
- mandate amendments (``AmdmntInd``, ``AmdmntInfDtls``);
- no remittance text: sepaxml always writes ``Ustrd``, which may not be empty.

sepaxml's ``export(validate=True)`` compiles the XSD with xmlschema on every call; here
it runs with ``validate=False`` and the file is checked against the same XSD (from
``sepaxml/schemas``) with an lxml schema compiled once per version.
"""

import functools
import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from importlib import resources

from lxml import etree
from sepaxml import SepaDD

from .sepa_ids import (
    CURRENCY,
    check_amount,
    validate_bic,
    validate_creditor_identifier,
    validate_iban,
)
from .sepa_text import (
    E2E_ID_MAX,
    NAME_MAX,
    REMITTANCE_MAX,
    check_identifier,
    check_umr,
    sanitize,
)

SCHEMES = ("CORE", "B2B")
SEQUENCE_TYPES = ("FRST", "RCUR", "FNAL", "OOFF")
# The pain.008 versions whose XSD sepaxml ships; .001.08 is the EPC standard since 2024.
SUPPORTED_VERSIONS = tuple(f"pain.008.001.{n}" for n in ("02", "08", "09", "10"))
DEFAULT_VERSION = "pain.008.001.08"

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
# One schema object is shared by all threads of an Odoo worker, and lxml keeps the
# errors of the last validation on it: validation and error reading go together.
_SCHEMA_LOCK = threading.Lock()


@dataclass(frozen=True)
class Creditor:
    """The company collecting the debits and the account they are credited to."""

    name: str
    iban: str
    creditor_id: str
    bic: str | None = None
    batch_booking: bool = True
    currency: str = CURRENCY


@dataclass(frozen=True)
class Amendment:
    """Mandate data changed since the previous collection (EPC attribute AT-24)."""

    original_umr: str | None = None
    original_debtor_iban: str | None = None
    original_creditor_id: str | None = None
    # Same mandate, new debtor account: the debtor moved to another bank (SMNDA).
    smnda: bool = False


@dataclass(frozen=True)
class Debit:
    """One collection from one debtor under one mandate."""

    end_to_end_id: str
    amount: Decimal
    debtor_name: str
    debtor_iban: str
    umr: str
    mandate_date: date
    sequence_type: str
    collection_date: date
    remittance: str = ""
    scheme: str = "CORE"
    debtor_bic: str | None = None
    amendment: Amendment | None = None


def _check_version(version: str) -> None:
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(
            f"Unsupported file version {version!r}: use one of "
            f"{', '.join(SUPPORTED_VERSIONS)}."
        )


def _check_date(value: date, label: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError(f"The {label} {value!r} must be a date.")
    return value


def _name(value: str, label: str) -> str:
    name = sanitize(value, NAME_MAX)
    if not name:
        raise ValueError(
            f"The {label} {value!r} has no letter or digit SEPA accepts; "
            "enter it in Latin letters."
        )
    return name


def _config(creditor: Creditor, version: str) -> dict:
    if creditor.currency != CURRENCY:
        raise ValueError(f"SEPA Direct Debits are in EUR, not {creditor.currency}.")
    config = {
        "name": _name(creditor.name, "creditor name"),
        "IBAN": validate_iban(creditor.iban),
        "creditor_id": validate_creditor_identifier(creditor.creditor_id),
        "currency": CURRENCY,
        "batch": True,
    }
    if creditor.bic:
        config["BIC"] = validate_bic(creditor.bic)
    elif version == "pain.008.001.02":
        raise ValueError(
            "A pain.008.001.02 file needs the BIC of the creditor's bank "
            "(sepaxml writes that version only with it); set it or use .001.08."
        )
    return config


def _amendment_elements(amendment: Amendment) -> list[tuple[str, str]]:
    """Check ``amendment``; return its elements as (path under MndtRltdInf, text)."""
    details = "AmdmntInfDtls/"
    elements = [("AmdmntInd", "true")]
    if amendment.original_umr:
        elements.append((details + "OrgnlMndtId", check_umr(amendment.original_umr)))
    if amendment.original_creditor_id:
        creditor_id = validate_creditor_identifier(amendment.original_creditor_id)
        other = details + "OrgnlCdtrSchmeId/Id/PrvtId/Othr/"
        elements += [(other + "Id", creditor_id), (other + "SchmeNm/Prtry", "SEPA")]
    if amendment.original_debtor_iban and amendment.smnda:
        raise ValueError(
            "An amendment gives either the original debtor IBAN (same bank) or "
            "SMNDA (new bank), not both."
        )
    if amendment.original_debtor_iban:
        iban = validate_iban(amendment.original_debtor_iban)
        elements.append((details + "OrgnlDbtrAcct/Id/IBAN", iban))
    elif amendment.smnda:
        # Since the November 2016 rulebooks SMNDA means "same mandate, new debtor
        # account" and goes in the original debtor account, no longer in the agent.
        elements.append((details + "OrgnlDbtrAcct/Id/Othr/Id", "SMNDA"))
    if len(elements) == 1:
        raise ValueError("The mandate amendment does not say what changed.")
    return elements


def _payment(debit: Debit) -> dict:
    """Check ``debit`` and return it as a sepaxml payment dict."""
    if debit.scheme not in SCHEMES:
        raise ValueError(f"Unknown scheme {debit.scheme!r}: use CORE or B2B.")
    if debit.sequence_type not in SEQUENCE_TYPES:
        raise ValueError(
            f"Unknown sequence type {debit.sequence_type!r}: "
            f"use one of {', '.join(SEQUENCE_TYPES)}."
        )
    collection_day = _check_date(debit.collection_date, "collection date")
    if _check_date(debit.mandate_date, "mandate signature date") > collection_day:
        raise ValueError(
            f"The mandate is signed on {debit.mandate_date}, after the collection "
            f"date {collection_day}."
        )
    payment = {
        "name": _name(debit.debtor_name, "debtor name"),
        "IBAN": validate_iban(debit.debtor_iban),
        "amount": int(check_amount(debit.amount) * 100),
        "type": debit.sequence_type,
        "collection_date": collection_day,
        "mandate_id": check_umr(debit.umr),
        "mandate_date": debit.mandate_date,
        "description": sanitize(debit.remittance, REMITTANCE_MAX),
        "endtoend_id": check_identifier(
            debit.end_to_end_id, E2E_ID_MAX, "end-to-end id"
        ),
    }
    if debit.debtor_bic:
        payment["BIC"] = validate_bic(debit.debtor_bic)
    if debit.amendment:
        payment["amendment"] = _amendment_elements(debit.amendment)
    return payment


def _sub(parent: etree._Element, path: str, text: str) -> None:
    """Set ``text`` on the element ``path`` ("A/B/C") under ``parent``, reusing the
    last child on the way when it has the right tag, appending elements otherwise."""
    namespace = etree.QName(parent).namespace
    for tag in path.split("/"):
        tag = f"{{{namespace}}}{tag}"
        if len(parent) and parent[-1].tag == tag:
            parent = parent[-1]
        else:
            parent = etree.SubElement(parent, tag)
    parent.text = text


def _fix_transactions(initiation: etree._Element, to_fix: dict[str, dict]) -> None:
    """Add the amendments and drop the empty remittance info of the payments
    ``to_fix`` (keyed by end-to-end id)."""
    ns = etree.QName(initiation).namespace
    for transaction in initiation.iter(f"{{{ns}}}DrctDbtTxInf"):
        payment = to_fix.get(transaction.findtext(f"{{{ns}}}PmtId/{{{ns}}}EndToEndId"))
        if payment is None:
            continue
        # sepaxml ends MndtRltdInf with DtOfSgntr, which the amendment follows.
        mandate_info = transaction.find(f"{{{ns}}}DrctDbtTx/{{{ns}}}MndtRltdInf")
        for path, text in payment.get("amendment", ()):
            _sub(mandate_info, path, text)
        if not payment["description"]:
            transaction.remove(transaction.find(f"{{{ns}}}RmtInf"))


def _post_process(
    documents: list[bytes], payments: list[dict], batch_booking: bool
) -> bytes:
    """Merge the sepaxml documents and add what sepaxml cannot write."""
    to_fix = {p["endtoend_id"]: p for p in payments if "amendment" in p}
    to_fix.update((p["endtoend_id"], p) for p in payments if not p["description"])
    if len(documents) == 1 and batch_booking and not to_fix:
        return documents[0]
    roots = [etree.fromstring(document, _PARSER) for document in documents]
    ns = etree.QName(roots[0]).namespace
    initiation = roots[0][0]
    for other in roots[1:]:
        initiation.extend(other[0].iterfind(f"{{{ns}}}PmtInf"))
    header = initiation.find(f"{{{ns}}}GrpHdr")
    header.find(f"{{{ns}}}NbOfTxs").text = str(len(payments))
    cents = sum(payment["amount"] for payment in payments)
    header.find(f"{{{ns}}}CtrlSum").text = str(Decimal(cents).scaleb(-2))
    if not batch_booking:
        for flag in initiation.iter(f"{{{ns}}}BtchBookg"):
            flag.text = "false"
    if to_fix:
        _fix_transactions(initiation, to_fix)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(
        roots[0], encoding="UTF-8"
    )


def build_pain008(
    creditor: Creditor, debits: list[Debit], version: str = DEFAULT_VERSION
) -> bytes:
    """Return the pain.008 file (UTF-8 XML) collecting ``debits`` for ``creditor``.

    Texts are sanitised to the SEPA character set; identifiers, IBANs, BICs, dates and
    amounts are checked. There is one payment block per (scheme, sequence type,
    collection date); ``creditor.batch_booking`` sets the blocks' ``BtchBookg`` flag.
    The file is validated against the XSD of ``version`` before it is returned.

    :raises ValueError: naming the first invalid debit and what is wrong with it, or
        listing the schema errors if the file does not validate.
    """
    _check_version(version)
    if not debits:
        raise ValueError("There is no debit to put in the file.")
    config = _config(creditor, version)
    by_scheme = defaultdict(list)
    end_to_end_ids = set()
    for debit in debits:
        try:
            payment = _payment(debit)
        except ValueError as error:
            raise ValueError(f"Debit {debit.end_to_end_id!r}: {error}") from error
        if payment["endtoend_id"] in end_to_end_ids:
            raise ValueError(f"The end-to-end id {debit.end_to_end_id!r} is repeated.")
        end_to_end_ids.add(payment["endtoend_id"])
        by_scheme[debit.scheme].append(payment)
    documents = []
    for scheme, payments in sorted(by_scheme.items()):
        sepa = SepaDD(dict(config, instrument=scheme), schema=version, clean=False)
        payments.sort(
            key=lambda p: (p["collection_date"], SEQUENCE_TYPES.index(p["type"]))
        )
        for payment in payments:
            sepa.add_payment(payment)
        documents.append(sepa.export(validate=False))
    all_payments = [payment for group in by_scheme.values() for payment in group]
    xml = _post_process(documents, all_payments, creditor.batch_booking)
    validate_pain008(xml, version)
    return xml


@functools.cache
def _schema(version: str) -> etree.XMLSchema:
    xsd = resources.files("sepaxml") / "schemas" / f"{version}.xsd"
    with xsd.open("rb") as stream:
        return etree.XMLSchema(etree.parse(stream))


def validate_pain008(xml_bytes: bytes, version: str = DEFAULT_VERSION) -> None:
    """Check ``xml_bytes`` against the ISO 20022 XSD of ``version`` shipped by sepaxml.

    The compiled schema is cached per version.

    :raises ValueError: listing the schema errors, one "line N: message" per line.
    """
    _check_version(version)
    try:
        document = etree.fromstring(xml_bytes, _PARSER)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"The file is not well-formed XML: {error}") from error
    schema = _schema(version)
    with _SCHEMA_LOCK:
        if schema.validate(document):
            return
        errors = [f"line {error.line}: {error.message}" for error in schema.error_log]
    raise ValueError(
        f"The file does not match the {version} schema:\n" + "\n".join(errors)
    )
