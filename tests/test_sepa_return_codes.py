from datetime import date

import pytest

from recurring_billing.engine.sepa_returns import (
    REASON_CODES,
    mandate_action,
    proposed_return_type,
    reporting_window,
)


@pytest.mark.parametrize("code", ["MD01", "AC04", "MD07", "AC01", "AC06", "AG01"])
def test_codes_that_end_the_mandate(code):
    # The rules stop the collections after MD01, AC04 and MD07; an account that
    # cannot be debited as it stands (wrong, blocked, debits forbidden) stops them
    # too: the next invoices would only come back, each with its bank fee.
    assert mandate_action(code) == "stop"


def test_insufficient_funds_may_be_retried():
    assert mandate_action("AM04") == "retry"


@pytest.mark.parametrize("code", ["MD06", "MS02", "MS03", "SL01", "MD02"])
def test_other_codes_wait_for_a_person(code):
    assert mandate_action(code) == "manual"


def test_every_code_has_a_label_starting_with_it():
    codes = [code for code, _label, _action in REASON_CODES]
    assert len(codes) == len(set(codes))
    assert all(label.startswith(f"{code} - ") for code, label, _ in REASON_CODES)


def test_unknown_code_is_refused():
    with pytest.raises(ValueError, match="Unknown SEPA return reason code 'XX99'"):
        mandate_action("XX99")


# A debit settled on Monday 2 March 2026 (TARGET2 calendar).
SETTLED = date(2026, 3, 2)


def test_reject_is_reported_before_the_settlement_day():
    # The debit counts as collected on its settlement day: the last day of a
    # reject is the day before, Sunday 1 March.
    assert reporting_window("reject", SETTLED) == (None, date(2026, 3, 1))


def test_return_is_reported_up_to_five_business_days_after_settlement():
    # Tuesday 3 to Friday 6 March, then Monday 9: the fifth business day.
    assert reporting_window("return", SETTLED) == (SETTLED, date(2026, 3, 9))


def test_return_window_skips_the_target2_holidays_of_easter():
    # Settled Monday 30 March: 31 March, 1 and 2 April, Good Friday 3 April and
    # Easter Monday 6 April closed, so the fifth business day is Wednesday 8 April.
    assert reporting_window("return", date(2026, 3, 30)) == (
        date(2026, 3, 30),
        date(2026, 4, 8),
    )


def test_refund_is_recorded_whenever_the_bank_books_it():
    # The debtor claims within 8 weeks (13 months if never authorised); the banks'
    # investigation and booking come after: no last day for the creditor.
    assert reporting_window("refund", SETTLED) == (SETTLED, None)


def test_window_of_an_unknown_type_is_refused():
    with pytest.raises(ValueError, match="Unknown SEPA R-transaction type 'recall'"):
        reporting_window("recall", SETTLED)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Settled Monday 2 March: before it a reject, until Monday 9 a return.
        (date(2026, 2, 27), "reject"),
        (date(2026, 3, 2), "return"),
        (date(2026, 3, 9), "return"),
        (date(2026, 3, 10), "refund"),
    ],
)
def test_proposed_type_follows_the_windows(day, expected):
    assert proposed_return_type(SETTLED, day) == expected
