"""T4-001 … T4-003, T4-005 (services/validator/t4.py)."""

from __future__ import annotations

import pytest
from validator_builders import blank, consistent_report, put

from services.validator.t4 import check


def only(findings, rule):
    return [f for f in findings if f.rule == rule]


def test_a_consistent_report_has_no_t4_findings():
    assert check(consistent_report()) == []


@pytest.mark.parametrize(
    ("group", "rule"),
    [
        ("admin_review", "T4-001"),
        ("litigation_direct", "T4-002"),
        ("litigation_after_review", "T4-003"),
    ],
)
def test_t4_flags_a_group_whose_total_is_not_the_sum_of_its_outcomes(group, rule):
    r = put(consistent_report(), f"review_litigation.{group}.corrected", 1)
    [f] = [f for f in check(r) if f.rule.startswith("T4-00") and f.rule != "T4-005"]
    assert (f.rule, f.severity) == (rule, "error")
    assert f.cells[0] == f"review_litigation.{group}.total"
    assert "difference -1" in f.message


def test_t4_001_downgrades_a_blank_total_to_a_tagged_warning():
    r = blank(consistent_report(), "review_litigation.admin_review.total")
    [f] = only(check(r), "T4-001")
    assert f.severity == "warning" and f.tags == ["due_to_blank"]


def test_t4_001_stays_an_error_when_no_blank_could_make_it_hold():
    r = put(consistent_report(), "review_litigation.admin_review.total", 1)
    blank(r, "review_litigation.admin_review.upheld")  # parts 0+0+0+1 = 1 ≤ total… now holds
    assert only(check(r), "T4-001") == []
    put(
        r, "review_litigation.admin_review.pending", 3
    )  # parts ≥ 3 > total 1: a blank part cannot help
    [f] = only(check(r), "T4-001")
    assert f.severity == "error" and f.tags == []


def test_t4_005_notes_litigation_after_review_without_review():
    r = consistent_report()
    for c, v in (("upheld", 0), ("pending", 0), ("total", 0)):
        put(r, f"review_litigation.admin_review.{c}", v)
    put(r, "review_litigation.litigation_after_review.upheld", 1)
    put(r, "review_litigation.litigation_after_review.total", 1)
    [f] = only(check(r), "T4-005")
    assert f.severity == "info"
    assert f.cells == [
        "review_litigation.litigation_after_review.total",
        "review_litigation.admin_review.total",
    ]
