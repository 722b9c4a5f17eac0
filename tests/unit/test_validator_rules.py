"""The rule catalogue (services/validator/rules.py): severities exactly as report-format.md §6, and
every rule in it can actually fire through the public API with that severity."""

from __future__ import annotations

from collections.abc import Callable

from validator_builders import blank, clone, consistent_report, get, put

from services.validator import RULES, compare_documents, validate, validate_pair
from services.validator.rules import finding
from shared.config import Settings
from shared.report import Evidence, Finding, ParseNote, Section, StatPeriod

# report-format.md §6, copied by hand: E = error, W = warning, I = info
SPEC = {
    "S-001": "E",
    "S-002": "W",
    "S-003": "E",
    "S-004": "W",
    "S-005": "I",
    "S-006": "W",
    "V-001": "E",
    "V-002": "W",
    "V-003": "W",
    "V-004": "W",
    "V-005": "I",
    "V-006": "W",
    "T2-001": "W",
    "T2-002": "W",
    "T2-003": "W",
    "T2-004": "W",
    "T2-005": "W",
    "T3-001": "E",
    "T3-002": "E",
    "T3-003": "E",
    "T3-004": "W",
    "T3-005": "W",
    "T3-006": "W",
    "T3-007": "I",
    "T4-001": "E",
    "T4-002": "E",
    "T4-003": "E",
    "T4-004": "W",
    "T4-005": "I",
    "M-001": "E",
    "M-002": "W",
    "M-003": "W",
    "M-004": "W",
    "M-005": "I",
    "M-006": "W",
    "M-007": "W",
    "X-001": "W",
    "X-002": "W",
    "O-001": "W",
}
LETTER = {"error": "E", "warning": "W", "info": "I"}


def test_the_catalogue_has_every_rule_of_the_spec_with_its_severity():
    assert {k: LETTER[v[0]] for k, v in RULES.items()} == SPEC


def test_an_error_caused_by_blanks_is_downgraded_and_tagged():
    f = finding("T3-001", "x", due_to_blank=True)
    assert (f.severity, f.tags) == ("warning", ["due_to_blank"])
    assert finding("T2-002", "x", due_to_blank=True).severity == "warning"


def _s001():
    r = consistent_report()
    del r.sections["overview"]
    return validate(r)


def _s002():
    r = consistent_report()
    r.sections["problems"] = Section("五、政府信息公开工作存在的主要问题及改进情况", "问题。")
    return validate(r)


def _s006():
    r = consistent_report()
    r.notes.append(ParseNote("image_only", "scan"))
    return validate(r)


def _v004():
    return validate(
        put(
            consistent_report(),
            "active_disclosure.administrative_fees.fee_amount_wan_yuan",
            5000,
            raw="5000元",
            unit="元",
        )
    )


def _t2_003():
    prev, cur = consistent_report(year=2021), consistent_report(year=2022)
    for c, cell in prev.tables["applications"]["carried_over_out"].items():
        put(cur, f"applications.carried_over_in.{c}", cell.value)
    return validate_pair(prev, cur)


def _t3_004():
    prev, cur = consistent_report(year=2021), consistent_report(year=2022)
    put(cur, "active_disclosure.normative_documents.in_force", 14)
    return validate_pair(prev, cur)


def _overview(text: str) -> list[Finding]:
    r = consistent_report()
    r.sections["overview"] = Section("一、总体情况", text)
    return validate(r)


def _t3_006():
    r = consistent_report()
    put(r, "applications.other_fee_unpaid.natural_person", 1)
    put(r, "applications.other_fee_unpaid.total", 1)
    put(r, "applications.other_other.natural_person", 0)
    put(r, "applications.other_other.total", 1)
    r.sections["other_matters"] = Section("六、其他需要报告的事项", "无。")
    return validate(r)


def _t3_007():
    r = consistent_report()
    for c in r.tables["applications"]["new_received"]:
        put(r, f"applications.new_received.{c}", 0)
        put(r, f"applications.carried_over_in.{c}", 0)
    return validate(r)


def _t4_005():
    r = consistent_report()
    for c in ("upheld", "pending", "total"):
        put(r, f"review_litigation.admin_review.{c}", 0)
    put(r, "review_litigation.litigation_after_review.upheld", 1)
    put(r, "review_litigation.litigation_after_review.total", 1)
    return validate(r)


def _m(**changes) -> Callable[[], list[Finding]]:
    def run():
        r = consistent_report()
        for k, v in changes.items():
            setattr(r, k, v)
        return validate(r)

    return run


def _m005():
    r = consistent_report(agency="某某县人民政府")
    r.sections["overview"] = Section(
        "一、总体情况", "本报告汇总了全县各部门、各乡镇的政府信息公开工作情况。"
    )
    return validate(r)


def _section(key: str, title: str, text: str) -> Callable[[], list[Finding]]:
    def run():
        r = consistent_report()
        r.sections[key] = Section(title, text)
        return validate(r)

    return run


def _x001():
    a = consistent_report()
    b = clone(a)
    a.source_url, b.source_url = "http://x/1", "http://x/2"
    return compare_documents(a, b)


def _x002():
    a, b = consistent_report(agency="某某县财政局"), consistent_report(agency="某某县教育局")
    return compare_documents(a, b)


def _t3(path: str, value: int) -> Callable[[], list[Finding]]:
    return lambda: validate(put(consistent_report(), path, value))


def _o001():
    """T3-003 broken on a report read by OCR, on a cell OCR read: a misread digit is suspected."""
    r = put(consistent_report(), "applications.results_total.total", 27)
    r.source_modality = "ocr"
    get(r, "applications.results_total.total").evidence = Evidence(kind="ocr", page=2)
    found = validate(r)
    assert not [f for f in found if f.rule.startswith("T3-")]  # not the document's error
    return found


CASES: dict[str, Callable[[], list[Finding]]] = {
    "S-001": _s001,
    "S-002": _s002,
    "S-003": lambda: validate(
        put(consistent_report(), "applications.granted.total", kind="missing")
    ),
    "S-004": lambda: validate(consistent_report("2019", year=2022, publish_date="2023-01-20")),
    "S-005": _m(cited_notices=["国办公开办函〔2019〕60号"]),
    "S-006": _s006,
    "V-001": _t3("applications.granted.natural_person", -1),
    "V-002": lambda: validate(blank(consistent_report(), "applications.granted.total")),
    "V-003": lambda: validate(
        put(
            consistent_report(),
            "active_disclosure.administrative_coercion.decisions",
            kind="na_slash",
            raw="/",
        )
    ),
    "V-004": _v004,
    "V-005": lambda: validate(
        put(
            consistent_report(),
            "active_disclosure.administrative_fees.fee_amount_wan_yuan",
            1.23456,
            raw="1.23456",
        ),
        settings=Settings(),
    ),
    "V-006": lambda: validate(
        put(consistent_report(), "applications.granted.total", kind="text", raw="见附件")
    ),
    "T2-001": lambda: validate(
        put(consistent_report(agency="螅镇"), "active_disclosure.regulations.in_force", 6)
    ),
    "T2-002": _t3("active_disclosure.normative_documents.issued", 50),
    "T2-003": _t2_003,
    "T2-004": lambda: validate(
        put(consistent_report("2019"), "active_disclosure.normative_documents.newly_published", 50)
    ),
    "T2-005": lambda: _overview("制发行政规范性文件99件。"),
    "T3-001": lambda: validate(
        put(
            put(consistent_report(), "applications.carried_over_in.other_org", 1),
            "applications.carried_over_in.total",
            4,
        )
    ),
    "T3-002": _t3("applications.granted.total", 99),
    "T3-003": _t3("applications.results_total.total", 99),
    "T3-004": _t3_004,
    "T3-005": lambda: _overview("收到政府信息公开申请99件。"),
    "T3-006": _t3_006,
    "T3-007": _t3_007,
    "T4-001": _t3("review_litigation.admin_review.total", 9),
    "T4-002": _t3("review_litigation.litigation_direct.total", 9),
    "T4-003": _t3("review_litigation.litigation_after_review.total", 9),
    "T4-004": lambda: _overview("行政复议99件。"),
    "T4-005": _t4_005,
    "M-001": _m(stat_period=StatPeriod("2019-01-01", "2019-12-31")),
    "M-002": _m(publish_date="2022-06-30"),
    "M-003": _m(page_agency="某某市公安局"),
    "M-004": _m(title="2021年度政府信息公开工作年度报告（图片版）"),
    "M-005": _m005,
    "M-006": _section("problems", "五、存在的主要问题及改进情况", "无"),
    "M-007": _section("other_matters", "六、其他需要报告的事项", "无。"),
    "X-001": _x001,
    "X-002": _x002,
    "O-001": _o001,
}


def test_every_rule_of_the_catalogue_fires_with_its_severity_on_a_report_that_breaks_it():
    assert set(CASES) == set(RULES)
    for rule, make in CASES.items():
        found = [f for f in make() if f.rule == rule]
        assert found, rule
        assert {f.severity for f in found} == {RULES[rule][0]}, rule


def test_the_cases_start_from_a_report_that_passes_every_rule():
    r = consistent_report()
    assert validate(r) == []
    assert get(r, "applications.results_total.total").value == 26
