"""T3-001 … T3-003, T3-006, T3-007 (services/validator/t3.py); T3-004 is in test_validator_cross."""

from __future__ import annotations

from validator_builders import blank, consistent_report, get, put

from services.validator.t3 import check
from shared.report import Cell, Section


def only(findings, rule):
    return [f for f in findings if f.rule == rule]


def test_a_consistent_report_has_no_t3_findings():
    assert check(consistent_report("2021")) == []
    assert check(consistent_report("2019")) == []


def test_t3_001_flags_a_column_whose_intake_does_not_equal_results_plus_carry_over():
    r = consistent_report()
    # one more application carried over in, counted in the row total too: only the identity breaks
    put(r, "applications.carried_over_in.research_institution", 1)
    put(
        r,
        "applications.carried_over_in.total",
        get(r, "applications.carried_over_in.total").value + 1,
    )
    found = only(check(r), "T3-001")
    assert [f.cells[0] for f in found] == [
        "applications.new_received.research_institution",
        "applications.new_received.total",
    ]
    assert {f.severity for f in found} == {"error"}
    assert "difference 1" in found[0].message


def test_t3_002_flags_a_row_total_that_is_not_the_sum_of_the_applicant_columns():
    r = put(consistent_report(), "applications.denied_state_secret.total", 2)
    [f] = only(check(r), "T3-002")
    assert f.severity == "error" and "row denied_state_secret" in f.message
    assert f.cells[0] == "applications.denied_state_secret.total" and len(f.cells) == 7


def test_t3_003_flags_a_results_total_that_is_not_the_sum_of_the_result_rows():
    r = consistent_report()
    # move one natural-person application from 予以公开 to nothing: row totals still hold
    put(r, "applications.granted.natural_person", 9)
    put(r, "applications.granted.total", get(r, "applications.granted.total").value - 1)
    found = only(check(r), "T3-003")
    assert [f.cells[0] for f in found] == [
        "applications.results_total.natural_person",
        "applications.results_total.total",
    ]
    assert only(check(r), "T3-001") == [] and only(check(r), "T3-002") == []


def test_t3_003_counts_the_single_other_handling_row_of_the_2019_format():
    r = put(consistent_report("2019"), "applications.other_handling.natural_person", 3)
    put(r, "applications.other_handling.total", 4)
    assert [f.cells[0] for f in only(check(r), "T3-003")] == [
        "applications.results_total.natural_person",
        "applications.results_total.total",
    ]


def test_t3_003_uses_a_single_other_handling_row_kept_in_extra_cells_of_a_2021_report():
    """§7 ex. 19: the three 2021 rows are missing, the single row's numbers sit in extra_cells."""
    r = consistent_report()
    for col, cell in list(r.tables["applications"]["other_other"].items()):
        r.extra_cells[f"applications.other_handling.{col}"] = cell
    for row in ("other_no_correction", "other_fee_unpaid", "other_other"):
        for col in r.tables["applications"][row]:
            put(r, f"applications.{row}.{col}", kind="missing")
    assert only(check(r), "T3-003") == []
    r.extra_cells["applications.other_handling.total"] = Cell(value=5, raw="5", kind="number")
    [f] = only(check(r), "T3-003")
    assert "applications.other_handling.total" in f.cells


def test_t3_arithmetic_is_not_judged_on_a_missing_cell():
    r = put(consistent_report(), "applications.carried_over_out.total", kind="missing")
    assert check(r) == []


def test_t3_001_blank_carry_over_is_a_tagged_warning():
    r = blank(consistent_report(), "applications.carried_over_out.natural_person")
    [f] = only(check(r), "T3-001")
    assert f.severity == "warning" and f.tags == ["due_to_blank"]


def test_t3_006_wants_section_six_to_mention_fees_when_applications_were_dropped_for_unpaid_fees():
    r = consistent_report()
    put(r, "applications.other_fee_unpaid.natural_person", 1)
    put(r, "applications.other_fee_unpaid.total", 1)
    put(r, "applications.other_other.natural_person", 0)
    put(r, "applications.other_other.total", 1)
    r.sections["other_matters"] = Section("六、其他需要报告的事项", "无其他需要报告的事项。")
    [f] = only(check(r), "T3-006")
    assert f.severity == "warning" and "sections.other_matters" in f.cells
    r.sections["other_matters"] = Section(
        "六、其他需要报告的事项", "本年度收取信息处理费0.01万元。"
    )
    assert only(check(r), "T3-006") == []


def test_t3_006_flags_fees_collected_with_no_applications():
    r = consistent_report()
    for row in r.tables["applications"]:
        for col in r.tables["applications"][row]:
            put(r, f"applications.{row}.{col}", 0)
    r.sections["other_matters"] = Section("六、其他需要报告的事项", "本年度共收取信息处理费200元。")
    [f] = only(check(r), "T3-006")
    assert "200元" in f.message
    r.sections["other_matters"] = Section("六、其他需要报告的事项", "本年度未收取信息处理费。")
    assert only(check(r), "T3-006") == []


def test_t3_007_notes_results_without_any_applications():
    r = consistent_report()
    for c in r.tables["applications"]["new_received"]:
        put(r, f"applications.new_received.{c}", 0)
        put(r, f"applications.carried_over_in.{c}", 0)
    [f] = only(check(r), "T3-007")
    assert f.severity == "info" and "applications.granted.total" in f.cells
    assert only(check(r), "T3-001")  # the identity fails too, as the rule says


def test_t3_007_notes_applications_without_any_result_or_carry_over():
    r = consistent_report()
    for row in r.tables["applications"]:
        if row not in ("new_received", "carried_over_in"):
            for c in r.tables["applications"][row]:
                put(r, f"applications.{row}.{c}", 0)
    [f] = only(check(r), "T3-007")
    assert "31 applications" in f.message


def test_provincial_subtotals_are_checked_against_their_parts():
    from shared.report import Cell

    r = consistent_report("2021")
    t3 = r.tables["applications"]
    legal = sum(t3["granted"][c].value for c in list(t3["granted"])[1:6])
    denied = sum(t3[k]["natural_person"].value for k in t3 if k.startswith("denied_"))
    r.extra_cells = {
        "applications.granted.legal_person_subtotal": Cell(
            value=legal, raw=str(legal), kind="number"
        ),
        "applications.subtotal_denied.natural_person": Cell(
            value=denied, raw=str(denied), kind="number"
        ),
    }
    assert [f for f in check(r) if "subtotal" in f.tags] == []
    r.extra_cells["applications.subtotal_denied.natural_person"] = Cell(
        value=denied + 1, raw=str(denied + 1), kind="number"
    )
    [f] = [f for f in check(r) if "subtotal" in f.tags]
    assert f.rule == "T3-003" and f.cells[0] == "applications.subtotal_denied.natural_person"
