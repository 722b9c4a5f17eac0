"""T2-001, T2-002, T2-004 (services/validator/t2.py) and the agency inference they rely on."""

from __future__ import annotations

import pytest
from validator_builders import blank, consistent_report, put

from services.validator import agency
from services.validator.t2 import check


def only(findings, rule):
    return [f for f in findings if f.rule == rule]


def test_a_consistent_report_has_no_t2_findings():
    assert check(consistent_report("2021")) == []
    assert check(consistent_report("2019")) == []


def test_t2_001_flags_a_township_reporting_regulations():
    """松木塘镇 2022: 「规章 | 2 | 0 | 2」."""
    r = consistent_report(agency="松木塘镇人民政府", year=2022)
    put(r, "active_disclosure.regulations.issued", 2)
    put(r, "active_disclosure.regulations.in_force", 2)
    [f] = only(check(r), "T2-001")
    assert f.severity == "warning"
    assert f.cells == [
        "active_disclosure.regulations.issued",
        "active_disclosure.regulations.in_force",
    ]
    assert "township" in f.message


def test_t2_001_flags_a_county_level_department():
    r = put(
        consistent_report(agency="温州市鹿城区经济和信息化局"),
        "active_disclosure.regulations.in_force",
        6,
    )
    assert only(check(r), "T2-001")


def test_t2_001_accepts_regulations_from_bodies_that_make_them():
    for name in ("河北省人民政府", "延边朝鲜族自治州人民政府", "财政部", "国家市场监督管理总局"):
        r = put(consistent_report(agency=name), "active_disclosure.regulations.issued", 3)
        put(r, "active_disclosure.regulations.in_force", 3)
        assert only(check(r), "T2-001") == [], name


def test_t2_001_stays_silent_when_the_name_does_not_settle_the_level():
    r = put(consistent_report(agency="新乡市人民政府"), "active_disclosure.regulations.issued", 3)
    put(r, "active_disclosure.regulations.in_force", 3)
    assert only(check(r), "T2-001") == []


def test_t2_001_uses_a_known_level_over_the_name():
    r = put(consistent_report(agency="卫辉市人民政府"), "active_disclosure.regulations.issued", 3)
    put(r, "active_disclosure.regulations.in_force", 3)
    assert only(check(r, agency_level="county"), "T2-001")
    assert only(check(r, agency_level="prefecture"), "T2-001") == []


def test_t2_001_ignores_zero_regulations():
    assert only(check(consistent_report(agency="螅镇")), "T2-001") == []


def test_t2_002_flags_more_documents_issued_than_in_force_plus_repealed():
    r = put(consistent_report(), "active_disclosure.normative_documents.issued", 20)
    [f] = only(check(r), "T2-002")
    assert f.severity == "warning" and "20 not <= 13" in f.message
    assert f.cells[0] == "active_disclosure.normative_documents.issued"


def test_t2_002_tags_a_failure_a_blank_could_explain():
    r = put(consistent_report(), "active_disclosure.normative_documents.issued", 20)
    blank(r, "active_disclosure.normative_documents.in_force")
    [f] = only(check(r), "T2-002")
    assert f.severity == "warning" and f.tags == ["due_to_blank"]


def test_t2_002_is_not_judged_when_a_missing_cell_could_explain_it():
    """Seed 000: 行政规范性文件 1 2 (in_force missing) — S-003 reports the cell."""
    r = put(consistent_report(), "active_disclosure.normative_documents.issued", 5)
    put(r, "active_disclosure.normative_documents.repealed", 2)
    put(r, "active_disclosure.normative_documents.in_force", kind="missing")
    assert only(check(r), "T2-002") == []


def test_t2_004_flags_more_newly_published_than_published_total_in_2019():
    r = put(consistent_report("2019"), "active_disclosure.normative_documents.newly_published", 11)
    [f] = only(check(r), "T2-004")
    assert f.severity == "warning" and "normative_documents" in f.message


def test_t2_004_flags_an_items_change_below_the_previous_count():
    r = put(consistent_report("2019"), "active_disclosure.administrative_fees.items_change", -5)
    [f] = only(check(r), "T2-004")
    assert "administrative_fees" in f.message and "-1" in f.message


def test_t2_004_is_a_2019_rule_and_t2_002_a_2021_rule():
    assert all(
        f.rule != "T2-004"
        for f in check(
            put(consistent_report("2021"), "active_disclosure.normative_documents.issued", 99)
        )
    )


@pytest.mark.parametrize(
    ("name", "level", "kind"),
    [
        ("温州市鹿城区经济和信息化局", "county", "department"),
        ("临淄区工业和信息化局", "county", "department"),
        ("卫辉市科技和工业信息化局", "prefecture_or_county", "department"),
        ("杭州市城市管理局", "prefecture_or_county", "department"),
        ("湖北省财政厅", "provincial", "department"),
        ("上海市人民政府", "provincial", "government"),
        ("上海市人民政府办公厅", "provincial", "department"),
        ("新疆维吾尔自治区人民政府", "provincial", "government"),
        ("延边朝鲜族自治州人民政府", "prefecture", "government"),
        ("鹿城区人民政府", "county", "government"),
        ("河南省新乡市卫辉市人民政府", "county", "government"),
        ("松木塘镇人民政府", "township", "government"),
        ("螅镇", "township", "government"),
        ("大明湖街道办事处", "township", "government"),
        ("国家市场监督管理总局", "central", "department"),
        ("财政部", "central", "department"),
        ("海关总署", "central", "department"),
        ("", "unknown", "unknown"),
    ],
)
def test_agency_level_and_kind_are_inferred_from_the_name(name, level, kind):
    assert (agency.level_of(name), agency.kind_of(name)) == (level, kind)


def test_t2_001_is_silent_for_a_government_office_speaking_for_a_city_that_may_make_regulations():
    from shared.report import Section

    r = consistent_report("2021", agency="杭州市人民政府办公厅")
    put(r, "active_disclosure.regulations.issued", 3)
    assert [f.rule for f in check(r)].count("T2-001") == 1  # by its name a department
    r.sections["overview"] = Section("一、总体情况", "本报告由市政府办公厅代表市政府编制。")
    assert [f.rule for f in check(r)].count("T2-001") == 0
    assert [f.rule for f in check(r, "county", "government")].count("T2-001") == 1  # registry
