"""Validation of the identifiers and amounts that go into a SEPA Direct Debit file.

Each function returns the value in the form to write in the file (compact, upper case,
two decimals) or raises ``ValueError`` with a sentence a user can act on.

>>> validate_creditor_identifier("de98 zzz 09999999999")
'DE98ZZZ09999999999'
>>> validate_sepa_iban("CH93 0076 2011 6238 5295 7")
'CH9300762011623852957'
>>> check_amount(Decimal("12.5"))
Decimal('12.50')
"""

import functools
import re
import string
from decimal import Decimal

from stdnum import bic, iban, numdb
from stdnum.eu import at_02
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidLength,
    ValidationError,
)
from stdnum.util import get_cc_module

AMOUNT_MAX = Decimal("999999999.99")
CURRENCY = "EUR"
# The geographical scope of the SEPA schemes (EPC409-09, 41 countries since May 2025):
# the EU, the EEA, Switzerland, the United Kingdom, Monaco, San Marino, Andorra, the
# Vatican, Albania, Montenegro, Moldova, North Macedonia and Serbia, and Gibraltar,
# whose accounts have IBANs of their own (the other territories use their country's).
SEPA_COUNTRIES = frozenset(
    {
        *("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR"),
        *("HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO"),
        *("SE", "SI", "SK", "IS", "LI", "NO", "CH", "GB", "MC", "SM", "AD", "VA"),
        *("AL", "ME", "MD", "MK", "RS", "GI"),
    }
)

_CENT = Decimal("0.01")
# Country code, check digits, creditor business code, national identifier (EPC262-08):
# stdnum checks the check digits only, the shape is checked here.
_CREDITOR_ID_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}")
# stdnum looks the country's account layout up in its registry for every IBAN, most of
# the time of a large file: the layouts are kept per country here, and stdnum is asked
# only for the countries with a national check and to say what is wrong with an IBAN.
_IBAN_REGISTRY = numdb.get("iban")
_LAYOUT_PART = re.compile(r"([1-9][0-9]*)!([nac])")
_LAYOUT_CHARS = {"n": "[0-9]", "a": "[A-Z]", "c": "[A-Za-z0-9]"}
_IBAN_SEPARATORS = str.maketrans("", "", " -.")
# ISO 13616 check: letters count as 10 (A) to 35 (Z).
_LETTERS_AS_DIGITS = {ord(c): str(ord(c) - 55) for c in string.ascii_uppercase}


def _reason(error: ValidationError) -> str:
    if isinstance(error, InvalidChecksum):
        return "its check digits do not match"
    if isinstance(error, InvalidLength):
        return "it has the wrong length"
    if isinstance(error, InvalidComponent):
        return "its country code is unknown"
    return "it has the wrong format"


def _require_text(value: str, label: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"The {label} is empty.")


def validate_creditor_identifier(value: str) -> str:
    """Return the SEPA creditor identifier (ICS, AT-02) ``value`` in compact form.

    Spaces are removed and letters upper-cased; the ISO 7064 mod 97-10 check digits
    are verified over the national identifier (``stdnum.eu.at_02``).

    :raises ValueError: when the identifier is empty, badly shaped or its check digits
        do not match.
    """
    _require_text(value, "creditor identifier")
    if not _CREDITOR_ID_SHAPE.fullmatch(at_02.compact(value)):
        raise ValueError(
            f"{value!r} is not a valid SEPA creditor identifier: expected a country "
            "code, 2 check digits, a 3-character business code (ZZZ if none) and the "
            "national identifier, at most 35 characters."
        )
    try:
        return at_02.validate(value)
    except ValidationError as error:
        raise ValueError(
            f"{value!r} is not a valid SEPA creditor identifier: {_reason(error)}."
        ) from error


@functools.cache
def _bban_layout(country: str) -> re.Pattern | None:
    """The layout of the national part of ``country``'s IBANs, None when unknown or
    when stdnum has a national check for that country."""
    properties = _IBAN_REGISTRY.info(country)[0][1]
    if not properties or get_cc_module(country.lower(), "iban"):
        return None
    return re.compile(
        _LAYOUT_PART.sub(
            lambda part: f"{_LAYOUT_CHARS[part[2]]}{{{part[1]}}}",
            properties.get("bban", ""),
        )
    )


def validate_iban(value: str) -> str:
    """Return the IBAN ``value`` in compact form (no spaces, upper case).

    The check digits and the country-specific layout are verified (``stdnum.iban``).

    :raises ValueError: when the IBAN is empty or invalid.
    """
    _require_text(value, "IBAN")
    # An ASCII IBAN is compacted as stdnum does it; stdnum also maps other dashes and
    # digits to ASCII, so anything else is left to it.
    number = value.translate(_IBAN_SEPARATORS).upper() if value.isascii() else ""
    layout = _bban_layout(number[:2]) if number[:2].isalpha() else None
    if (
        layout
        and number.isalnum()
        and layout.fullmatch(number[4:])
        and int((number[4:] + number[:4]).translate(_LETTERS_AS_DIGITS)) % 97 == 1
    ):
        return number
    try:
        return iban.validate(value)
    except ValidationError as error:
        raise ValueError(f"{value!r} is not a valid IBAN: {_reason(error)}.") from error


def validate_sepa_iban(value: str) -> str:
    """Return the IBAN ``value`` in compact form if it is valid and of a SEPA country.

    :raises ValueError: when the IBAN is empty, invalid or of a country outside SEPA.
    """
    number = validate_iban(value)
    if number[:2] not in SEPA_COUNTRIES:
        raise ValueError(
            f"{value!r} is an IBAN of {number[:2]}, outside the SEPA area: SEPA Direct "
            "Debits collect from accounts in SEPA countries only."
        )
    return number


def validate_bic(value: str) -> str:
    """Return the BIC (ISO 9362) ``value`` in compact form, 8 or 11 characters.

    :raises ValueError: when the BIC is empty or does not have the ISO 9362 layout.
    """
    _require_text(value, "BIC")
    try:
        return bic.validate(value)
    except ValidationError as error:
        raise ValueError(
            f"{value!r} is not a valid BIC: {_reason(error)} "
            "(4 letters for the bank, 2 for the country, 2 letters or digits for the "
            "location, optionally 3 for the branch)."
        ) from error


def check_amount(amount: Decimal) -> Decimal:
    """Return ``amount`` with exactly two decimals if SEPA accepts it as a EUR amount.

    :raises ValueError: unless ``amount`` is a finite ``Decimal`` above zero, at most
        999,999,999.99 and without fractions of a cent.
    """
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValueError(f"The amount {amount!r} must be a finite Decimal.")
    if amount <= 0:
        raise ValueError(f"The amount {amount} must be above zero.")
    if amount > AMOUNT_MAX:
        raise ValueError(f"The amount {amount} is above the SEPA maximum {AMOUNT_MAX}.")
    rounded = amount.quantize(_CENT)
    if rounded != amount:
        raise ValueError(f"The amount {amount} has fractions of a cent.")
    return rounded
