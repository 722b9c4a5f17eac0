"""The rule catalogue: id → severity and title, in one place (report-format.md §6).

Every finding is built through `finding()`, so a rule's severity is written down once and a
downgrade (a rule that fires only because of blank cells) is explicit and tagged.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.report import Finding, Severity

E: Severity = "error"
W: Severity = "warning"
I: Severity = "info"  # noqa: E741 — E/W/I are the spec's own letters

# id → (severity, title)
RULES: dict[str, tuple[Severity, str]] = {
    # structure
    "S-001": (E, "six sections 一…六 present in order; T2, T3 and T4 present"),
    "S-002": (W, "section title or row differs from the format but matches a known alias"),
    "S-003": (E, "table grid complete: every expected row and column located"),
    "S-004": (W, "format_version inconsistent with report_year"),
    "S-005": (I, "report cites the wrong notice for its format"),
    "S-006": (W, "tables not machine-readable (image, scan): needs OCR"),
    # values
    "V-001": (E, "count cell is an integer >= 0"),
    "V-002": (W, "blank cell inside a table that has numbers"),
    "V-003": (W, "NA markers (—, /) present; treated as 0 in sums"),
    "V-004": (W, "fee amount unit sanity (万元)"),
    "V-005": (I, "fee amount has more decimals than configured"),
    "V-006": (W, "text other than a number or NA marker in a numeric cell"),
    # T2
    "T2-001": (W, "规章 reported by an agency that cannot make 规章"),
    "T2-002": (W, "issued <= in_force + repealed"),
    "T2-003": (W, "cross-year: in_force(Y) = in_force(Y-1) + issued(Y) - repealed(Y)"),
    "T2-004": (W, "2019: newly_published <= published_total; items_prev_year + items_change >= 0"),
    "T2-005": (W, "narrative numbers in 总体情况 vs T2"),
    # T3
    "T3-001": (E, "column identity: new + carried over = results total + carried to next year"),
    "T3-002": (E, "row total = sum of the six applicant columns"),
    "T3-003": (E, "results total = sum of the result rows"),
    "T3-004": (W, "cross-year: carried_over_in(Y) = carried_over_out(Y-1)"),
    "T3-005": (W, "narrative numbers in 总体情况 vs T3"),
    "T3-006": (W, "information processing fees vs section 六 and T3"),
    "T3-007": (I, "no applications but results (or the reverse): template copy-paste?"),
    # T4
    "T4-001": (E, "admin_review total = upheld + corrected + other + pending"),
    "T4-002": (E, "litigation_direct total = upheld + corrected + other + pending"),
    "T4-003": (E, "litigation_after_review total = upheld + corrected + other + pending"),
    "T4-004": (W, "narrative vs T4"),
    "T4-005": (I, "litigation after review while no administrative review"),
    # metadata / document
    "M-001": (E, "year in the title = year of the statistics period"),
    "M-002": (W, "published in Y+1 by the legal deadline"),
    "M-003": (W, "agency in the title differs from the publishing agency"),
    "M-004": (W, "title deviates from {机关}{Y}年(度)政府信息公开工作年度报告"),
    "M-005": (I, "aggregate report of a government and its subordinate bodies"),
    "M-006": (W, "section 五 empty or only 无"),
    "M-007": (W, "section 六 does not mention 信息处理费"),
    "X-001": (W, "same agency and year published more than once"),
    "X-002": (W, "内容雷同: near-identical narrative or identical tables"),
    # OCR (issue #14)
    "O-001": (W, "OCR suspect: a table identity fails on OCR'd digits (misread, not the document)"),
}

DUE_TO_BLANK = "due_to_blank"


def severity_of(rule: str) -> Severity:
    return RULES[rule][0]


def finding(
    rule: str,
    message: str,
    cells: Iterable[str] = (),
    *,
    tags: Iterable[str] = (),
    severity: Severity | None = None,
    due_to_blank: bool = False,
) -> Finding:
    """A finding with the catalogue severity, or `severity` when a rule has two levels (M-002, V-002).

    `due_to_blank` downgrades an error to a warning and tags it (§6: a rule that fires only
    because blanks were counted as 0 is a warning).
    """
    sev = severity or severity_of(rule)
    tag_list = list(tags)
    if due_to_blank:
        if sev == E:
            sev = W
        tag_list.append(DUE_TO_BLANK)
    return Finding(rule=rule, severity=sev, message=message, cells=list(cells), tags=tag_list)
