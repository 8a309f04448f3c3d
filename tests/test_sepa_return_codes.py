import pytest

from recurring_billing.engine.sepa_returns import REASON_CODES, mandate_action


@pytest.mark.parametrize("code", ["MD01", "AC04", "MD07", "AC01", "AC06", "AG01"])
def test_codes_that_end_the_mandate(code):
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
