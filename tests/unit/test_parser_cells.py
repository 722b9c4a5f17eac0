"""Cell text → Cell: numbers, units, signs, dashes, blanks, text (report-format.md §5)."""

from __future__ import annotations

import pytest

from services.parser.read.cells import is_value_like, parse_cell


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("0", 0),
        ("　0　", 0),
        ("\xa012\xa0", 12),
        ("１２３", 123),
        ("1,234", 1234),
        ("1，234", 1234),
        ("12.5", 12.5),
        ("0.0321", 0.0321),
        ("〇", 0),
        ("0（件）", 0),
    ],
)
def test_numbers_are_read_after_nfkc_and_without_spaces_or_separators(raw, value):
    cell = parse_cell(raw)
    assert (cell.kind, cell.value) == ("number", value)
    assert cell.raw == raw.strip()


def test_integer_cells_are_ints_and_decimals_are_floats():
    assert isinstance(parse_cell("7").value, int)
    assert isinstance(parse_cell("7.25").value, float)


@pytest.mark.parametrize(
    ("raw", "value", "unit"),
    [("251000元", 251000, "元"), ("3.5万元", 3.5, "万元"), ("12件", 12, "件"), ("4个", 4, "个")],
)
def test_units_written_in_the_cell_are_recorded(raw, value, unit):
    cell = parse_cell(raw)
    assert (cell.kind, cell.value, cell.unit) == ("number", value, unit)


def test_signed_values_are_accepted_where_the_column_is_signed():
    assert parse_cell("-8", signed=True).value == -8
    assert parse_cell("+1036", signed=True).value == 1036
    assert parse_cell("－3", signed=True).value == -3
    assert parse_cell("-8", signed=True).note is None


def test_a_sign_in_an_unsigned_column_is_kept_as_written_and_marked():
    cell = parse_cell("-8")
    assert (cell.kind, cell.value) == ("number", -8)
    assert cell.note == "sign in an unsigned column"


@pytest.mark.parametrize("raw", ["—", "-", "－", "——", "–"])
def test_dashes_are_na_dash(raw):
    cell = parse_cell(raw)
    assert (cell.kind, cell.value) == ("na_dash", None)


@pytest.mark.parametrize("raw", ["/", "／", "无", "不适用", "N/A"])
def test_slashes_and_words_for_nothing_are_na_slash(raw):
    assert parse_cell(raw).kind == "na_slash"


@pytest.mark.parametrize("raw", ["", "   ", "\xa0", "\u3000", None])
def test_empty_and_nbsp_cells_are_blank_not_zero(raw):
    cell = parse_cell(raw)
    assert (cell.kind, cell.value) == ("blank", None)


@pytest.mark.parametrize("raw", ["见附件", "约12", "12项以上", "1.2.3"])
def test_other_text_is_text_never_a_guessed_number(raw):
    cell = parse_cell(raw)
    assert (cell.kind, cell.value) == ("text", None)
    assert cell.raw == raw


def test_value_like_tells_values_from_labels():
    assert is_value_like("0") and is_value_like("—") and is_value_like("251000元")
    assert (
        not is_value_like("规章") and not is_value_like("1.属于国家秘密") and not is_value_like("")
    )


def test_two_numbers_in_one_cell_are_text_with_a_note_never_one_big_number():
    cell = parse_cell("1 2")
    assert (cell.kind, cell.value, cell.note) == ("text", None, "several numbers in one cell")
    assert is_value_like("1 2")  # still a value position, so the row's columns do not shift
