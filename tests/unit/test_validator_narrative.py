"""T2-005, T3-005, T4-004: 一、总体情况 against the tables (services/validator/narrative.py)."""

from __future__ import annotations

from validator_builders import consistent_report, put

from services.validator.narrative import check
from shared.report import Section


def with_overview(text: str, fmt: str = "2021"):
    r = consistent_report(fmt)
    r.sections["overview"] = Section("一、总体情况", text)
    return r


def only(findings, rule):
    return [f for f in findings if f.rule == rule]


def test_a_consistent_narrative_has_no_findings():
    assert check(consistent_report("2021")) == []
    assert check(consistent_report("2019")) == []


def test_narrative_findings_are_always_warnings():
    r = with_overview("全年制发行政规范性文件9件。收到政府信息公开申请99件。行政复议5件。")
    found = check(r)
    assert sorted(f.rule for f in found) == ["T2-005", "T3-005", "T4-004"]
    assert {f.severity for f in found} == {"warning"}


def test_t2_005_accepts_shanghai_2019_numbers_that_match_t2():
    """Shanghai 2019: 「主动公开规章13件，行政规范性文件60件」 = T2 13/60."""
    r = with_overview("主动公开规章13件，行政规范性文件60件。", "2019")
    put(r, "active_disclosure.regulations.newly_published", 13)
    put(r, "active_disclosure.regulations.published_total", 13)
    put(r, "active_disclosure.normative_documents.newly_published", 60)
    put(r, "active_disclosure.normative_documents.published_total", 60)
    assert only(check(r), "T2-005") == []


def test_t2_005_flags_a_count_that_matches_no_cell_of_its_row():
    r = with_overview("全年制发行政规范性文件9件。")
    [f] = only(check(r), "T2-005")
    assert "「规范性文件9件」" in f.message and "normative_documents.in_force = 12" in f.message
    assert "sections.overview" in f.cells


def test_t3_005_accepts_received_as_new_or_new_plus_carried_over():
    assert only(check(with_overview("全年收到政府信息公开申请28件。")), "T3-005") == []
    assert only(check(with_overview("全年受理政府信息公开申请31件。")), "T3-005") == []


def test_t3_005_flags_shanghai_2019_grouped_counts_that_differ_from_the_table():
    """「予以公开及部分公开258件…因本机关不掌握等原因无法提供265件」 vs table 275 and 337."""
    r = consistent_report("2019")
    put(r, "applications.granted.total", 272)
    put(r, "applications.partially_granted.total", 3)
    put(r, "applications.unable_not_held.total", 265)
    put(r, "applications.unable_needs_creation.total", 72)
    r.sections["overview"] = Section(
        "一、总体情况",
        "予以公开及部分公开258件，占33.9%；因本机关不掌握等原因无法提供265件，占32.9%。",
    )
    found = only(check(r), "T3-005")
    assert len(found) == 2
    assert "258件" in found[0].message and "granted + partially_granted = 275" in found[0].message
    assert "265件" in found[1].message and "Σ unable_* = 337" in found[1].message


def test_t3_005_flags_no_applications_said_while_the_table_has_some():
    [f] = only(check(with_overview("本年度未收到政府信息公开申请。")), "T3-005")
    assert "new_received.total = 28" in f.message


def test_t3_005_accepts_seed_style_zero_statements_for_zero_tables():
    r = with_overview(
        "今年我局接到受理依申请公开0件。2021年度依申请公开事项0项。本年度未收到依申请公开。"
    )
    for c in r.tables["applications"]["new_received"]:
        put(r, f"applications.new_received.{c}", 0)
        put(r, f"applications.carried_over_in.{c}", 0)
    assert only(check(r), "T3-005") == []


def test_t4_004_flags_shanghai_2019_all_upheld_while_cases_are_pending():
    """「信息公开类行政复议7件，诉讼9件，均获维持」 vs 尚未审结 2 and 1."""
    r = consistent_report("2019")
    for g, (u, p) in {"admin_review": (5, 2), "litigation_direct": (8, 1)}.items():
        put(r, f"review_litigation.{g}.upheld", u)
        put(r, f"review_litigation.{g}.pending", p)
        put(r, f"review_litigation.{g}.total", u + p)
    r.sections["overview"] = Section("一、总体情况", "信息公开类行政复议7件，诉讼9件，均获维持。")
    [f] = only(check(r), "T4-004")
    assert "均获维持" in f.message
    assert f.cells[1:] == [
        "review_litigation.admin_review.pending",
        "review_litigation.litigation_direct.pending",
    ]


def test_t4_004_flags_no_cases_said_while_the_table_has_some():
    [f] = only(check(with_overview("全年未发生政府信息公开的行政复议、行政诉讼。")), "T4-004")
    assert "admin_review.total = 2" in f.message and "litigation_direct.total = 1" in f.message


def test_t4_004_accepts_no_cases_said_for_a_zero_table():
    r = with_overview("全年未发生政府信息公开的行政复议、行政诉讼。")
    for g, cols in r.tables["review_litigation"].items():
        for c in cols:
            put(r, f"review_litigation.{g}.{c}", 0)
    assert only(check(r), "T4-004") == []


def test_narrative_is_not_checked_for_pre2019_reports():
    r = with_overview("收到申请99件。")
    r.format_version = "pre2019"
    assert check(r) == []


def test_numbers_that_count_something_else_are_not_compared():
    text = (
        "公开行政许可信息256条，行政处罚信息31条。"
        "制定规章、规范性文件共9件。"
        "全年收到政府信息公开申请28件，其中当面申请3件，网上申请25件。"
        "对于未收到补正材料的申请，不再处理。"
        "本年度行政复议和行政诉讼共3件。"
    )
    assert check(with_overview(text)) == []


def test_filler_words_between_keyword_and_number_are_allowed():
    r = with_overview("办理行政许可事项121件，作出行政处罚决定9件。")
    assert sorted(f.message.split("「")[1].split("」")[0] for f in check(r)) == [
        "行政处罚决定9件",
        "行政许可事项121件",
    ]


def test_t2_005_does_not_hold_counts_of_department_or_cleaned_up_documents_against_t2():
    r = with_overview("全年印发部门规范性文件17件。共清理规范性文件42件，其中废止7件。")
    assert only(check(r), "T2-005") == []
    r = with_overview("全年制发行政规范性文件9件。")  # the table's own count still is
    assert only(check(r), "T2-005")


def test_t2_005_reads_a_2019_count_of_items_as_last_year_plus_the_change():
    r = with_overview("目前共有行政许可事项45项。", "2019")
    put(r, "active_disclosure.administrative_licensing.items_prev_year", 40)
    put(r, "active_disclosure.administrative_licensing.items_change", 5)
    assert only(check(r), "T2-005") == []
