"""The exact findings for the five seed reports (nianbao/samples/seeds).

All five are 2021-format county-level department reports with all-zero tables. Only seed 000 has
defects: 「行政规范性文件 1 2」 with the third number absent (in_force `missing` → S-003, and T2-002
is not judged on it: 1 <= 2 + ? holds anyway) and section 六 titled 「其他需要报备的事项」 (S-002).
Seed 001's row alias 「其他法律法规禁止公开」 is accepted silently (the parser emits no
`alias_label` note for it); seed 004 is published 2023-01-28, before the 1月31日 deadline, by
「区经济信息化和科学技术局」, a short form of the title's agency (no M-002 / M-003).
"""

from __future__ import annotations

import pytest
from validator_builders import SEED_META, seed_report

from services.validator import find_duplicates, validate
from shared.report import status_of

EXPECTED = {
    "000_bac61c4872424ad3.txt": [
        ("S-002", "warning", ["sections.other_matters"]),
        ("S-003", "error", ["active_disclosure.normative_documents.in_force"]),
    ],
    "001_de27d4d4802e9364.txt": [],
    "002_096eb810ffb81dcc.txt": [],
    "003_fd629941e7a907e0.txt": [],
    "004_12a69261f9476b84.txt": [],
}
STATUS = {name: "invalid" if name.startswith("000") else "valid" for name in EXPECTED}


def summary(findings):
    return sorted((f.rule, f.severity, f.cells) for f in findings)


@pytest.mark.parametrize("name", sorted(SEED_META))
def test_hand_built_seed_reports_give_the_expected_findings(name):
    findings = validate(seed_report(name))
    assert summary(findings) == EXPECTED[name]
    assert status_of(findings) == STATUS[name]


@pytest.mark.parametrize("name", sorted(SEED_META))
def test_parsed_seed_reports_give_the_expected_findings(name, seeds):
    api = pytest.importorskip("services.parser.api")
    report = api.parse(seeds[name])
    findings = validate(report)
    assert summary(findings) == EXPECTED[name], [f.message for f in findings]
    assert status_of(findings) == STATUS[name]


def test_seed_000_messages_name_the_alias_title_and_the_missing_cell(seeds):
    findings = {f.rule: f for f in validate(seed_report("000_bac61c4872424ad3.txt"))}
    assert "其他需要报备的事项" in findings["S-002"].message
    assert "active_disclosure.normative_documents.in_force" in findings["S-003"].message


def test_the_all_zero_seeds_are_not_flagged_as_duplicates_of_each_other():
    assert find_duplicates([seed_report(n) for n in sorted(SEED_META)]) == []


def test_the_parsed_seeds_are_five_different_reports(seeds):
    api = pytest.importorskip("services.parser.api")
    assert find_duplicates([api.parse(seeds[n]) for n in sorted(seeds)]) == []
