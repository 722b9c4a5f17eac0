"""M-001 … M-007 (services/validator/metadata.py)."""

from __future__ import annotations

from validator_builders import consistent_report

from services.validator.metadata import check, same_agency
from shared.report import ParsedReport, Section, StatPeriod


def only(findings, rule):
    return [f for f in findings if f.rule == rule]


def test_a_consistent_report_has_no_metadata_findings():
    assert check(consistent_report("2021")) == []
    assert check(consistent_report("2019")) == []


def test_m001_flags_a_title_year_that_differs_from_the_statistics_period():
    r = consistent_report(year=2021)
    r.stat_period = StatPeriod("2020-01-01", "2020-12-31")
    [f] = only(check(r), "M-001")
    assert f.severity == "error" and "2021" in f.message and "2020-01-01" in f.message


def test_m001_is_silent_without_a_statistics_period():
    r = consistent_report()
    r.stat_period = None
    assert only(check(r), "M-001") == []


def test_m002_accepts_a_department_report_published_by_31_january():
    r = consistent_report(
        year=2022, publish_date="2023-01-31", agency="杭州市钱塘区经济信息化和科学技术局"
    )
    assert only(check(r), "M-002") == []


def test_m002_warns_on_a_department_report_published_after_31_january():
    r = consistent_report(
        year=2022, publish_date="2023-02-15", agency="杭州市钱塘区经济信息化和科学技术局"
    )
    [f] = only(check(r), "M-002")
    assert f.severity == "warning" and "15 days after the deadline 2023-01-31" in f.message


def test_m002_gives_a_government_until_31_march():
    r = consistent_report(year=2022, publish_date="2023-03-20", agency="卫辉市人民政府")
    assert only(check(r), "M-002") == []
    r.publish_date = "2023-04-01"
    assert only(check(r), "M-002")


def test_m002_gives_everyone_until_31_march_under_the_2008_regulation():
    r = consistent_report(year=2017, publish_date="2018-03-30 10:00", agency="福州市晋安区财政局")
    assert only(check(r), "M-002") == []


def test_m002_flags_a_report_published_during_its_own_year_as_an_error():
    r = consistent_report(year=2022, publish_date="2022-12-30")
    [f] = only(check(r), "M-002")
    assert f.severity == "error" and "wrong year" in f.message


def test_m003_accepts_a_short_form_of_the_agency_as_publisher():
    r = consistent_report(agency="钱塘区经济信息化和科学技术局")
    r.page_agency = "区经济信息化和科学技术局"
    assert only(check(r), "M-003") == []
    assert same_agency("卫辉市人民政府", "卫辉市人民政府办公室")
    assert same_agency("温州市鹿城区经济和信息化局", "鹿城区经信局")


def test_m003_flags_a_different_publishing_agency():
    r = consistent_report(agency="温州市鹿城区经济和信息化局")
    r.page_agency = "温州市鹿城区财政局"
    [f] = only(check(r), "M-003")
    assert f.severity == "warning" and "温州市鹿城区财政局" in f.message


def test_m004_accepts_the_standard_title_with_year_or_year_du():
    r = consistent_report()
    r.title = "宁波市镇海区经济和信息化局\n2021年度政府信息公开工作年度报告"
    assert only(check(r), "M-004") == []


def test_m004_flags_a_year_first_title():
    r = consistent_report(year=2022)
    r.title = "2022年度螅镇政府信息公开工作年度报告"
    [f] = only(check(r), "M-004")
    assert f.severity == "warning" and "year before the agency name" in f.message


def test_m004_flags_a_variant_suffix():
    r = consistent_report()
    r.title = "宿州市人民政府2019年政府信息公开工作年度报告（图片版）"
    [f] = only(check(r), "M-004")
    assert "variant" in f.message


def test_m005_notes_an_aggregate_government_report():
    r = consistent_report(agency="重庆市渝北区人民政府")
    r.sections["overview"] = Section(
        "一、总体情况",
        "本报告由区政府办公室会同各部门、各镇街编制，汇总了全区各部门、镇街道的政府信息公开工作情况。",
    )
    [f] = only(check(r), "M-005")
    assert f.severity == "info" and "report_kind=aggregate" in f.tags


def test_m005_is_silent_for_a_department():
    r = consistent_report(agency="重庆市渝北区财政局")
    r.sections["overview"] = Section("一、总体情况", "汇总了所属各单位的情况。")
    assert only(check(r), "M-005") == []


def test_m006_flags_an_empty_problems_section():
    r = consistent_report()
    r.sections["problems"] = Section("五、存在的主要问题及改进情况", " 无。 ")
    [f] = only(check(r), "M-006")
    assert f.severity == "warning" and f.cells == ["sections.problems"]


def test_m007_flags_section_six_without_the_information_processing_fee_in_2021():
    r = consistent_report("2021")
    r.sections["other_matters"] = Section("六、其他需要报告的事项", "无其他需要报告的事项。")
    [f] = only(check(r), "M-007")
    assert f.severity == "warning"


def test_m007_accepts_seed_002s_wording_and_ignores_2019_reports():
    r = consistent_report("2021")
    r.sections["other_matters"] = Section(
        "六、其他需要报告的事项", "故未产生任何有关政府信息公开信息处理事项及费用。"
    )
    assert only(check(r), "M-007") == []
    r = consistent_report("2019")
    r.sections["other_matters"] = Section("六、其他需要报告的事项", "无。")
    assert only(check(r), "M-007") == []


def test_metadata_rules_apply_to_pre2019_reports():
    r = ParsedReport(
        format_version="pre2019",
        report_year=2016,
        agency_name="福州市晋安区人民政府",
        title="福州市晋安区2016年政务信息公开年度报告",
        publish_date="2016-12-01",
    )
    assert sorted(f.rule for f in check(r)) == ["M-002", "M-004"]


def test_m003_ignores_publisher_fields_that_name_no_agency():
    r = consistent_report(agency="温州市鹿城区经济和信息化局")
    for page in ("本网", "原创", "区政府办", "人民政府"):
        r.page_agency = page
        assert only(check(r), "M-003") == [], page


def test_m002_gives_a_zone_committee_that_speaks_for_its_area_the_governments_deadline():
    r = consistent_report(
        year=2022, publish_date="2023-03-10", agency="温州经济技术开发区管理委员会"
    )
    assert only(check(r), "M-002") == []


def test_m002_reads_the_scope_statement_of_a_government_office_report():
    r = consistent_report(year=2022, publish_date="2023-03-20", agency="杭州市人民政府办公厅")
    assert only(check(r), "M-002")  # by its name a department: late
    r.sections["overview"] = Section(
        title_raw="一、总体情况", text="本报告由市政府办公厅代表市政府编制。"
    )
    assert only(check(r), "M-002") == []


def test_m002_takes_the_registry_kind_first_and_states_its_basis():
    r = consistent_report(
        year=2022, publish_date="2023-02-20", agency="温州经济技术开发区管理委员会"
    )
    [f] = only(check(r, "department"), "M-002")
    assert "basis=stated_date" in f.tags and "the date the document states" in f.message
