"""S-001 … S-006 and parse notes (services/validator/structure.py)."""

from __future__ import annotations

from validator_builders import consistent_report, put, rules_of

from services.validator import validate
from services.validator.structure import check
from shared.report import Cell, ParseNote, Section


def only(findings, rule):
    return [f for f in findings if f.rule == rule]


def test_a_consistent_report_has_no_structure_findings():
    assert check(consistent_report("2021")) == []
    assert check(consistent_report("2019")) == []


def test_s001_flags_a_missing_section_by_number_and_title():
    r = consistent_report()
    del r.sections["problems"]
    [f] = only(check(r), "S-001")
    assert f.severity == "error"
    assert "五、存在的主要问题及改进情况" in f.message
    assert f.cells == ["sections.problems"]


def test_s001_flags_sections_out_of_order():
    r = consistent_report()
    r.sections = {
        k: r.sections[k]
        for k in (
            "overview",
            "applications",
            "active_disclosure",
            "review_litigation",
            "problems",
            "other_matters",
        )
    }
    [f] = only(check(r), "S-001")
    assert "out of order: 一 三 二 四 五 六" in f.message


def test_s001_flags_an_absent_table_and_does_not_list_its_cells_under_s003():
    r = consistent_report()
    r.tables["review_litigation"] = None
    found = check(r)
    [f] = only(found, "S-001")
    assert f.cells == ["review_litigation"]
    assert only(found, "S-003") == []


def test_s002_accepts_the_2019_long_title_of_section_five_in_a_2019_report():
    r = consistent_report("2019")
    assert r.sections["problems"].title_raw == "五、政府信息公开工作存在的主要问题及改进情况"
    assert only(check(r), "S-002") == []


def test_s002_warns_on_a_known_alias_title_in_a_2021_report():
    r = consistent_report("2021")
    r.sections["problems"] = Section(
        "五、政府信息公开工作存在的主要问题及改进情况", "问题……", alias=True
    )
    [f] = only(check(r), "S-002")
    assert f.severity == "warning"
    assert "a known alias" in f.message and f.cells == ["sections.problems"]


def test_s002_warns_on_a_fuzzy_title_like_seed_000_section_six():
    r = consistent_report("2021")
    r.sections["other_matters"] = Section("六、其他需要报备的事项", "无。", alias=True)
    [f] = only(check(r), "S-002")
    assert "其他需要报备的事项" in f.message and "a fuzzy match" in f.message


def test_s002_ignores_numbering_punctuation_and_spaces_in_titles():
    r = consistent_report("2021")
    r.sections["review_litigation"] = Section("（四） 政府信息公开行政复议、行政诉讼情况", "")
    assert only(check(r), "S-002") == []


def test_s002_surfaces_a_dropped_unknown_row_as_a_warning():
    r = consistent_report()
    r.notes.append(
        ParseNote(
            "unknown_row",
            "active_disclosure: row 「其他主动公开文件」 is not in the national format; dropped",
        )
    )
    [f] = only(check(r), "S-002")
    assert f.severity == "warning" and "unknown_row" in f.tags and "其他主动公开文件" in f.message


def test_s002_surfaces_cells_kept_outside_the_format():
    r = consistent_report()
    r.extra_cells["applications.other_handling.total"] = Cell(value=3, raw="3", kind="number")
    [f] = only(check(r), "S-002")
    assert f.cells == ["applications.other_handling.total"] and "extra_cell" in f.tags


def test_s003_reports_every_missing_cell_with_its_path():
    r = consistent_report()
    put(r, "active_disclosure.normative_documents.in_force", kind="missing")
    del r.tables["applications"]["carried_over_out"]
    found = only(check(r), "S-003")
    assert [f.severity for f in found] == ["error", "error"]
    assert found[0].cells == ["active_disclosure.normative_documents.in_force"]
    assert "1 of 10 cells" in found[0].message
    assert len(found[1].cells) == 7 and "applications.carried_over_out.total" in found[1].cells
    assert "7 of 175 cells" in found[1].message


def test_s003_folds_the_parsers_note_into_the_missing_cell_finding():
    r = consistent_report()
    put(r, "active_disclosure.normative_documents.in_force", kind="missing")
    r.notes.append(
        ParseNote(
            "unsure_cell",
            "2 of 3 values found; the rest are missing",
            ["active_disclosure.normative_documents.in_force"],
        )
    )
    [f] = only(check(r), "S-003")
    assert f.severity == "error" and "(parser: 2 of 3 values found" in f.message


def test_s003_makes_a_cell_the_parser_is_unsure_of_visible_as_a_warning():
    r = consistent_report()
    put(r, "review_litigation.admin_review.pending", 1, note="value read from stacked text")
    r.notes.append(ParseNote("extra_values", "T4 has 16 values, 15 expected; extra ignored: 0"))
    found = only(check(r), "S-003")
    assert {f.severity for f in found} == {"warning"}
    assert any("note=extra_values" in f.tags for f in found)
    assert any(
        f.cells == ["review_litigation.admin_review.pending"] and "stacked text" in f.message
        for f in found
    )


def test_s003_uses_the_2019_grid_sizes():
    r = consistent_report("2019")
    del r.tables["applications"]["other_handling"]
    [f] = only(check(r), "S-003")
    assert "7 of 161 cells" in f.message


def test_s004_flags_a_2022_report_in_the_2019_layout():
    r = consistent_report("2019", year=2022, publish_date="2023-01-20")
    [f] = only(check(r), "S-004")
    assert f.severity == "warning" and "2022" in f.message


def test_s004_flags_a_2020_report_in_the_2021_layout_and_accepts_matching_years():
    assert only(check(consistent_report("2021", year=2020)), "S-004")
    assert only(check(consistent_report("2021", year=2023)), "S-004") == []
    assert only(check(consistent_report("2019", year=2020)), "S-004") == []


def test_s005_flags_a_2021_format_report_citing_only_the_2019_notice():
    r = consistent_report("2021", year=2022)
    r.cited_notices = ["国办公开办函〔2019〕60号"]
    [f] = only(check(r), "S-005")
    assert f.severity == "info"


def test_s005_accepts_a_report_citing_both_notices_or_none():
    r = consistent_report("2021")
    r.cited_notices = ["国办公开办函〔2019〕60号", "国办公开办函 [2021] 30号"]
    assert only(check(r), "S-005") == []
    r.cited_notices = []
    assert only(check(r), "S-005") == []


def test_s006_flags_an_image_only_report_with_the_modality_tag():
    r = consistent_report()
    r.source_modality = "image"
    [f] = only(check(r), "S-006")
    assert f.severity == "warning" and f.tags == ["source_modality=image"]


def test_s006_flags_an_image_only_parse_note_even_without_tables_or_format():
    from shared.report import ParsedReport

    r = ParsedReport(format_version="unknown", title="某县2021年政府信息公开工作年度报告（图片版）")
    r.notes.append(ParseNote("image_only", "tables are only present as images; they need OCR"))
    assert "S-006" in rules_of(validate(r))


def test_s006_is_silent_for_a_text_report():
    assert only(check(consistent_report()), "S-006") == []


def test_pre2019_reports_get_no_table_or_section_rules():
    from shared.report import ParsedReport

    r = ParsedReport(
        format_version="pre2019",
        report_year=2016,
        agency_name="福州市晋安区人民政府",
        title="福州市晋安区人民政府2016年政府信息公开工作年度报告",
        publish_date="2017-03-20",
    )
    assert validate(r) == []
