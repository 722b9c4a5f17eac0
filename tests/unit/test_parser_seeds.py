"""The five real seed reports parse to exactly the values they print (each seed is another linearisation)."""

from __future__ import annotations

import pytest

from services.parser import parse
from shared.schema import SCHEMAS, SECTION_KEYS, T3_COLS, T4_COLS, T4_GROUPS

SEED_000 = "000_bac61c4872424ad3.txt"
SEED_001 = "001_de27d4d4802e9364.txt"
SEED_002 = "002_096eb810ffb81dcc.txt"
SEED_003 = "003_fd629941e7a907e0.txt"
SEED_004 = "004_12a69261f9476b84.txt"

# every cell of every seed is 0 except these (read off the seed files)
NOT_ZERO = {
    SEED_000: {
        ("active_disclosure", "normative_documents", "issued"): ("number", 1),
        ("active_disclosure", "normative_documents", "repealed"): ("number", 2),
        ("active_disclosure", "normative_documents", "in_force"): ("missing", None),
    },
    SEED_002: {("active_disclosure", "normative_documents", "in_force"): ("number", 1)},
}

META = {
    SEED_000: ("温州市鹿城区经济和信息化局", 2021, ("2021-01-01", "2021-12-31")),
    SEED_001: ("卫辉市科技和工业信息化局", 2021, None),
    SEED_002: ("宁波市镇海区经济和信息化局", 2021, None),
    SEED_003: ("临淄区工业和信息化局", 2021, ("2021-01-01", "2021-12-31")),
    SEED_004: ("钱塘区经济信息化和科学技术局", 2022, ("2022-01-01", "2022-12-31")),
}


def _expected_cells():
    schema = SCHEMAS["2021"]
    for row, col, _ in schema.t2_cells():
        yield ("active_disclosure", row, col)
    for r in schema.t3_rows:
        for c in T3_COLS:
            yield ("applications", r.key, c.key)
    for g in T4_GROUPS:
        for c in T4_COLS:
            yield ("review_litigation", g.key, c.key)


@pytest.mark.parametrize("name", sorted(META))
def test_every_seed_cell_has_the_value_printed_in_the_seed(seeds, name):
    report = parse(seeds[name], content_type="text/plain")
    assert report.format_version == "2021"
    special = NOT_ZERO.get(name, {})
    for path in _expected_cells():
        table, row, col = path
        cell = report.tables[table][row][col]
        kind, value = special.get(path, ("number", 0))
        assert (cell.kind, cell.value) == (kind, value), path


@pytest.mark.parametrize("name", sorted(META))
def test_seed_tables_have_exactly_the_keys_of_the_2021_format(seeds, name):
    report = parse(seeds[name])
    schema = SCHEMAS["2021"]
    t2 = report.tables["active_disclosure"]
    assert set(t2) == set(schema.t2_row_keys())
    assert set(report.tables["applications"]) == {r.key for r in schema.t3_rows}
    assert all(
        set(cols) == {c.key for c in T3_COLS} for cols in report.tables["applications"].values()
    )
    assert set(report.tables["review_litigation"]) == {g.key for g in T4_GROUPS}
    assert report.extra_cells == {}


@pytest.mark.parametrize("name", sorted(META))
def test_seed_metadata_agency_year_and_period(seeds, name):
    agency, year, period = META[name]
    report = parse(seeds[name])
    assert report.agency_name == agency
    assert report.report_year == year
    if period is None:
        assert report.stat_period is None
    else:
        assert (report.stat_period.start, report.stat_period.end) == period
    assert report.parser_version


@pytest.mark.parametrize("name", sorted(META))
def test_all_six_sections_are_found_in_every_seed(seeds, name):
    report = parse(seeds[name])
    assert list(report.sections) == list(SECTION_KEYS)
    assert all(s.text for k, s in report.sections.items() if k not in ("active_disclosure",))


def test_seed_000_missing_in_force_is_noted_and_does_not_shift_the_next_block(seeds):
    report = parse(seeds[SEED_000])
    t2 = report.tables["active_disclosure"]
    assert t2["administrative_licensing"]["decisions"].value == 0
    assert t2["administrative_licensing"]["decisions"].kind == "number"
    notes = [n for n in report.notes if n.code == "unsure_cell"]
    assert notes and notes[0].cells == ["active_disclosure.normative_documents.in_force"]


def test_seed_000_title_and_cited_notice(seeds):
    report = parse(seeds[SEED_000])
    assert report.title == "温州市鹿城区经济和信息化局2021年政府信息公开工作年度报告"
    assert report.cited_notices == ["国办公开办函〔2021〕30号"]
    assert report.sections["other_matters"].title_raw == "六、其他需要报备的事项"
    assert report.sections["other_matters"].alias is True


def test_seed_002_title_spanning_two_lines_is_joined(seeds):
    report = parse(seeds[SEED_002])
    assert report.title == "宁波市镇海区经济和信息化局2021年度政府信息公开工作年度报告"


def test_seed_004_publish_date_and_page_agency_come_from_the_page_line(seeds):
    report = parse(seeds[SEED_004])
    assert report.publish_date == "2023-01-28"
    assert report.page_agency == "区经济信息化和科学技术局"
    assert report.stat_period.start == "2022-01-01"


def test_seed_001_alias_label_and_fee_header_with_decimals_note(seeds):
    report = parse(seeds[SEED_001])
    assert report.tables["applications"]["denied_prohibited_by_law"]["total"].kind == "number"
    assert (
        report.tables["active_disclosure"]["administrative_fees"]["fee_amount_wan_yuan"].value == 0
    )
    assert report.notes == []


def test_seed_002_padded_numbers_keep_their_raw_text(seeds):
    report = parse(seeds[SEED_002])
    cell = report.tables["active_disclosure"]["regulations"]["issued"]
    assert (cell.value, cell.kind, cell.raw) == (0, "number", "0")
