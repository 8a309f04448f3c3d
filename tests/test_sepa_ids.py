import doctest
from decimal import Decimal

import pytest

from recurring_billing.engine import sepa_ids
from recurring_billing.engine.sepa_ids import (
    AMOUNT_MAX,
    check_amount,
    validate_bic,
    validate_creditor_identifier,
    validate_iban,
    validate_sepa_iban,
)


def test_german_test_creditor_identifier_is_valid():
    assert validate_creditor_identifier("DE98ZZZ09999999999") == "DE98ZZZ09999999999"


def test_creditor_identifier_is_compacted_and_upper_cased():
    assert validate_creditor_identifier(" de98 zzz 0999 9999 999") == (
        "DE98ZZZ09999999999"
    )


def test_spanish_creditor_identifier_with_letters_is_valid():
    assert validate_creditor_identifier("ES23ZZZ47690558N") == "ES23ZZZ47690558N"


def test_creditor_identifier_with_wrong_check_digits_is_refused():
    with pytest.raises(ValueError, match="check digits do not match"):
        validate_creditor_identifier("DE97ZZZ09999999999")


def test_creditor_identifier_with_a_typo_in_the_national_id_is_refused():
    with pytest.raises(ValueError, match="check digits do not match"):
        validate_creditor_identifier("DE98ZZZ09999999998")


def test_truncated_creditor_identifier_is_refused_with_the_expected_layout():
    with pytest.raises(ValueError, match="expected a country code, 2 check digits"):
        validate_creditor_identifier("DE98")


def test_empty_creditor_identifier_is_refused():
    with pytest.raises(ValueError, match="creditor identifier is empty"):
        validate_creditor_identifier("")


def test_iban_with_spaces_is_compacted():
    assert validate_iban("de89 3704 0044 0532 0130 00") == "DE89370400440532013000"


def test_iban_of_other_countries_is_valid():
    assert validate_iban("FR14 2004 1010 0505 0001 3M02 606") == (
        "FR1420041010050500013M02606"
    )


def test_iban_with_wrong_check_digits_is_refused():
    with pytest.raises(ValueError, match="not a valid IBAN: its check digits"):
        validate_iban("DE89370400440532013001")


def test_iban_of_unknown_country_is_refused():
    with pytest.raises(ValueError, match="its country code is unknown"):
        validate_iban("XX46370400440532013000")


def test_german_iban_one_digit_short_is_refused_despite_right_check_digits():
    with pytest.raises(ValueError, match="it has the wrong format"):
        validate_iban("DE5137040044053201300")


def test_empty_iban_is_refused():
    with pytest.raises(ValueError, match="IBAN is empty"):
        validate_iban(None)


def test_iban_of_a_sepa_country_outside_the_eu_is_accepted():
    assert validate_sepa_iban("CH93 0076 2011 6238 5295 7") == "CH9300762011623852957"


def test_valid_iban_of_a_country_outside_sepa_is_refused():
    with pytest.raises(ValueError, match="TR.*outside the SEPA area"):
        validate_sepa_iban("TR330006100519786457841326")


def test_invalid_iban_is_refused_before_its_country_is_looked_at():
    with pytest.raises(ValueError, match="check digits"):
        validate_sepa_iban("DE89370400440532013001")


def test_bic_of_8_and_11_characters_is_valid():
    assert validate_bic("cobadeff") == "COBADEFF"
    assert validate_bic("COBA DE FF XXX") == "COBADEFFXXX"


def test_bic_with_digits_in_the_country_code_is_refused():
    with pytest.raises(ValueError, match="not a valid BIC"):
        validate_bic("COBAD3FF")


def test_bic_of_9_characters_is_refused():
    with pytest.raises(ValueError, match="wrong length"):
        validate_bic("COBADEFFX")


def test_amount_gets_two_decimals():
    assert str(check_amount(Decimal("12.5"))) == "12.50"
    assert str(check_amount(Decimal("10.500"))) == "10.50"


def test_one_cent_and_the_maximum_are_accepted():
    assert check_amount(Decimal("0.01")) == Decimal("0.01")
    assert check_amount(Decimal("999999999.99")) == AMOUNT_MAX


def test_zero_amount_is_refused():
    with pytest.raises(ValueError, match="must be above zero"):
        check_amount(Decimal("0.00"))


def test_negative_amount_is_refused():
    with pytest.raises(ValueError, match="must be above zero"):
        check_amount(Decimal("-5"))


def test_amount_above_the_maximum_is_refused():
    with pytest.raises(ValueError, match="above the SEPA maximum"):
        check_amount(Decimal("1000000000.00"))


def test_fraction_of_a_cent_is_refused():
    with pytest.raises(ValueError, match="fractions of a cent"):
        check_amount(Decimal("10.005"))


def test_float_amount_is_refused():
    with pytest.raises(ValueError, match="must be a finite Decimal"):
        check_amount(10.5)


def test_nan_amount_is_refused():
    with pytest.raises(ValueError, match="must be a finite Decimal"):
        check_amount(Decimal("NaN"))


def test_module_docstring_examples_hold():
    assert doctest.testmod(sepa_ids).failed == 0
