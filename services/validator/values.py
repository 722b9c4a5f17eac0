"""V-001 … V-006: the values in the cells.

Settings read: `fee_decimals` (V-005; default 4, the 「保留4位小数」 seen in seed 001's header).

V-004 magnitude thresholds (万元, per agency level inferred from the name): a fee at or above the
threshold is likely entered in 元. township 10 000 (1亿元), county 100 000, prefecture or unknown
1 000 000; provincial and central bodies are not bounded.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from services.validator import agency
from services.validator.rules import I, finding
from services.validator.structure import TABLE_NAMES, Located, scan
from services.validator.sums import fmt
from shared.config import Settings
from shared.report import Cell, Finding, ParsedReport
from shared.schema import SCHEMAS, cell_path

FEE = ("active_disclosure", "administrative_fees", "fee_amount_wan_yuan")
FEE_LIMIT_WAN_YUAN = {"township": 10_000, "county": 100_000, "prefecture": 1_000_000}
FEE_LIMIT_DEFAULT = 1_000_000
_UNBOUNDED = ("provincial", "central")


def located(report: ParsedReport) -> Located:
    """(table, row, col, cell) for every located cell of the format, in table order (one pass,
    shared by the V rules)."""
    return scan(report)[0]


@functools.cache
def _money_and_signed(fmt_version: str) -> tuple[set[str], set[str]]:
    money, signed = set(), set()
    for b in SCHEMAS[fmt_version].t2_blocks:
        for col in b.cols:
            if col.money:
                money.add(col.key)
            if col.signed:
                signed.add(col.key)
    return money, signed


def v001_counts(report: ParsedReport, cells: Located | None = None) -> list[Finding]:
    cells = located(report) if cells is None else cells
    out: list[Finding] = []
    money, signed = _money_and_signed(report.format_version)
    for table, r, c, cell in cells:
        v = cell.value
        if type(v) is int and v >= 0 or cell.kind != "number" or v is None:
            continue  # a non-negative int is the common case, decided first
        if table == "active_disclosure" and c in money:
            continue  # V-004
        is_int = float(v).is_integer()
        may_be_negative = table == "active_disclosure" and c in signed
        if not is_int or (v < 0 and not may_be_negative):
            path = cell_path(table, r, c)
            what = "not an integer" if not is_int else "negative"
            out.append(
                finding("V-001", f"{path} = {cell.raw.strip() or fmt(v)}: a count {what}", [path])
            )
    return out


def _total_derivation(report: ParsedReport, table: str, row: str, col: str) -> str | None:
    """For a blank 总计 cell, the value its row (or results column) implies."""
    t = report.tables[table] or {}
    if col == "total" and table in ("applications", "review_litigation"):
        parts = [t.get(row, {}).get(k) for k in t.get(row, {}) if k != "total"]
    elif table == "applications" and row == "results_total":
        rows = [
            k
            for k in t
            if k not in ("new_received", "carried_over_in", "results_total", "carried_over_out")
        ]
        parts = [t.get(k, {}).get(col) for k in rows]
    else:
        return None
    nums = [p.value for p in parts if p is not None and p.kind == "number" and p.value is not None]
    if not nums:
        return None
    terms = "+".join(fmt(n) for n in nums if n) or "0"
    return f"{cell_path(table, row, col)} blank, derived {terms} = {fmt(sum(nums))}"


def v002_blanks(report: ParsedReport, cells: Located | None = None) -> list[Finding]:
    cells = located(report) if cells is None else cells
    if not any(cell.kind == "blank" for *_, cell in cells):
        return []
    out: list[Finding] = []
    by_table: dict[str, Located] = {}
    for table, r, c, cell in cells:
        by_table.setdefault(table, []).append((table, r, c, cell))
    for table, in_table in by_table.items():
        blanks = [(r, c) for _, r, c, cell in in_table if cell.kind == "blank"]
        if not blanks:
            continue
        numbers = [cell for *_, cell in in_table if cell.kind == "number"]
        paths = [cell_path(table, r, c) for r, c in blanks]
        if not numbers:
            out.append(
                finding(
                    "V-002",
                    f"{TABLE_NAMES[table]} has no numbers: nothing reported; implicit zeros",
                    paths,
                    severity=I,
                )
            )
            continue
        derived = [d for r, c in blanks if (d := _total_derivation(report, table, r, c))]
        msg = (
            f"{TABLE_NAMES[table]}: {len(blanks)} blank cells in a table with numbers, counted as 0"
        )
        if derived:
            msg += "; " + "; ".join(derived)
        out.append(finding("V-002", msg, paths))
    return out


def v003_na(report: ParsedReport, cells: Located | None = None) -> list[Finding]:
    cells = located(report) if cells is None else cells
    out: list[Finding] = []
    by_table: dict[str, list[str]] = {}
    for table, r, c, cell in cells:
        if cell.kind in ("na_dash", "na_slash"):
            by_table.setdefault(table, []).append(f"{cell_path(table, r, c)}={cell.raw.strip()}")
    for table, items in by_table.items():
        paths = [i.split("=", 1)[0] for i in items]
        out.append(
            finding(
                "V-003", f"{TABLE_NAMES[table]}: NA markers treated as 0: {', '.join(items)}", paths
            )
        )
    return out


def _fee_cell(report: ParsedReport) -> Cell | None:
    t = report.tables.get(FEE[0]) or {}
    return t.get(FEE[1], {}).get(FEE[2])


def v004_fee_unit(report: ParsedReport) -> list[Finding]:
    cell = _fee_cell(report)
    if cell is None or report.format_version != "2021":
        return []
    path = cell_path(*FEE)
    raw = unicodedata.normalize("NFKC", cell.raw or "")
    out: list[Finding] = []
    if cell.unit == "元" or ("元" in raw and "万" not in raw):
        out.append(
            finding(
                "V-004",
                f"{path} written in 元 ({raw.strip()}) where the header asks for 万元",
                [path],
            )
        )
    if cell.kind != "number" or cell.value is None:
        return out
    if cell.value < 0:
        out.append(
            finding("V-004", f"{path} = {fmt(cell.value)}: a fee amount cannot be negative", [path])
        )
    level = agency.level_of(report.agency_name)
    limit = None if level in _UNBOUNDED else FEE_LIMIT_WAN_YUAN.get(level, FEE_LIMIT_DEFAULT)
    if limit is not None and cell.value >= limit and cell.unit != "元":
        out.append(
            finding(
                "V-004",
                f"{path} = {fmt(cell.value)} 万元 is implausible for a {level} body "
                f"(threshold {fmt(limit)} 万元); likely entered in 元",
                [path],
            )
        )
    return out


_DECIMALS = re.compile(r"\d\.(\d+)")


def v005_fee_decimals(report: ParsedReport, settings: Settings) -> list[Finding]:
    cell = _fee_cell(report)
    if cell is None or cell.kind != "number":
        return []
    m = _DECIMALS.search(unicodedata.normalize("NFKC", cell.raw or "").replace(",", ""))
    n = len(m.group(1)) if m else 0
    if n <= settings.fee_decimals:
        return []
    path = cell_path(*FEE)
    return [
        finding(
            "V-005",
            f"{path} = {cell.raw.strip()} has {n} decimals (more than {settings.fee_decimals})",
            [path],
        )
    ]


def v006_text(report: ParsedReport, cells: Located | None = None) -> list[Finding]:
    cells = located(report) if cells is None else cells
    # an unreadable cell with a parser note is the parser's doubt, not the document's text:
    # S-003 reports it (with the note), V-006 would say the same thing twice
    bad = [
        (cell_path(t, r, c), cell)
        for t, r, c, cell in cells
        if cell.kind == "text" or (cell.kind == "unreadable" and not cell.note)
    ]
    if not bad:
        return []
    shown = ", ".join(
        f"{p}=「{c.raw.strip()}」" + (" (unreadable)" if c.kind == "unreadable" else "")
        for p, c in bad
    )
    return [finding("V-006", f"text in numeric cells: {shown}", [p for p, _ in bad])]


def check(report: ParsedReport, settings: Settings, cells: Located | None = None) -> list[Finding]:
    """`cells`: `located(report)` when the caller has it. V-002 / V-003 / V-006 run only when a
    cell of their kind is present (they find nothing otherwise)."""
    if report.format_version not in SCHEMAS:
        return []
    if cells is None:
        cells = located(report)
    kinds = {located_cell[3].kind for located_cell in cells}
    out = v001_counts(report, cells)
    if "blank" in kinds:
        out += v002_blanks(report, cells)
    if "na_dash" in kinds or "na_slash" in kinds:
        out += v003_na(report, cells)
    out += v004_fee_unit(report)
    out += v005_fee_decimals(report, settings)
    if "text" in kinds or "unreadable" in kinds:
        out += v006_text(report, cells)
    return out
