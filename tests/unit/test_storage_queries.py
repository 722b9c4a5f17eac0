"""What both search stores share: rows from an event, filters, snippets, sums."""

from __future__ import annotations

import pytest

from shared.events import DocRef, DocValidated
from shared.report import Cell, Finding, ParsedReport, Section
from shared.storage import queries as q


def ev(**kw) -> DocValidated:
    ref = DocRef(doc_id="d", version="v", portal="p", url="http://u", object_key="raw/v")
    report = ParsedReport(
        report_year=2022,
        agency_name="某县人民政府",
        tables={"applications": {"granted": {"total": Cell(value=2, raw="2", kind="number"),
                                             "natural_person": Cell(raw="—", kind="na_dash")}},
                "review_litigation": None},
        extra_cells={"其他表格.合计": Cell(value=1, raw="1", kind="number")},
        sections={"overview": Section(title_raw="一、总体情况", text="依申请公开")},
    )  # fmt: skip
    return DocValidated(ref=ref, report=report, findings=[Finding(rule="R", severity="info", message="m")],
                        status="valid", **kw)  # fmt: skip


def test_every_cell_becomes_a_row_and_only_numbers_have_values():
    rows = q.rows_of(ev())
    by_key = {(c.tbl, c.row, c.col): c for c in rows.cells}
    assert by_key[("applications", "granted", "total")].value == 2.0
    assert by_key[("applications", "granted", "natural_person")].value is None
    assert by_key[("applications", "granted", "natural_person")].kind == "na_dash"
    assert by_key[(q.EXTRA_TABLE, "其他表格.合计", "")].value == 1.0
    assert len(rows.cells) == 3


def test_agency_falls_back_to_the_printed_name_without_a_registry_entry():
    assert q.rows_of(ev()).report.agency == "某县人民政府"


def test_noop_needs_same_version_and_same_code_versions():
    rows = q.rows_of(ev(parser_version="p", validator_version="v1"))
    stored = {"version": "v", "parser_version": "p", "validator_version": "v1", "fetched_at": None}
    assert q.is_noop(stored, rows)
    assert not q.is_noop({**stored, "validator_version": "v0"}, rows)
    assert not q.is_noop(None, rows)


def test_snippet_marks_the_query_in_the_original_text():
    body = "前文" * 50 + "加强行政许可公开" + "后文" * 50
    s = q.snippet(body, "行政许可")
    assert "【行政许可】" in s and s.startswith("…") and s.endswith("…")


def test_agency_patterns_escape_like_wildcards():
    assert q.agency_pattern("某县") == ("= ?", "某县")
    op, value = q.agency_pattern("*100%_*")
    assert op.startswith("LIKE") and value == "%100\\%\\_%"


def test_sum_entry_rounds_float_noise_and_counts_non_numbers():
    assert q.sum_entry(0.1 + 0.2, 2, 3) == {
        "sum": 0.3,
        "numbers": 2,
        "reports": 3,
        "not_numbers": 1,
    }
    assert q.sum_entry(None, 0, 2) == {"sum": 0, "numbers": 0, "reports": 2, "not_numbers": 2}


def test_unknown_filters_and_groupings_are_refused():
    with pytest.raises(ValueError):
        q.check_filters({"yr": 1})
    with pytest.raises(ValueError):
        q.check_group_by("url")
    assert q.check_filters({"year": "2021", "agency": None}) == {"year": 2021}
