"""V-001 … V-006 (services/validator/values.py)."""

from __future__ import annotations

from validator_builders import blank, consistent_report, put

from services.validator import validate
from services.validator.values import check
from shared.config import Settings

S = Settings()


def only(findings, rule):
    return [f for f in findings if f.rule == rule]


def test_a_consistent_report_has_no_value_findings():
    assert check(consistent_report("2021"), S) == []
    assert check(consistent_report("2019"), S) == []


def test_v001_flags_a_negative_count():
    r = put(consistent_report(), "applications.granted.natural_person", -1)
    [f] = only(check(r, S), "V-001")
    assert (
        f.severity == "error"
        and f.cells == ["applications.granted.natural_person"]
        and "negative" in f.message
    )


def test_v001_flags_a_fractional_count():
    r = put(consistent_report(), "review_litigation.admin_review.upheld", 1.5)
    [f] = only(check(r, S), "V-001")
    assert "not an integer" in f.message


def test_v001_allows_a_negative_items_change_in_2019_but_not_a_negative_decision_count():
    r = consistent_report("2019")
    assert r.tables["active_disclosure"]["administrative_licensing"]["items_change"].value == -2
    assert only(check(r, S), "V-001") == []
    put(r, "active_disclosure.administrative_licensing.decisions", -3)
    [f] = only(check(r, S), "V-001")
    assert f.cells == ["active_disclosure.administrative_licensing.decisions"]


def test_v001_does_not_treat_the_fee_amount_as_a_count():
    r = put(
        consistent_report(), "active_disclosure.administrative_fees.fee_amount_wan_yuan", 0.1234
    )
    assert only(check(r, S), "V-001") == []


def shanghai_granted_row(r):
    """Shanghai 2019: （一）予以公开 258 | 12 | blank | blank | 1 | 1 | blank 总计."""
    for col, v in zip(
        ("natural_person", "commercial_enterprise", "legal_service_org", "other_org"),
        (258, 12, 1, 1),
        strict=True,
    ):
        put(r, f"applications.granted.{col}", v)
    blank(
        r,
        "applications.granted.research_institution",
        "applications.granted.public_welfare_org",
        "applications.granted.total",
    )
    return r


def test_v002_reports_a_blank_total_with_the_derived_value():
    r = shanghai_granted_row(consistent_report("2019"))
    [f] = only(check(r, S), "V-002")
    assert f.severity == "warning"
    assert "applications.granted.total blank, derived 258+12+1+1 = 272" in f.message
    assert set(f.cells) == {
        "applications.granted.research_institution",
        "applications.granted.public_welfare_org",
        "applications.granted.total",
    }


def test_v002_downgrades_the_row_total_error_caused_by_the_blank_total():
    r = shanghai_granted_row(consistent_report("2019"))
    t3002 = [f for f in validate(r, settings=S) if f.rule == "T3-002"]
    assert [(f.severity, f.tags) for f in t3002] == [("warning", ["due_to_blank"])]
    assert "row granted" in t3002[0].message and "272" in t3002[0].message


def test_v002_says_a_wholly_blank_table_reports_nothing_as_info():
    r = consistent_report()
    for row, cols in r.tables["review_litigation"].items():
        for col in cols:
            blank(r, f"review_litigation.{row}.{col}")
    [f] = only(check(r, S), "V-002")
    assert f.severity == "info" and len(f.cells) == 15 and "implicit zeros" in f.message


def test_v003_lists_na_markers_as_a_warning():
    r = put(
        consistent_report(),
        "active_disclosure.administrative_coercion.decisions",
        kind="na_dash",
        raw="-",
    )
    [f] = only(check(r, S), "V-003")
    assert f.severity == "warning"
    assert f.cells == ["active_disclosure.administrative_coercion.decisions"] and "=-" in f.message


def test_v004_flags_a_fee_written_in_yuan():
    r = put(
        consistent_report(),
        "active_disclosure.administrative_fees.fee_amount_wan_yuan",
        15000,
        raw="15000元",
        unit="元",
    )
    [f] = only(check(r, S), "V-004")
    assert f.severity == "warning" and "元" in f.message


def test_v004_flags_an_implausible_amount_for_a_township():
    r = consistent_report(agency="松木塘镇人民政府")
    put(r, "active_disclosure.administrative_fees.fee_amount_wan_yuan", 316441)
    [f] = only(check(r, S), "V-004")
    assert "township" in f.message and "likely entered in 元" in f.message


def test_v004_accepts_a_large_amount_for_a_province_and_a_small_one_for_a_township():
    r = consistent_report(agency="河北省人民政府")
    put(r, "active_disclosure.administrative_fees.fee_amount_wan_yuan", 316441)
    assert only(check(r, S), "V-004") == []
    r = consistent_report(agency="松木塘镇人民政府")
    put(r, "active_disclosure.administrative_fees.fee_amount_wan_yuan", 3.25)
    assert only(check(r, S), "V-004") == []


def test_v004_flags_a_negative_fee():
    r = put(consistent_report(), "active_disclosure.administrative_fees.fee_amount_wan_yuan", -2)
    [f] = only(check(r, S), "V-004")
    assert "negative" in f.message


def test_v005_flags_more_decimals_than_configured_as_info():
    r = put(
        consistent_report(),
        "active_disclosure.administrative_fees.fee_amount_wan_yuan",
        0.12345,
        raw="0.12345",
    )
    [f] = only(check(r, S), "V-005")
    assert f.severity == "info" and "5 decimals" in f.message


def test_v005_threshold_comes_from_settings():
    r = put(
        consistent_report(),
        "active_disclosure.administrative_fees.fee_amount_wan_yuan",
        0.123,
        raw="0.123",
    )
    assert only(check(r, S), "V-005") == []
    assert only(check(r, Settings(fee_decimals=2)), "V-005")


def test_v006_flags_text_in_a_numeric_cell():
    r = put(consistent_report(), "applications.new_received.total", kind="text", raw="见附件")
    [f] = only(check(r, S), "V-006")
    assert (
        f.severity == "warning"
        and "「见附件」" in f.message
        and f.cells == ["applications.new_received.total"]
    )


def test_v006_text_cell_does_not_also_raise_arithmetic_errors_it_could_explain():
    r = put(consistent_report(), "applications.new_received.total", kind="text", raw="见附件")
    rules = {f.rule for f in validate(r, settings=S)}
    assert "V-006" in rules and "T3-001" not in rules and "T3-002" not in rules
