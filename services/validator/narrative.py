"""T2-005, T3-005, T4-004: numbers stated in 一、总体情况 against the tables. Always warnings.

Matching is deliberately narrow: a keyword, at most filler words (事项/决定/案件/共计…), then an
Arabic number with a counting unit (件/个/项; also 条/份/起/宗 for applications and cases). A stated number is accepted when it equals
any reasonable reading of the table (e.g. 收到申请 N件 = new_received or new_received +
carried_over_in; 予以公开 N件 = granted or granted + partially_granted), because narratives
round, group and re-word; only a number that matches none of them is reported. Negations
(「未收到…申请」, 「未发生…行政复议、行政诉讼」) are checked against nonzero cells.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from services.validator.rules import finding
from services.validator.sums import fmt
from services.validator.t3 import result_rows
from services.validator.text import norm, section_text
from shared.report import Finding, ParsedReport
from shared.schema import SCHEMAS

T2, T3, T4 = "active_disclosure", "applications", "review_litigation"
_UNIT = r"(\d+)(?:件|个|项|条|份|起|宗)"
_KEYWORD_DIGIT = re.compile(
    r"\d(?:件|个|项|条|份|起|宗)"
)  # no counted number at all: nothing to compare
# between keyword and number only filler words may stand: 「行政许可事项120件」, 「规范性文件共3件」;
# anything else (「行政许可信息256条」, 「规章、规范性文件3件」, 「行政复议和行政诉讼共3件」) says the number
# counts something other than the table cell, so it is not compared
_GAP = r"(?:决定|事项|案件|申请|共计|合计|总计|共|计|为|达|数量)*?"
_DOC_UNIT = r"(\d+)(?:件|个|项)"
# a keyword joined to another one (「规章、规范性文件共9件」, 「行政复议和行政诉讼共3件」) counts both
_JOINED = r"(?<![、和及与])(?<![、和及与]行政)"


def _joined(keyword: str) -> str:
    """`_JOINED + keyword` with the look-behinds moved after the (literal) keyword, widened by it:
    the same matches, but the pattern starts with a literal, so `re` finds candidates with its
    fast prefix scan instead of trying the look-behinds at every character (3–5× faster)."""
    return f"{keyword}(?<![、和及与]{keyword})(?<![、和及与]行政{keyword})"


Reading = Callable[[ParsedReport], dict[str, float]]  # label → value; empty when not readable


def _val(report: ParsedReport, table: str, row: str, col: str) -> float | None:
    """The cell's value when it is a number (as `term(...).value` with state "number"), else None."""
    t = report.tables.get(table)
    r = t.get(row) if t else None
    cell = r.get(col) if r else None
    return cell.value if cell is not None and cell.kind == "number" else None


def _readings(
    report: ParsedReport, table: str, rows: dict[str, list[str]], col: str = "total"
) -> dict[str, float]:
    """label → Σ of the rows (None-free: skipped when any cell is not a number)."""
    out = {}
    for label, keys in rows.items():
        vals = [_val(report, table, r, col) for r in keys]
        if keys and all(v is not None for v in vals):
            out[label] = sum(vals)  # type: ignore[arg-type]
    return out


def _mentions(
    pattern: re.Pattern[str], text: str, skip: re.Pattern[str] | None = None
) -> list[tuple[str, int]]:
    """(quote, number) of every match; with `skip`, matches whose clause before the keyword
    (back to the last 。；，) says the number counts something else are left out."""
    out = []
    for m in pattern.finditer(text):
        if skip is not None:
            start = max(text.rfind(p, 0, m.start()) for p in "。；;，,\n")
            if skip.search(text, start + 1, m.start() + 1) or skip.match(m.group(0)):
                continue
        out.append((m.group(0), int(m.group(m.lastindex or 1))))
    return out


def _compare(
    rule: str,
    text: str,
    pattern: re.Pattern[str],
    readings: dict[str, float] | Callable[[], dict[str, float]],
    cells: list[str],
    skip: re.Pattern[str] | None = None,
) -> list[Finding]:
    """`readings` may be a function: the table is read only when the text states a number."""
    mentions = _mentions(pattern, text, skip)
    if not mentions:
        return []
    if callable(readings):
        readings = readings()
    if not readings or not _KEYWORD_DIGIT.search(text):
        return []
    out = []
    for quote, n in mentions:
        if any(abs(n - v) < 1e-9 for v in readings.values()):
            continue
        table = ", ".join(f"{k} = {fmt(v)}" for k, v in readings.items())
        out.append(
            finding(
                rule,
                f"总体情况 says 「{quote}」 but the table has {table}",
                ["sections.overview", *cells],
            )
        )
    return out


# --- T2 -------------------------------------------------------------------------------------------

_T2_KEYWORDS = {
    "regulations": r"规章",
    "normative_documents": r"规范性文件",
    "administrative_licensing": r"行政许可",
    "administrative_penalty": r"行政处罚",
    "administrative_coercion": r"行政强制",
}


_T2_PATTERNS = {row: re.compile(_joined(kw) + _GAP + _DOC_UNIT) for row, kw in _T2_KEYWORDS.items()}
# a clause that counts other documents than the table's: 部门规范性文件 (a department's own),
# documents cleaned up, reviewed, filed or amended (清理/审查/备案/修订), or 废止 ones on their own
_T2_OTHER_COUNT = re.compile(r"部门|清理|审查|审核|备案|修订|修改|征求|起草|报送|废止|失效")


def t2_005(report: ParsedReport, text: str) -> list[Finding]:
    t = report.tables.get(T2) or {}
    out: list[Finding] = []
    for row, kw in _T2_KEYWORDS.items():
        if kw not in text:
            continue
        cols = {
            c: cell.value
            for c, cell in (t.get(row) or {}).items()
            if cell.kind == "number" and cell.value is not None
        }
        readings = {f"{row}.{c}": v for c, v in cols.items()}
        if "items_prev_year" in cols and "items_change" in cols:
            # 2019: 「目前共有行政许可事项N项」 states this year's number of items
            readings[f"{row}.items_prev_year + items_change"] = (
                cols["items_prev_year"] + cols["items_change"]
            )
        out += _compare(
            "T2-005",
            text,
            _T2_PATTERNS[row],
            readings,
            [f"{T2}.{row}.{c}" for c in cols],
            _T2_OTHER_COUNT,
        )
    return out


# --- T3 -------------------------------------------------------------------------------------------

_RECEIVED = re.compile(
    r"(?:收到|受理|接到|接收|新收)[^。；;，,、\d]{0,12}?申请"
    + _GAP
    + _UNIT
    + r"|依申请公开"
    + _GAP
    + _UNIT
)
_ANSWERED = re.compile(r"(?:答复|办结|办理完毕)" + _GAP + _UNIT)
_GRANTED = re.compile(r"(?<!不)予以公开(?:(?:及|和|与|、)部分公开)?" + _GAP + _UNIT)
_DENIED = re.compile(r"不予公开" + _GAP + _UNIT)
_UNABLE = re.compile(r"无法提供" + _GAP + _UNIT)
_NOT_PROCESSED = re.compile(r"不予处理" + _GAP + _UNIT)
_NONE_RECEIVED = re.compile(r"(?:未|没有)(?:收到|受理|接到|接收)[^。；;，,\d的补]{0,12}?申请")


@functools.cache
def _t3_groups(fmtv: str) -> dict[str, dict[str, list[str]]]:
    """The readings of T3 a narrative number may match: key → label → rows summed."""
    rows = result_rows(fmtv)
    return {
        "received": {
            "new_received": ["new_received"],
            "new_received + carried_over_in": ["new_received", "carried_over_in"],
        },
        "granted": {
            "granted": ["granted"],
            "granted + partially_granted": ["granted", "partially_granted"],
        },
        "denied": {"Σ denied_*": [r for r in rows if r.startswith("denied_")]},
        "unable": {"Σ unable_*": [r for r in rows if r.startswith("unable_")]},
        "not_processed": {"Σ not_processed_*": [r for r in rows if r.startswith("not_processed_")]},
        "answered": {"results_total": ["results_total"]},
    }


def t3_005(report: ParsedReport, text: str) -> list[Finding]:
    groups = _t3_groups(report.format_version)
    out = _compare(
        "T3-005",
        text,
        _RECEIVED,
        lambda: _readings(report, T3, groups["received"]),
        [f"{T3}.new_received.total", f"{T3}.carried_over_in.total"],
    )
    out += _compare(
        "T3-005",
        text,
        _ANSWERED,
        lambda: _readings(report, T3, groups["answered"]),
        [f"{T3}.results_total.total"],
    )
    for key, pattern in (
        ("granted", _GRANTED),
        ("denied", _DENIED),
        ("unable", _UNABLE),
        ("not_processed", _NOT_PROCESSED),
    ):
        out += _compare(
            "T3-005", text, pattern, lambda key=key: _readings(report, T3, groups[key]), []
        )
    m = _NONE_RECEIVED.search(text)
    new = _val(report, T3, "new_received", "total")
    if m and new:
        out.append(
            finding(
                "T3-005",
                f"总体情况 says 「{m.group(0)}」 but new_received.total = {fmt(new)}",
                ["sections.overview", f"{T3}.new_received.total"],
            )
        )
    return out


# --- T4 -------------------------------------------------------------------------------------------

_REVIEW = re.compile(_joined("行政复议") + _GAP + _UNIT)
_LITIGATION = re.compile(_joined("诉讼") + _GAP + _UNIT)
_NONE_CASES = re.compile(
    r"(?:未|没有)(?:发生|收到|出现|被|有)[^。；;，,]{0,24}?(?:行政复议|诉讼)[^。；;，]{0,12}"
)
_ALL_UPHELD = re.compile(r"(?:行政复议|诉讼)[^。]{0,30}?均(?:获|被|予以|得到)?维持")


_T4_REVIEW = {"admin_review.total": ["admin_review"]}
_T4_LITIGATION = {
    "litigation_direct.total + litigation_after_review.total": [
        "litigation_direct",
        "litigation_after_review",
    ],
    "litigation_direct.total": ["litigation_direct"],
    "litigation_after_review.total": ["litigation_after_review"],
}


def t4_004(report: ParsedReport, text: str) -> list[Finding]:
    groups = ("admin_review", "litigation_direct", "litigation_after_review")
    review = lambda: _readings(report, T4, _T4_REVIEW)  # noqa: E731 — read only when the text states a number
    lit = lambda: _readings(report, T4, _T4_LITIGATION)  # noqa: E731
    out = _compare("T4-004", text, _REVIEW, review, [f"{T4}.admin_review.total"])
    out += _compare("T4-004", text, _LITIGATION, lit, [f"{T4}.{g}.total" for g in groups[1:]])
    for m in _NONE_CASES.finditer(text):
        said = m.group(0)
        nonzero = []
        if "复议" in said:
            nonzero += [g for g in groups[:1] if _val(report, T4, g, "total")]
        if "诉讼" in said:
            nonzero += [g for g in groups[1:] if _val(report, T4, g, "total")]
        if nonzero:
            shown = ", ".join(
                f"{g}.total = {fmt(_val(report, T4, g, 'total') or 0)}" for g in nonzero
            )
            out.append(
                finding(
                    "T4-004",
                    f"总体情况 says 「{said}」 but {shown}",
                    ["sections.overview", *(f"{T4}.{g}.total" for g in nonzero)],
                )
            )
    m = _ALL_UPHELD.search(text)
    if m:
        not_upheld = [
            f"{T4}.{g}.{c}"
            for g in groups
            for c in ("corrected", "other", "pending")
            if _val(report, T4, g, c)
        ]
        if not_upheld:
            out.append(
                finding(
                    "T4-004",
                    f"总体情况 says 「{m.group(0)}」 but outcomes other than 维持 are reported: {', '.join(not_upheld)}",
                    ["sections.overview", *not_upheld],
                )
            )
    return out


def check(report: ParsedReport) -> list[Finding]:
    if report.format_version not in SCHEMAS:
        return []
    text = norm(section_text(report, "overview"))
    if not text:
        return []
    out: list[Finding] = []
    if report.tables.get(T2):
        out += t2_005(report, text)
    if report.tables.get(T3):
        out += t3_005(report, text)
    if report.tables.get(T4):
        out += t4_004(report, text)
    return out
