from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from recurring_billing.engine.sepa_file import (
    DEFAULT_VERSION,
    SUPPORTED_VERSIONS,
    Amendment,
    Creditor,
    Debit,
    amendment_of,
    build_pain008,
    pain008_file_name,
    validate_pain008,
)
from recurring_billing.engine.sepa_text import NAME_MAX, SEPA_CHARSET, sanitize

CREDITOR = Creditor(
    name="Société Générale d'Abonnements & Cie",
    iban="DE89370400440532013000",
    creditor_id="DE98ZZZ09999999999",
    bic="COBADEFFXXX",
)
DEBTOR_IBAN = "DE02120300000000202051"
EASTER_TUESDAY = date(2026, 4, 7)
NEXT_DAY = date(2026, 4, 8)


def debit(number, **values):
    defaults = {
        "end_to_end_id": f"INV-2026-{number:04d}",
        "amount": Decimal("10.00"),
        "debtor_name": f"Debtor {number}",
        "debtor_iban": DEBTOR_IBAN,
        "umr": f"MANDATE-{number}",
        "mandate_date": date(2025, 6, 1),
        "sequence_type": "RCUR",
        "collection_date": EASTER_TUESDAY,
        "remittance": f"Invoice INV/2026/{number:04d}",
    }
    return Debit(**{**defaults, **values})


MIXED_DEBITS = [
    debit(1, sequence_type="FRST", amount=Decimal("12.50")),
    debit(2, amount=Decimal("20.00")),
    debit(3, amount=Decimal("30.01")),
    debit(4, collection_date=NEXT_DAY, amount=Decimal("4.00")),
    debit(5, scheme="B2B", amount=Decimal("500.00"), debtor_bic="BYLADEM1001"),
]


def parse(xml):
    root = etree.fromstring(xml)
    return root, {"p": etree.QName(root).namespace}


def blocks(xml):
    """Return {(scheme, sequence type, date): (NbOfTxs, CtrlSum)} of a file."""
    root, ns = parse(xml)
    return {
        (
            block.findtext("p:PmtTpInf/p:LclInstrm/p:Cd", namespaces=ns),
            block.findtext("p:PmtTpInf/p:SeqTp", namespaces=ns),
            block.findtext("p:ReqdColltnDt", namespaces=ns),
        ): (
            block.findtext("p:NbOfTxs", namespaces=ns),
            block.findtext("p:CtrlSum", namespaces=ns),
        )
        for block in root.iterfind(".//p:PmtInf", ns)
    }


def transaction(xml, end_to_end_id):
    root, ns = parse(xml)
    path = "//p:DrctDbtTxInf[p:PmtId/p:EndToEndId = $e2e]"
    (found,) = root.xpath(path, namespaces=ns, e2e=end_to_end_id)
    return found, ns


def test_one_block_per_scheme_sequence_type_and_collection_date():
    assert blocks(build_pain008(CREDITOR, MIXED_DEBITS)) == {
        ("CORE", "FRST", "2026-04-07"): ("1", "12.50"),
        ("CORE", "RCUR", "2026-04-07"): ("2", "50.01"),
        ("CORE", "RCUR", "2026-04-08"): ("1", "4.00"),
        ("B2B", "RCUR", "2026-04-07"): ("1", "500.00"),
    }


def test_group_header_counts_all_transactions_of_all_schemes():
    root, ns = parse(build_pain008(CREDITOR, MIXED_DEBITS))
    assert root.findtext("*/p:GrpHdr/p:NbOfTxs", namespaces=ns) == "5"
    assert root.findtext("*/p:GrpHdr/p:CtrlSum", namespaces=ns) == "566.51"
    assert len(root.findall(".//p:DrctDbtTxInf", ns)) == 5


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_file_with_amendment_accents_and_long_names_is_valid(version):
    debits = [
        *MIXED_DEBITS,
        debit(
            6,
            debtor_name="Ærøskøbing Fiskeriforening & Ålborg Søndergård Kooperativ "
            "Aktieselskab Ørsted",
            remittance="Facture n° 6 — période du 1ᵉʳ au 30 avril 2026 " * 5,
            amendment=Amendment(
                original_umr="OLD-MANDATE-6",
                original_creditor_id="ES23ZZZ47690558N",
                original_debtor_iban="FR1420041010050500013M02606",
            ),
        ),
    ]
    xml = build_pain008(CREDITOR, debits, version)
    validate_pain008(xml, version)
    root, ns = parse(xml)
    assert ns["p"] == f"urn:iso:std:iso:20022:tech:xsd:{version}"
    assert len(root.findall(".//p:PmtInf", ns)) == 4


def test_version_001_08_is_the_default_and_writes_bicfi():
    root, ns = parse(build_pain008(CREDITOR, MIXED_DEBITS))
    assert ns["p"].endswith(DEFAULT_VERSION) and DEFAULT_VERSION == "pain.008.001.08"
    assert root.findtext(".//p:CdtrAgt/p:FinInstnId/p:BICFI", namespaces=ns) == (
        "COBADEFFXXX"
    )


def test_version_001_02_writes_bic():
    root, ns = parse(build_pain008(CREDITOR, MIXED_DEBITS, "pain.008.001.02"))
    assert root.findtext(".//p:CdtrAgt/p:FinInstnId/p:BIC", namespaces=ns) == (
        "COBADEFFXXX"
    )


def test_end_to_end_id_amount_and_remittance_are_written():
    found, ns = transaction(build_pain008(CREDITOR, MIXED_DEBITS), "INV-2026-0003")
    assert found.findtext("p:InstdAmt", namespaces=ns) == "30.01"
    assert found.find("p:InstdAmt", ns).get("Ccy") == "EUR"
    assert found.findtext(".//p:Ustrd", namespaces=ns) == "Invoice INV/2026/0003"
    assert found.findtext(".//p:MndtId", namespaces=ns) == "MANDATE-3"
    assert found.findtext(".//p:DtOfSgntr", namespaces=ns) == "2025-06-01"


def test_accented_long_names_and_remittance_are_transliterated_and_cut():
    name = "Jean-Édouard de La Rochefoucauld-Müller " * 5
    remittance = "Abonnement « Premium » — mois d’avril " * 6
    xml = build_pain008(CREDITOR, [debit(1, debtor_name=name, remittance=remittance)])
    found, ns = transaction(xml, "INV-2026-0001")
    written_name = found.findtext("p:Dbtr/p:Nm", namespaces=ns)
    written_remittance = found.findtext(".//p:Ustrd", namespaces=ns)
    assert written_name.startswith("Jean-Edouard de La Rochefoucauld-Muller Jean")
    assert len(written_name) <= 70 and len(written_remittance) <= 140
    assert written_remittance.startswith("Abonnement ' Premium ' - mois d'avril")
    root, ns = parse(xml)
    assert root.findtext(".//p:Cdtr/p:Nm", namespaces=ns) == (
        "Societe Generale d'Abonnements + Cie"
    )


def test_amendment_reports_the_original_mandate_values():
    amendment = Amendment(
        original_umr="OLD-1",
        original_creditor_id="ES23ZZZ47690558N",
        original_debtor_iban="FR14 2004 1010 0505 0001 3M02 606",
    )
    xml = build_pain008(CREDITOR, [debit(1, amendment=amendment)])
    found, ns = transaction(xml, "INV-2026-0001")
    info = found.find(".//p:MndtRltdInf", ns)
    assert info.findtext("p:AmdmntInd", namespaces=ns) == "true"
    details = info.find("p:AmdmntInfDtls", ns)
    assert details.findtext("p:OrgnlMndtId", namespaces=ns) == "OLD-1"
    creditor_id = "p:OrgnlCdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id"
    assert details.findtext(creditor_id, namespaces=ns) == "ES23ZZZ47690558N"
    assert details.findtext("p:OrgnlDbtrAcct/p:Id/p:IBAN", namespaces=ns) == (
        "FR1420041010050500013M02606"
    )


def test_new_debtor_bank_is_reported_as_smnda_in_the_original_account():
    xml = build_pain008(
        CREDITOR, [debit(1, sequence_type="FRST", amendment=Amendment(smnda=True))]
    )
    found, ns = transaction(xml, "INV-2026-0001")
    assert found.findtext(".//p:OrgnlDbtrAcct/p:Id/p:Othr/p:Id", namespaces=ns) == (
        "SMNDA"
    )


def test_smnda_with_an_original_iban_is_refused():
    amendment = Amendment(smnda=True, original_debtor_iban=DEBTOR_IBAN)
    with pytest.raises(ValueError, match="INV-2026-0001.*not both"):
        build_pain008(CREDITOR, [debit(1, amendment=amendment)])


def test_empty_amendment_is_refused():
    with pytest.raises(ValueError, match="does not say what changed"):
        build_pain008(CREDITOR, [debit(1, amendment=Amendment())])


def test_batch_booking_off_keeps_the_blocks_and_sets_the_flag():
    xml = build_pain008(replace(CREDITOR, batch_booking=False), MIXED_DEBITS)
    root, ns = parse(xml)
    flags = [flag.text for flag in root.iterfind(".//p:BtchBookg", ns)]
    assert flags == ["false"] * 4
    assert blocks(xml) == blocks(build_pain008(CREDITOR, MIXED_DEBITS))


def test_debit_without_remittance_text_has_no_remittance_block():
    xml = build_pain008(CREDITOR, [debit(1, remittance="🎉"), debit(2)])
    found, ns = transaction(xml, "INV-2026-0001")
    assert found.find("p:RmtInf", ns) is None
    found, ns = transaction(xml, "INV-2026-0002")
    assert found.findtext("p:RmtInf/p:Ustrd", namespaces=ns) == "Invoice INV/2026/0002"


def test_debtor_without_bic_gets_notprovided():
    found, ns = transaction(build_pain008(CREDITOR, [debit(1)]), "INV-2026-0001")
    assert found.findtext("p:DbtrAgt/p:FinInstnId/p:Othr/p:Id", namespaces=ns) == (
        "NOTPROVIDED"
    )


def test_creditor_without_bic_is_accepted_in_001_08():
    xml = build_pain008(replace(CREDITOR, bic=None), [debit(1)])
    root, ns = parse(xml)
    assert root.findtext(".//p:CdtrAgt/p:FinInstnId/p:Othr/p:Id", namespaces=ns) == (
        "NOTPROVIDED"
    )


def test_creditor_without_bic_is_refused_in_001_02():
    with pytest.raises(ValueError, match="needs the BIC of the creditor's bank"):
        build_pain008(replace(CREDITOR, bic=None), [debit(1)], "pain.008.001.02")


def test_repeated_end_to_end_id_is_refused():
    with pytest.raises(ValueError, match="'INV-2026-0001' is repeated"):
        build_pain008(CREDITOR, [debit(1), debit(1, umr="OTHER")])


def test_invalid_debtor_iban_names_the_debit():
    with pytest.raises(ValueError, match="Debit 'INV-2026-0002'.*not a valid IBAN"):
        build_pain008(CREDITOR, [debit(1), debit(2, debtor_iban="DE00123")])


def test_debtor_iban_outside_sepa_names_the_debit():
    debits = [debit(1), debit(2, debtor_iban="TR330006100519786457841326")]
    with pytest.raises(ValueError, match="Debit 'INV-2026-0002'.*outside the SEPA"):
        build_pain008(CREDITOR, debits)


def test_fraction_of_a_cent_is_refused():
    with pytest.raises(ValueError, match="fractions of a cent"):
        build_pain008(CREDITOR, [debit(1, amount=Decimal("9.999"))])


def test_debtor_name_without_latin_letters_is_refused():
    with pytest.raises(ValueError, match="enter it in Latin letters"):
        build_pain008(CREDITOR, [debit(1, debtor_name="山田太郎")])


def test_end_to_end_id_outside_the_charset_is_refused():
    with pytest.raises(ValueError, match="end-to-end id 'INV_1' contains '_'"):
        build_pain008(CREDITOR, [debit(1, end_to_end_id="INV_1")])


def test_mandate_signed_after_the_collection_is_refused():
    with pytest.raises(ValueError, match="after the collection date"):
        build_pain008(CREDITOR, [debit(1, mandate_date=date(2026, 5, 1))])


def test_unknown_sequence_type_is_refused():
    with pytest.raises(ValueError, match="Unknown sequence type 'LAST'"):
        build_pain008(CREDITOR, [debit(1, sequence_type="LAST")])


def test_currency_other_than_euro_is_refused():
    with pytest.raises(ValueError, match="in EUR, not CHF"):
        build_pain008(replace(CREDITOR, currency="CHF"), [debit(1)])


def test_empty_debit_list_is_refused():
    with pytest.raises(ValueError, match="no debit"):
        build_pain008(CREDITOR, [])


def test_unknown_version_is_refused():
    with pytest.raises(ValueError, match="Unsupported file version"):
        build_pain008(CREDITOR, [debit(1)], "pain.008.003.02")


def test_schema_errors_are_reported_with_their_line():
    xml = build_pain008(CREDITOR, [debit(1)]).replace(b"RCUR", b"LAST")
    with pytest.raises(
        ValueError, match=r"(?s)pain.008.001.08 schema:\nline \d+:.*LAST"
    ):
        validate_pain008(xml, DEFAULT_VERSION)


def test_file_of_another_version_does_not_validate():
    xml = build_pain008(CREDITOR, [debit(1)], "pain.008.001.02")
    with pytest.raises(ValueError, match="does not match the pain.008.001.08 schema"):
        validate_pain008(xml, "pain.008.001.08")


def test_malformed_xml_is_reported():
    with pytest.raises(ValueError, match="not well-formed XML"):
        validate_pain008(b"<Document>", DEFAULT_VERSION)


NAMES = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from("éèüßÆØŁçñЖжДΩωσ山田😀🎉 -'"),
    ),
    max_size=200,
)
AMOUNTS = st.integers(min_value=1, max_value=99_999_999_999).map(
    lambda cents: Decimal(cents).scaleb(-2)
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(NAMES, AMOUNTS, NAMES), min_size=1, max_size=4),
    st.sampled_from(SUPPORTED_VERSIONS),
)
def test_random_names_and_amounts_give_a_valid_file_within_limits(rows, version):
    debits = [
        debit(number, debtor_name=name, amount=amount, remittance=remittance)
        for number, (name, amount, remittance) in enumerate(rows)
    ]
    if any(not sanitize(name, NAME_MAX) for name, _amount, _remittance in rows):
        with pytest.raises(ValueError, match="enter it in Latin letters"):
            build_pain008(CREDITOR, debits, version)
        return
    xml = build_pain008(CREDITOR, debits, version)
    validate_pain008(xml, version)
    root, ns = parse(xml)
    names = [element.text for element in root.iterfind(".//p:Dbtr/p:Nm", ns)]
    remittances = [element.text for element in root.iterfind(".//p:Ustrd", ns)]
    assert all(0 < len(name) <= 70 and set(name) <= SEPA_CHARSET for name in names)
    assert all(len(text) <= 140 and set(text) <= SEPA_CHARSET for text in remittances)
    assert root.findtext("*/p:GrpHdr/p:CtrlSum", namespaces=ns) == str(
        sum(amount for _name, amount, _remittance in rows)
    )


def test_no_changed_value_is_no_amendment():
    assert amendment_of(False, False, False, False) is None


def test_amendment_keeps_the_original_values_that_changed():
    amendment = amendment_of("OLD-1", False, "FR72ZZZ123456", False)
    assert amendment == Amendment(
        original_umr="OLD-1", original_creditor_id="FR72ZZZ123456"
    )


def test_amendment_with_the_original_iban_does_not_report_smnda():
    amendment = amendment_of(False, "DE02120300000000202051", False, True)
    assert amendment.original_debtor_iban == "DE02120300000000202051"
    assert not amendment.smnda
    assert amendment_of(False, False, False, True) == Amendment(smnda=True)


def test_file_name_of_a_batch_reference_has_no_slash():
    assert pain008_file_name("SDD/2026/Übertrag") == "SDD-2026-Ubertrag.xml"
