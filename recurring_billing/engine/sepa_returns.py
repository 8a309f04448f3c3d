"""R-transactions of SEPA Direct Debits: ISO 20022 reason codes and what follows them.

A reject (before settlement), a return (up to 5 TARGET2 business days after) or a
refund (8 weeks, 13 months if unauthorised) carries a reason code. Some codes mean the
mandate can no longer be collected (no mandate, account closed or blocked, debtor
deceased...); after insufficient funds the debit may be presented again; after the
others the invoice is open again and waits for a person to decide.

>>> mandate_action("AM04")
'retry'
>>> mandate_action("MD07")
'stop'
>>> reporting_window("return", date(2026, 3, 2))
(datetime.date(2026, 3, 2), datetime.date(2026, 3, 9))
"""

from datetime import date, timedelta

from .sepa_calendar import add_business_days

RETURN_BUSINESS_DAYS = 5

RETURN_TYPES = (
    ("reject", "Reject (before settlement)"),
    ("return", "Return (after settlement)"),
    ("refund", "Refund (requested by the debtor)"),
)

# (code, label, action): the codes seen most in SEPA Direct Debit R-transactions.
REASON_CODES = (
    ("AC01", "AC01 - Account identifier incorrect (invalid IBAN)", "stop"),
    ("AC04", "AC04 - Account closed", "stop"),
    ("AC06", "AC06 - Account blocked for direct debits", "stop"),
    ("AG01", "AG01 - Direct debit forbidden on this account", "stop"),
    ("AG02", "AG02 - Invalid bank operation code", "manual"),
    ("AM04", "AM04 - Insufficient funds", "retry"),
    ("AM05", "AM05 - Duplicate collection", "manual"),
    ("BE05", "BE05 - Creditor identifier unknown to the debtor bank", "manual"),
    ("FF01", "FF01 - Invalid file format", "manual"),
    ("MD01", "MD01 - No valid mandate", "stop"),
    ("MD02", "MD02 - Mandate data missing or incorrect", "manual"),
    ("MD06", "MD06 - Refund requested by the debtor", "manual"),
    ("MD07", "MD07 - Debtor deceased", "stop"),
    ("MS02", "MS02 - Refused by the debtor", "manual"),
    ("MS03", "MS03 - Reason not specified", "manual"),
    ("RC01", "RC01 - Bank identifier incorrect (invalid BIC)", "manual"),
    ("RR01", "RR01 - Debtor account or identification missing", "manual"),
    ("SL01", "SL01 - Specific service offered by the debtor bank", "manual"),
)

# The choice of a reason code on a debit, a mandate and the return form.
REASON_CODE_SELECTION = [(code, label) for code, label, _action in REASON_CODES]

_ACTIONS = {code: action for code, _label, action in REASON_CODES}


def mandate_action(code: str) -> str:
    """Return what a return with reason ``code`` does to the mandate and the debt.

    ``"stop"``: the mandate may not be collected any more (no mandate, closed or
    blocked account, debtor deceased...); ``"retry"``: the same debit may be presented
    again later (insufficient funds); ``"manual"``: the invoice is open again and is
    not collected again automatically.

    :raises ValueError: for a code not in ``REASON_CODES``.
    """
    try:
        return _ACTIONS[code]
    except KeyError:
        raise ValueError(f"Unknown SEPA return reason code {code!r}.") from None


def reporting_window(
    return_type: str, date_settlement: date
) -> tuple[date | None, date | None]:
    """Return the first and last days (both included; ``None``: no limit) on which an
    R-transaction of ``return_type`` may be reported for a debit settled on
    ``date_settlement``.

    The debit counts as collected on its settlement day: a reject comes before it, a
    return from it to the 5th TARGET2 business day after, a refund from it on. The
    debtor claims a refund within 8 weeks (13 months for a debit never authorised),
    but the banks take their time to investigate and book it: the creditor records
    it on the day its bank takes the money back, whenever that is.

    :raises ValueError: for a type not in ``RETURN_TYPES``.
    """
    if return_type == "reject":
        return None, date_settlement - timedelta(days=1)
    if return_type == "return":
        return date_settlement, add_business_days(date_settlement, RETURN_BUSINESS_DAYS)
    if return_type == "refund":
        return date_settlement, None
    raise ValueError(f"Unknown SEPA R-transaction type {return_type!r}.")


def proposed_return_type(date_settlement: date, day: date) -> str:
    """Return the type an R-transaction reported on ``day`` most likely has, for a
    debit settled on ``date_settlement``: a reject before the settlement, a return
    within its window, a refund after it.

    >>> proposed_return_type(date(2026, 3, 2), date(2026, 3, 10))
    'refund'
    """
    if day < date_settlement:
        return "reject"
    _first, last = reporting_window("return", date_settlement)
    return "return" if day <= last else "refund"
