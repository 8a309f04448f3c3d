import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recurring_billing.engine import sepa_text
from recurring_billing.engine.sepa_text import (
    E2E_ID_MAX,
    NAME_MAX,
    REMITTANCE_MAX,
    SEPA_CHARSET,
    UMR_MAX,
    check_identifier,
    check_umr,
    end_to_end_id,
    sanitize,
)


def test_charset_is_the_epc_latin_set():
    assert len(SEPA_CHARSET) == 26 + 26 + 10 + 11
    assert set("/-?:().,'+ ") <= SEPA_CHARSET
    assert not {"&", "_", "é", '"', "*"} & SEPA_CHARSET


def test_limits_are_the_epc_field_lengths():
    assert (NAME_MAX, E2E_ID_MAX, REMITTANCE_MAX, UMR_MAX) == (70, 35, 140, 35)


def test_accents_are_removed():
    assert sanitize("Élodie Müller-Gaëtan Çelik Šimić", 70) == (
        "Elodie Muller-Gaetan Celik Simic"
    )


def test_sharp_s_and_undecomposable_letters_are_spelled_out():
    assert sanitize("Groß Æsa Øster Łukasz Đorđe Þór Œuvre", 70) == (
        "Gross AEsa Oster Lukasz Dorde THor OEuvre"
    )


def test_curly_quotes_dashes_and_ampersand_get_sepa_equivalents():
    assert sanitize("“Smith” & O’Brien — Ltd", 70) == "'Smith' + O'Brien - Ltd"


def test_cyrillic_and_greek_are_romanised():
    assert sanitize("Дмитрий Щукин", 70) == "Dmitrii Shchukin"
    assert sanitize("Σωκράτης Παπαδόπουλος", 70) == "Sokratis Papadopoulos"


def test_cjk_letters_are_dropped():
    assert sanitize("山田太郎 Taro Yamada", 70) == "Taro Yamada"
    assert sanitize("山田太郎", 70) == ""


def test_emoji_separate_words_and_vanish():
    assert sanitize("Anna🎉Schmidt 👨‍👩‍👧 ✨", 70) == "Anna Schmidt"


def test_other_punctuation_and_control_characters_become_single_spaces():
    assert sanitize("  Invoice #42;\tpaid\n100% ", 140) == "Invoice 42 paid 100"


def test_compatibility_forms_are_folded():
    assert sanitize("ﬁle Ｎo² ٣", 70) == "file No2 3"


def test_200_character_name_is_cut_to_70_without_trailing_space():
    text = ("Jean-Édouard " * 16)[:200]
    result = sanitize(text, NAME_MAX)
    assert len(text) == 200
    assert len(result) <= NAME_MAX
    assert result == result.strip()
    assert result.startswith("Jean-Edouard Jean-Edouard")


def test_empty_and_none_give_an_empty_string():
    assert sanitize("", 70) == ""
    assert sanitize(None, 70) == ""
    assert sanitize(" 🎉 ", 70) == ""


@given(st.text(max_size=300), st.integers(min_value=1, max_value=140))
def test_any_text_comes_out_in_the_charset_within_the_limit(text, max_length):
    result = sanitize(text, max_length)
    assert set(result) <= SEPA_CHARSET
    assert len(result) <= max_length
    assert result == result.strip()
    assert "  " not in result


def test_valid_umr_is_returned_unchanged():
    assert check_umr("MANDATE-2026/0001") == "MANDATE-2026/0001"
    assert check_umr("A" * 35) == "A" * 35


def test_umr_longer_than_35_characters_is_refused():
    with pytest.raises(ValueError, match="36 characters long; at most 35"):
        check_umr("A" * 36)


def test_empty_umr_is_refused():
    with pytest.raises(ValueError, match="mandate reference is empty"):
        check_umr("  ")


def test_umr_with_characters_outside_the_charset_is_refused():
    with pytest.raises(ValueError, match="contains '_', 'é'"):
        check_umr("MANDé_1")


def test_umr_starting_with_a_slash_is_refused():
    with pytest.raises(ValueError, match="start or end with '/'"):
        check_umr("/MANDATE1")


def test_umr_containing_a_double_slash_is_refused():
    with pytest.raises(ValueError, match="may not contain '//'"):
        check_umr("MANDATE//1")


def test_umr_with_a_trailing_space_is_refused():
    with pytest.raises(ValueError, match="may not start or end with a space"):
        check_umr("MANDATE-1 ")


def test_identifier_error_names_the_field():
    with pytest.raises(ValueError, match="The end-to-end id 'A' is 1 characters"):
        check_identifier("A", 0, "end-to-end id")


def test_module_docstring_examples_hold():
    assert doctest.testmod(sepa_text).failed == 0


@pytest.mark.parametrize(
    ("label", "reference", "expected"),
    [
        ("SEPA DD INV/2026/00012 Muller", "INV/2026/00012", True),
        ("SEPA DD INV/2026/00012-2", "INV/2026/00012-2", True),
        ("SEPA DD INV/2026/000123", "INV/2026/00012", False),
        ("SEPA DD XINV/2026/00012", "INV/2026/00012", False),
        ("sepa dd inv/2026/00012", "INV/2026/00012", True),
        ("INV/2026/00012", "INV/2026/00012", True),
        ("Transfer", "INV/2026/00012", False),
        (None, "INV/2026/00012", False),
        ("INV/2026/00012", None, False),
    ],
)
def test_a_statement_label_mentions_a_reference_only_as_a_whole(
    label, reference, expected
):
    assert sepa_text.mentions(label, reference) is expected


def test_end_to_end_id_of_a_retry_has_the_suffix_of_its_try():
    assert end_to_end_id("INV/2026/00012", attempt=2) == "INV/2026/00012-3"


def test_end_to_end_id_is_cut_to_leave_room_for_the_suffix():
    reference = "F" * 40
    assert end_to_end_id(reference) == "F" * E2E_ID_MAX
    assert end_to_end_id(reference, attempt=1) == "F" * (E2E_ID_MAX - 2) + "-2"


def test_end_to_end_id_is_a_valid_identifier():
    identifier = end_to_end_id("Rechnung Nr. 7 // Müller")
    assert check_identifier(identifier, E2E_ID_MAX, "end-to-end id") == (
        "Rechnung Nr. 7 / Muller"
    )
