"""T4 (复议诉讼): T4-001 … T4-003 group totals, T4-005 litigation after review without review.
T4-004 (narrative) lives in narrative.py."""

from __future__ import annotations

from services.validator.rules import finding
from services.validator.sums import Identities, fmt, identity, term
from shared.report import Finding, ParsedReport

T = "review_litigation"
OUTCOMES = ("upheld", "corrected", "other", "pending")
GROUP_RULES = {
    "admin_review": "T4-001",
    "litigation_direct": "T4-002",
    "litigation_after_review": "T4-003",
}


_IDENTITIES = Identities(
    T,
    (
        identity(
            rule,
            [(group, "total")],
            [(group, o) for o in OUTCOMES],
            f"{group}: total = upheld + corrected + other + pending",
        )
        for group, rule in GROUP_RULES.items()
    ),
)


def t4_totals(report: ParsedReport) -> list[Finding]:
    return _IDENTITIES.check(report.tables[T])


def t4_005_after_review(report: ParsedReport) -> list[Finding]:
    after = term(report, T, "litigation_after_review", "total")
    review = term(report, T, "admin_review", "total")
    if (
        after.state == "number"
        and after.value > 0
        and review.state == "number"
        and review.value == 0
    ):
        return [
            finding(
                "T4-005",
                f"{fmt(after.value)} lawsuits after administrative review, but no administrative review this year",
                [after.path, review.path],
            )
        ]
    return []


def check(report: ParsedReport) -> list[Finding]:
    if not report.tables.get(T) or report.format_version not in ("2019", "2021"):
        return []
    return [*t4_totals(report), *t4_005_after_review(report)]
