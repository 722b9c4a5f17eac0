"""T3 (申请): T3-001 … T3-003 arithmetic, T3-006 fees vs section 六, T3-007 copy-paste hint.
T3-004 is cross-year (cross.py), T3-005 narrative (narrative.py).

A 2021 report that printed a single （六）其他处理 row has its numbers in
`extra_cells["applications.other_handling.<col>"]` and the three 2021 rows `missing`; T3-003 then
uses the extra cell in place of the three rows, so the sum is still checked.
"""

from __future__ import annotations

import functools
import re

from services.validator.rules import finding
from services.validator.sums import (
    Identities,
    Term,
    check_identity,
    fmt,
    identity,
    term,
    term_of,
    total,
)
from services.validator.text import norm, section_text
from shared.report import Finding, ParsedReport
from shared.schema import SCHEMAS, cell_path

T = "applications"
PARTS = (
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "public_welfare_org",
    "legal_service_org",
    "other_org",
)
NOT_RESULTS = ("new_received", "carried_over_in", "results_total", "carried_over_out")
_INTAKE, _OUTCOME = ("new_received", "carried_over_in"), ("results_total", "carried_over_out")


def _cols(fmt_version: str) -> list[str]:
    return [c.key for c in SCHEMAS[fmt_version].t3_cols]


@functools.cache
def result_rows(fmt_version: str) -> tuple[str, ...]:
    return tuple(r.key for r in SCHEMAS[fmt_version].t3_rows if r.key not in NOT_RESULTS)


@functools.cache
def _identities(fmt_version: str) -> Identities:
    """T3-001, T3-002, T3-003 of the format, in that order, compiled once (the schema is data)."""
    cols = _cols(fmt_version)
    rows = [r.key for r in SCHEMAS[fmt_version].t3_rows]
    results = result_rows(fmt_version)
    return Identities(
        T,
        (
            *(
                identity(
                    "T3-001",
                    [(r, c) for r in _INTAKE],
                    [(r, c) for r in _OUTCOME],
                    f"column {c}: new_received + carried_over_in = results_total + carried_over_out",
                )
                for c in cols
            ),
            *(
                identity(
                    "T3-002",
                    [(r, "total")],
                    [(r, c) for c in PARTS],
                    f"row {r}: total = sum of the six applicant columns",
                )
                for r in rows
            ),
            *(
                identity(
                    "T3-003",
                    [("results_total", c)],
                    [(r, c) for r in results],
                    f"column {c}: results_total = sum of the result rows",
                )
                for c in cols
            ),
        ),
    )


def _by_rule(report: ParsedReport) -> dict[str, list[Finding]]:
    """rule → findings of T3-001 … T3-003. A column with a printed （六）其他处理 cell (2021,
    extra_cells) is checked for T3-003 through Terms, which may put that cell in place of the
    three 2021 other_* rows."""
    ids = _identities(report.format_version)
    out: dict[str, list[Finding]] = {"T3-001": [], "T3-002": [], "T3-003": []}
    extra = report.extra_cells if report.format_version == "2021" else None
    for ident, f in zip(ids.identities, ids.each(report.tables[T]), strict=True):
        if (
            extra
            and ident.rule == "T3-003"
            and cell_path(T, "other_handling", c := ident.lhs[0][1]) in extra
        ):
            f = check_identity(
                "T3-003",
                [term(report, T, "results_total", c)],
                _results_terms(report, c),
                ident.what,
            )
        if f is not None:
            out[ident.rule].append(f)
    return out


def _results_terms(report: ParsedReport, c: str) -> list[Term]:
    rows = result_rows(report.format_version)
    terms = [term(report, T, r, c) for r in rows]
    other = [t for t in terms if t.path.split(".")[1].startswith("other_")]
    extra_path = cell_path(T, "other_handling", c)
    extra = report.extra_cells.get(extra_path)
    if (
        report.format_version == "2021"
        and extra is not None
        and all(t.state == "unknown" for t in other)
    ):
        terms = [t for t in terms if t not in other] + [term_of(extra, extra_path)]
    return terms


_FEE_MENTION = re.compile(r"处理费|收费|费用")
_FEE_COLLECTED = re.compile(
    r"(?<!未)(?<!没有)收取[^。；;，,]{0,20}?处理费[^。；;\d]{0,12}?(\d+(?:\.\d+)?)(万?元)"
)


def t3_006_fees(report: ParsedReport) -> list[Finding]:
    out = []
    unpaid = term(report, T, "other_fee_unpaid", "total")
    other = norm(section_text(report, "other_matters"))
    if report.format_version == "2021" and unpaid.state == "number" and unpaid.value > 0:
        if "other_matters" in report.sections and not _FEE_MENTION.search(other):
            out.append(
                finding(
                    "T3-006",
                    f"{fmt(unpaid.value)} applications dropped for unpaid fees, but section 六 says nothing about 信息处理费",
                    [unpaid.path, "sections.other_matters"],
                )
            )
    m = _FEE_COLLECTED.search(other)
    if m and float(m.group(1)) > 0:
        intake = [
            term(report, T, "new_received", "total"),
            term(report, T, "carried_over_in", "total"),
        ]
        if all(t.state == "number" for t in intake) and total(intake) == 0:
            out.append(
                finding(
                    "T3-006",
                    f"section 六 reports 信息处理费 collected ({m.group(1)}{m.group(2)}) but T3 has no applications",
                    ["sections.other_matters", *(t.path for t in intake)],
                )
            )
    return out


@functools.cache
def _outcome_totals(fmt_version: str) -> tuple[tuple[str, str], ...]:
    """(row, path of its total) for every result row, results_total and carried_over_out."""
    return tuple(
        (r, cell_path(T, r, "total"))
        for r in (*result_rows(fmt_version), "results_total", "carried_over_out")
    )


def t3_007_copy_paste(report: ParsedReport) -> list[Finding]:
    intake = [term(report, T, "new_received", "total"), term(report, T, "carried_over_in", "total")]
    t = report.tables.get(T) or {}
    nonzero_out: list[tuple[str, float]] = []  # (path, value) of outcome totals > 0
    all_numbers = True
    for r, path in _outcome_totals(report.format_version):
        row = t.get(r)
        cell = row.get("total") if row else None
        if cell is not None and cell.kind == "number" and cell.value is not None:
            if cell.value > 0:
                nonzero_out.append((path, cell.value))
        else:
            all_numbers = False  # counts 0, as a Term would
    if total(intake) == 0 and nonzero_out:
        return [
            finding(
                "T3-007",
                "no applications received or carried over, yet results are reported: "
                + ", ".join(f"{p}={fmt(v)}" for p, v in nonzero_out),
                [*(t.path for t in intake), *(p for p, _ in nonzero_out)],
            )
        ]
    if total(intake) > 0 and all_numbers and not nonzero_out:
        return [
            finding(
                "T3-007",
                f"{fmt(total(intake))} applications received or carried over, yet every result and carry-over is 0",
                [t.path for t in intake],
            )
        ]
    return []


_SUBTOTAL_GROUPS = {
    "subtotal_denied": "denied_",
    "subtotal_unable": "unable_",
    "subtotal_not_processed": "not_processed_",
    "subtotal_other": "other_",
}
LEGAL_PERSON = PARTS[1:]  # the five columns under 法人或其他组织


def _number(report: ParsedReport, row: str, col: str) -> float | None:
    cell = ((report.tables.get(T) or {}).get(row) or {}).get(col)
    return cell.value if cell is not None and cell.kind == "number" else None


def subtotals(report: ParsedReport) -> list[Finding]:
    """The provincial variant's subtotals, kept in extra_cells, against what they sum: the
    「法人或其他组织小计」 column = the five legal-person columns (T3-002, a row total); a group's
    小计 row = its items (T3-003, a results sum). Checked only when every addend is a number."""
    out: list[Finding] = []
    for path, cell in report.extra_cells.items():
        table, row, col = path.split(".")
        if table != T or cell.kind != "number" or cell.value is None:
            continue
        if col == "legal_person_subtotal":
            parts = [_number(report, row, c) for c in LEGAL_PERSON]
            paths = [cell_path(T, row, c) for c in LEGAL_PERSON]
            rule, what = "T3-002", f"row {row}: 法人或其他组织小计"
        elif row in _SUBTOTAL_GROUPS:
            items = [
                r for r in result_rows(report.format_version) if r.startswith(_SUBTOTAL_GROUPS[row])
            ]
            parts = [_number(report, r, col) for r in items]
            paths = [cell_path(T, r, col) for r in items]
            rule, what = "T3-003", f"column {col}: {row} (小计 row)"
        else:
            continue
        if not parts or any(p is None for p in parts):
            continue
        summed = sum(parts)  # type: ignore[arg-type]
        if abs(summed - cell.value) > 1e-9:
            out.append(
                finding(
                    rule,
                    f"{what} = {fmt(cell.value)} but its parts sum to {fmt(summed)}",
                    [path, *paths],
                    tags=["subtotal"],
                )
            )
    return out


def check(report: ParsedReport) -> list[Finding]:
    if not report.tables.get(T) or report.format_version not in SCHEMAS:
        return []
    by_rule = _by_rule(report)
    return [
        *by_rule["T3-001"],
        *by_rule["T3-002"],
        *by_rule["T3-003"],
        *subtotals(report),
        *t3_006_fees(report),
        *t3_007_copy_paste(report),
    ]
