"""S-001 … S-006: the report has the format's sections and tables, and every cell was located.

Parse notes surface here so that nothing the parser was unsure of stays invisible:
- `unknown_row` notes (rows the format does not have, dropped by the parser), `alias_label` notes
  and cells kept in `extra_cells` → S-002 warnings tagged `unknown_row` / `alias_label` /
  `extra_cell` (a tolerated deviation from the format, like an alias title);
- `image_only` notes / `source_modality == "image"` → S-006;
- every other note (`unsure_cell`, `extra_values`, `duplicate_row`, `no_tables`, …) and cells
  carrying a parser note → S-003 warnings tagged `unsure` and `note=<code>` (the cell exists but its
  position or value is a guess). A note that only names cells already reported missing is folded
  into that S-003 error's message instead of being repeated.
"""

from __future__ import annotations

import functools
import re

from services.validator.rules import W, finding
from services.validator.text import norm, norm_title
from shared.report import Cell, Finding, ParsedReport
from shared.schema import SCHEMAS, SECTION_KEYS, SECTION_TITLES, TABLE_KEYS, cell_path

SECTION_NUMERALS = dict(zip(SECTION_KEYS, "一二三四五六", strict=True))
TABLE_NAMES = {"active_disclosure": "T2", "applications": "T3", "review_litigation": "T4"}

# canonical titles per format; 2019's 五 is known only "as used in reports" (§3.3), so both count
_CANONICAL = {
    "2021": {k: (v[0],) for k, v in SECTION_TITLES.items()},
    "2019": {
        **{k: (v[0],) for k, v in SECTION_TITLES.items()},
        "problems": ("政府信息公开工作存在的主要问题及改进情况", "存在的主要问题及改进情况"),
    },
}


@functools.cache
def expected_cells(fmt: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """table → every (row, col) the format has (computed once per format)."""
    s = SCHEMAS[fmt]
    return {
        "active_disclosure": tuple((r, c) for r, c, _ in s.t2_cells()),
        "applications": tuple((r.key, c.key) for r in s.t3_rows for c in s.t3_cols),
        "review_litigation": tuple((g.key, c.key) for g in s.t4_groups for c in s.t4_cols),
    }


def s001_sections_and_tables(report: ParsedReport) -> list[Finding]:
    out: list[Finding] = []
    present = [k for k in report.sections if k in SECTION_KEYS]
    missing = [k for k in SECTION_KEYS if k not in report.sections]
    if missing:
        names = "、".join(f"{SECTION_NUMERALS[k]}、{SECTION_TITLES[k][0]}" for k in missing)
        out.append(
            finding("S-001", f"sections not found: {names}", [f"sections.{k}" for k in missing])
        )
    order = [SECTION_KEYS.index(k) for k in present]
    if order != sorted(order):
        seq = " ".join(SECTION_NUMERALS[k] for k in present)
        out.append(
            finding("S-001", f"sections out of order: {seq}", [f"sections.{k}" for k in present])
        )
    absent = [t for t in TABLE_KEYS if not report.tables.get(t)]
    if absent:
        names = ", ".join(f"{TABLE_NAMES[t]} {t}" for t in absent)
        out.append(finding("S-001", f"tables not found: {names}", absent))
    return out


def s002_titles(report: ParsedReport) -> list[Finding]:
    out: list[Finding] = []
    canon = _CANONICAL.get(report.format_version, _CANONICAL["2021"])
    for key, sec in report.sections.items():
        if key not in canon:
            continue
        found = norm_title(sec.title_raw)
        if found in canon[key]:
            continue
        how = "a known alias" if found in SECTION_TITLES[key] else "a fuzzy match"
        out.append(
            finding(
                "S-002",
                f"section {SECTION_NUMERALS[key]} is titled 「{sec.title_raw.strip()}」, "
                f"{how} of 「{canon[key][0]}」",
                [f"sections.{key}"],
                tags=["alias_title"],
            )
        )
    return out


_NO_ROW: dict = {}

# (table, row, col, cell) of every located cell of the format, in table order
Located = list[tuple[str, str, str, Cell]]


@functools.cache
def _expected_runs(fmt: str) -> dict[str, tuple[tuple[str, tuple[tuple[str, str], ...]], ...]]:
    """table → ((row, ((col, path), …)), …): `expected_cells` grouped by consecutive row, paths
    precomputed, so one pass reads each row once."""
    out = {}
    for table, cells in expected_cells(fmt).items():
        runs: list[tuple[str, list[tuple[str, str]]]] = []
        for r, c in cells:
            if not runs or runs[-1][0] != r:
                runs.append((r, []))
            runs[-1][1].append((c, cell_path(table, r, c)))
        out[table] = tuple((r, tuple(cols)) for r, cols in runs)
    return out


def scan(report: ParsedReport) -> tuple[Located, dict[str, list[str]]]:
    """One pass over the format's cells (2019/2021): the located cells (for the V rules) and, per
    table, the paths of expected cells that are absent or `missing` (S-003); tables that are
    absent are skipped (S-001)."""
    located: Located = []
    missing_by_table: dict[str, list[str]] = {}
    for table, runs in _expected_runs(report.format_version).items():
        t = report.tables.get(table)
        if not t:
            continue
        missing: list[str] = []
        for r, cols in runs:
            row = t.get(r)
            if not row:
                missing.extend(p for _, p in cols)
                continue
            for c, p in cols:
                cell = row.get(c)
                if cell is None:
                    missing.append(p)
                    continue
                located.append((table, r, c, cell))
                if cell.kind == "missing":
                    missing.append(p)
        if missing:
            missing_by_table[table] = missing
    return located, missing_by_table


def _missing_paths(report: ParsedReport) -> dict[str, list[str]]:
    """table → paths of expected cells that are absent or `missing`."""
    return scan(report)[1]


def s003_grid(report: ParsedReport, missing_by_table: dict[str, list[str]]) -> list[Finding]:
    out: list[Finding] = []
    counts = {k: len(v) for k, v in expected_cells(report.format_version).items()}
    for table, missing in missing_by_table.items():
        said = [n.message for n in report.notes if n.cells and set(n.cells) <= set(missing)]
        why = f" (parser: {'; '.join(said)})" if said else ""
        out.append(
            finding(
                "S-003",
                f"{TABLE_NAMES[table]}: {len(missing)} of {counts[table]} cells not located: "
                + ", ".join(missing)
                + why,
                missing,
            )
        )
    return out


# cell notes another rule reports already: a sign in an unsigned column is V-001's finding
_NOTES_OF_OTHER_RULES = frozenset({"sign in an unsigned column"})


def _noted_cells(report: ParsedReport) -> dict[str, str]:
    """path → parser note, for located cells the parser marked as unsure."""
    out: dict[str, str] = {}
    for table, rows in report.tables.items():
        for row, cols in (rows or {}).items():
            for col, cell in cols.items():
                if cell.note and cell.kind != "missing" and cell.note not in _NOTES_OF_OTHER_RULES:
                    out[cell_path(table, row, col)] = cell.note
    return out


_S002_NOTES = {
    "unknown_row": "row not in the format, dropped",
    "alias_label": "label matched through an alias",
}


def _is_subtotal(path: str) -> bool:
    """The provincial T3 variant's subtotals: a known layout whose cells T3-002/T3-003 check."""
    _, row, col = path.split(".", 2)
    return row.startswith("subtotal_") or col == "legal_person_subtotal"


def notes(
    report: ParsedReport, missing_by_table: dict[str, list[str]] | None = None
) -> list[Finding]:
    """Parse notes and unsure cells as findings (see module docstring)."""
    out: list[Finding] = []
    missing = {p for paths in (missing_by_table or {}).values() for p in paths}
    covered: set[str] = set()
    for note in report.notes:
        if note.code == "image_only":
            continue  # S-006
        if note.code in _S002_NOTES:
            out.append(
                finding(
                    "S-002",
                    f"{_S002_NOTES[note.code]}: {note.message}",
                    note.cells,
                    tags=[note.code],
                )
            )
        elif note.cells and set(note.cells) <= missing:
            continue  # folded into the S-003 error for those cells
        else:
            out.append(
                finding(
                    "S-003",
                    f"parser unsure: {note.message}",
                    note.cells,
                    severity=W,
                    tags=["unsure", f"note={note.code}"],
                )
            )
            covered.update(note.cells)
    rest = {p: n for p, n in _noted_cells(report).items() if p not in covered}
    if rest:
        msg = "; ".join(f"{p}: {n}" for p, n in rest.items())
        out.append(
            finding(
                "S-003",
                f"parser unsure of cell values: {msg}",
                list(rest),
                severity=W,
                tags=["unsure"],
            )
        )
    extra = {p: c for p, c in report.extra_cells.items() if not _is_subtotal(p)}
    if extra:
        shown = ", ".join(f"{p}={c.raw.strip() or c.kind}" for p, c in extra.items())
        out.append(
            finding(
                "S-002",
                f"cells outside the format, kept apart: {shown}",
                list(extra),
                tags=["extra_cell"],
            )
        )
    return out


def s004_format_year(report: ParsedReport) -> list[Finding]:
    y, fmt = report.report_year, report.format_version
    if y is None:
        return []
    if fmt == "2019" and y >= 2021:
        return [
            finding(
                "S-004",
                f"report for {y} uses the 2019 (试行) layout; the 2021 format applies from 2021",
            )
        ]
    if fmt == "2021" and y <= 2020:
        return [finding("S-004", f"report for {y} uses the 2021 layout, issued in September 2021")]
    return []


_NOTICE = re.compile(r"(20\d\d)\D{1,3}?(\d{1,3})号")


def _notices(report: ParsedReport) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for n in report.cited_notices:
        s = norm(n)
        if "公开办" not in s and "办函" not in s:
            continue
        m = _NOTICE.search(s)
        if m:
            found.add((m.group(1), m.group(2)))
    return found


def s005_notice(report: ParsedReport) -> list[Finding]:
    cited = _notices(report)
    n2019, n2021 = ("2019", "60") in cited, ("2021", "30") in cited
    if report.format_version == "2021" and n2019 and not n2021:
        return [
            finding(
                "S-005",
                "cites 国办公开办函〔2019〕60号 (the 2019 format) but uses the 2021 tables of 〔2021〕30号",
            )
        ]
    if report.format_version == "2019" and n2021 and not n2019:
        return [
            finding(
                "S-005", "cites 国办公开办函〔2021〕30号 (the 2021 format) but uses the 2019 tables"
            )
        ]
    return []


def s006_modality(report: ParsedReport) -> list[Finding]:
    image_note = any(n.code == "image_only" for n in report.notes)
    if report.source_modality == "image" or image_note:
        return [
            finding(
                "S-006",
                "tables are not machine-readable (image-only or scanned); needs OCR",
                tags=["source_modality=image"],
            )
        ]
    if report.source_modality == "mixed" and any(not report.tables.get(t) for t in TABLE_KEYS):
        return [
            finding(
                "S-006",
                "part of the document is an image and tables are missing; they may be pictures",
                tags=["source_modality=mixed"],
            )
        ]
    return []


def check(report: ParsedReport, missing: dict[str, list[str]] | None = None) -> list[Finding]:
    """Structure rules for a 2019/2021 report (pre2019: only S-006 and the notes apply).

    `missing`: `scan(report)[1]` when the caller has it (validate() scans once for S-003 and the
    V rules)."""
    if report.format_version not in SCHEMAS:
        return [*notes(report), *s006_modality(report)]
    if missing is None:
        missing = _missing_paths(report)
    return [
        *s001_sections_and_tables(report),
        *s002_titles(report),
        *s003_grid(report, missing),
        *notes(report, missing),
        *s004_format_year(report),
        *s005_notice(report),
        *s006_modality(report),
    ]
