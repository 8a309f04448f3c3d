import doctest

import pytest

from recurring_billing.engine import sepa_banks
from recurring_billing.engine.sepa_banks import bank_code, same_bank

# Two accounts at Commerzbank (bank code 37040044), one at Deutsche Bank (50010517).
COMMERZBANK = "DE89370400440532013000"
COMMERZBANK_OTHER = "DE62370400440532013001"
DEUTSCHE_BANK = "DE44500105175407324931"


@pytest.mark.parametrize(
    ("iban", "code"),
    [
        ("DE89 3704 0044 0532 0130 00", "37040044"),
        ("FR1420041010050500013M02606", "20041"),
        ("NL91ABNA0417164300", "ABNA"),
        ("BE68539007547034", "539"),
        ("ES9121000418450200051332", "2100"),
        # The CIN check letter comes before the 5-digit ABI code.
        ("IT60X0542811101000000123456", "05428"),
        ("AT611904300234573201", "19043"),
    ],
)
def test_bank_code_is_read_at_the_country_position(iban, code):
    assert bank_code(iban) == code


def test_bank_code_of_a_country_without_known_layout_is_unknown():
    assert bank_code("FI2112345600000785") is None


def test_same_bank_without_bic_is_decided_by_the_iban_bank_code():
    assert same_bank(COMMERZBANK, None, COMMERZBANK_OTHER, None)
    assert not same_bank(COMMERZBANK, None, DEUTSCHE_BANK, None)


def test_one_bic_missing_falls_back_to_the_iban_bank_code():
    assert not same_bank(COMMERZBANK, None, DEUTSCHE_BANK, "DEUTDEFFXXX")
    assert same_bank(COMMERZBANK, "COBADEFFXXX", COMMERZBANK_OTHER, None)


def test_bics_decide_when_both_are_known_branch_code_aside():
    assert same_bank(COMMERZBANK, "COBADEFF", COMMERZBANK_OTHER, "COBADEFFXXX")
    assert not same_bank(COMMERZBANK, "COBADEFFXXX", COMMERZBANK_OTHER, "DEUTDEFF")


def test_accounts_in_two_countries_are_at_two_banks():
    assert not same_bank(COMMERZBANK, None, "FR1420041010050500013M02606", None)


def test_unknown_layout_counts_as_another_bank_unless_the_iban_is_the_same():
    assert not same_bank("FI2112345600000785", None, "FI5542345670000081", None)
    assert same_bank("FI2112345600000785", None, "fi21 1234 5600 0007 85", None)


def test_module_docstring_examples_hold():
    assert doctest.testmod(sepa_banks).failed == 0
