"""Whether two accounts of a debtor are held at the same bank.

A debtor moving the account of a mandate to another account of the same bank is
reported in the next collection with the original IBAN; moving it to another bank is
reported with SMNDA ("same mandate, new debtor account"). The bank is known by its BIC
or, when a BIC is missing, by the bank code that most SEPA countries put at a fixed
place of the IBAN. When neither tells, the accounts count as held at two banks: SMNDA
is what the debtor's new bank needs to accept a mandate it has never seen.

>>> bank_code("DE89 3704 0044 0532 0130 00")
'37040044'
>>> same_bank("DE89370400440532013000", None, "DE62370400440532013001", "COBADEFFXXX")
True
"""

# Where the national bank code sits in the IBAN of each country (after the country code
# and the check digits): Germany's 8-digit Bankleitzahl, the French code banque,
# the letters of the Dutch bank, the Italian ABI after the CIN check letter...
_BANK_CODE_SLICES = {
    "AT": slice(4, 9),
    "BE": slice(4, 7),
    "CH": slice(4, 9),
    "DE": slice(4, 12),
    "ES": slice(4, 8),
    "FR": slice(4, 9),
    "GB": slice(4, 8),
    "IE": slice(4, 8),
    "IT": slice(5, 10),
    "LI": slice(4, 9),
    "LU": slice(4, 7),
    "MC": slice(4, 9),
    "NL": slice(4, 8),
    "PT": slice(4, 8),
    "SM": slice(5, 10),
}
_SEPARATORS = str.maketrans("", "", " -.")


def _compact(value: str | None) -> str:
    return (value or "").translate(_SEPARATORS).upper()


def bank_code(iban: str) -> str | None:
    """Return the national bank code inside ``iban``, None when the country's layout
    is not known here."""
    number = _compact(iban)
    where = _BANK_CODE_SLICES.get(number[:2])
    return number[where] if where else None


def same_bank(
    old_iban: str, old_bic: str | None, new_iban: str, new_bic: str | None
) -> bool:
    """Return whether the account ``new_iban`` (BIC ``new_bic``) is held at the bank
    of ``old_iban`` (BIC ``old_bic``).

    With both BICs, their first 8 characters (bank, country, location) decide: the
    branch code does not change the bank. Otherwise the bank codes inside the IBANs
    decide; accounts in two countries, or in a country whose IBAN layout is not known
    here, are at two banks unless the IBAN is the same.
    """
    old, new = _compact(old_iban), _compact(new_iban)
    if old == new:
        return True
    if old_bic and new_bic:
        return _compact(old_bic)[:8] == _compact(new_bic)[:8]
    if old[:2] != new[:2]:
        return False
    code = bank_code(old)
    return code is not None and code == bank_code(new)
