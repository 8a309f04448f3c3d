"""Texts and identifiers restricted to the SEPA character set.

SEPA files accept only ``a-z A-Z 0-9 / - ? : ( ) . , ' +`` and space. Free texts (names,
remittance information) are transliterated to that set; identifiers (mandate references,
end-to-end ids) are checked instead, because changing them silently would break the match
with the mandate or with a later return.

>>> sanitize("Jürgen Groß & Søn — “Ærø”", 70)
"Jurgen Gross + Son - 'AEro'"
>>> sanitize("Дмитрий Иванов", 70)
'Dmitrii Ivanov'
"""

import functools
import itertools
import re
import string
import unicodedata

SEPA_CHARSET = frozenset(string.ascii_letters + string.digits + "/-?:().,'+ ")

NAME_MAX = 70
E2E_ID_MAX = 35
REMITTANCE_MAX = 140
UMR_MAX = 35

# Letters NFKD does not decompose, and punctuation with a close SEPA equivalent.
_LATIN = {
    "ß": "ss",
    "ẞ": "SS",
    "Æ": "AE",
    "æ": "ae",
    "Œ": "OE",
    "œ": "oe",
    "Ø": "O",
    "ø": "o",
    "Ł": "L",
    "ł": "l",
    "Đ": "D",
    "đ": "d",
    "Ð": "D",
    "ð": "d",
    "Þ": "TH",
    "þ": "th",
    "Ħ": "H",
    "ħ": "h",
    "ı": "i",
    "ĸ": "k",
    "Ŋ": "N",
    "ŋ": "n",
    "‘": "'",
    "’": "'",
    "‚": "'",
    "‛": "'",
    "“": "'",
    "”": "'",
    "„": "'",
    '"': "'",
    "«": "'",
    "»": "'",
    "‹": "'",
    "›": "'",
    "`": "'",
    "´": "'",
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "−": "-",
    "_": "-",
    "&": "+",
    "[": "(",
    "]": ")",
    "{": "(",
    "}": ")",
    "€": "EUR",
}

# Cyrillic (ICAO 9303 romanisation) and Greek (ELOT 743) lower-case letters, applied after
# NFKD so that accented forms (ё, й, ά) arrive here as their base letter.
_CYRILLIC = {
    **dict(zip("абвгдезиклмнопрстуфыэіґ", "abvgdeziklmnoprstufyeig", strict=True)),
    "ж": "zh",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "ie",
    "ь": "",
    "ю": "iu",
    "я": "ia",
    "є": "ie",
}
_GREEK = {
    **dict(zip("αβγδεζηικλμνξοπρσςτυφω", "avgdeziiklmnxoprsstyfo", strict=True)),
    "θ": "th",
    "χ": "ch",
    "ψ": "ps",
}


def _build_table() -> dict[str, str]:
    table = dict(_LATIN)
    for letter, latin in {**_CYRILLIC, **_GREEK}.items():
        table[letter] = latin
        table[letter.upper()] = latin.capitalize()
    # Greek writes "u" as a digraph: Παπαδόπουλος → Papadopoulos.
    for omicron, upsilon in itertools.product("οΟ", "υύΥΎ"):
        upper = omicron.isupper() and upsilon.isupper()
        table[omicron + upsilon] = (
            "OU" if upper else "ou" if omicron.islower() else "Ou"
        )
    return table


_TABLE = _build_table()
_TO_REPLACE = re.compile(r"[οΟ][υύΥΎ]|[^a-zA-Z0-9/\-?:().,'+ ]")


@functools.lru_cache(maxsize=4096)
def _transliterate(char: str) -> str:
    """Return the SEPA replacement of one character (or Greek digraph)."""
    if char in _TABLE:
        return _TABLE[char]
    # NFKD splits é into e and a combining accent, ﬁ into f i, Ａ into A; its parts are
    # already decomposed, so the recursion stops at the next level.
    decomposed = unicodedata.normalize("NFKD", char)
    if decomposed != char:
        return "".join(
            part if part in SEPA_CHARSET else _transliterate(part)
            for part in decomposed
        )
    category = unicodedata.category(char)
    if category == "Nd":
        return str(unicodedata.digit(char))
    # Separators, punctuation, symbols (emoji included) and control characters such as
    # tabs stand between words: a space keeps "Anna🎉Schmidt" as two words.
    if category[0] in "ZPS" or category == "Cc":
        return " "
    # Combining accents, format characters (zero-width joiners, variation selectors)
    # and letters of scripts without a table here (CJK, Arabic...) are dropped.
    return ""


def sanitize(text: str | None, max_length: int) -> str:
    """Return ``text`` restricted to the SEPA character set, at most ``max_length`` long.

    Latin letters lose their accents (é → e, through Unicode NFKD), a few letters and
    quotes are spelled out (ß → ss, Æ → AE, Ø → O, Ł → L, curly quotes → '), Cyrillic
    and Greek are romanised, other punctuation and emoji become spaces, letters of other
    scripts are dropped. Spaces are then collapsed and stripped, and the result cut at
    ``max_length`` (without a trailing space). An empty or ``None`` text gives "".
    """
    if not text:
        return ""
    mapped = _TO_REPLACE.sub(lambda match: _transliterate(match[0]), text)
    return " ".join(mapped.split())[:max_length].rstrip()


def check_identifier(value: str, max_length: int, label: str) -> str:
    """Return ``value`` if it can be used as-is as a SEPA identifier, else raise.

    An identifier is non-empty, at most ``max_length`` characters of the SEPA character
    set, and neither starts nor ends with a space or (EPC implementation guidelines,
    character set rules) with '/', nor contains '//'. ``label`` names the identifier in
    the error message.

    :raises ValueError: with a sentence saying which rule is broken.
    """
    if not value or not value.strip():
        raise ValueError(f"The {label} is empty.")
    if len(value) > max_length:
        raise ValueError(
            f"The {label} {value!r} is {len(value)} characters long; "
            f"at most {max_length} are allowed."
        )
    invalid = sorted(set(value) - SEPA_CHARSET)
    if invalid:
        raise ValueError(
            f"The {label} {value!r} contains {', '.join(map(repr, invalid))}; only "
            "letters a-z A-Z, digits, space and / - ? : ( ) . , ' + are allowed."
        )
    if value != value.strip():
        raise ValueError(f"The {label} {value!r} may not start or end with a space.")
    if value.startswith("/") or value.endswith("/"):
        raise ValueError(f"The {label} {value!r} may not start or end with '/'.")
    if "//" in value:
        raise ValueError(f"The {label} {value!r} may not contain '//'.")
    return value


def end_to_end_id(reference: str, attempt: int = 0) -> str:
    """Return the end-to-end id of the debit collecting the document ``reference``.

    ``attempt`` counts the earlier debits of the document that were returned: an
    end-to-end id names one debit of the creditor, so a debit presented again gets the
    suffix of its try. The reference is restricted to the SEPA character set and cut
    to leave room for the suffix; a '//', which an identifier may not hold, becomes '/'.

    >>> end_to_end_id("INV/2026/00012")
    'INV/2026/00012'
    >>> end_to_end_id("INV/2026/00012", attempt=1)
    'INV/2026/00012-2'
    >>> end_to_end_id("Facture n° 12 // mars")
    'Facture n 12 / mars'
    """
    suffix = f"-{attempt + 1}" if attempt else ""
    return sanitize(reference, E2E_ID_MAX - len(suffix)).replace("//", "/") + suffix


def check_umr(umr: str) -> str:
    """Return the unique mandate reference ``umr`` if it is valid, else raise.

    :raises ValueError: when it is empty, longer than 35 characters, uses characters
        outside the SEPA set, starts or ends with a space or '/', or contains '//'.
    """
    return check_identifier(umr, UMR_MAX, "mandate reference")


def mentions(text: str | None, reference: str | None) -> bool:
    """Whether ``text`` holds ``reference`` as a whole (not inside a longer one), in
    any case: how a bank statement line is told to be the credit of a debit.

    >>> mentions("SEPA-LASTSCHRIFT inv/2026/00012 Muller", "INV/2026/00012")
    True
    >>> mentions("SEPA-LASTSCHRIFT INV/2026/00012", "INV/2026/0001")
    False
    >>> mentions(None, "INV/2026/00012"), mentions("INV/2026/00012", "")
    (False, False)
    """
    if not text or not reference:
        return False
    pattern = rf"(?<![0-9A-Za-z]){re.escape(reference)}(?![0-9A-Za-z])"
    return re.search(pattern, text, re.IGNORECASE) is not None
