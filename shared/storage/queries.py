"""What both search stores share, as pure functions: the rows one `DocValidated` event becomes,
the filters a query accepts, and how results are shaped (snippets, nested tables).

Keeping this here means SQLite and PostgreSQL index exactly the same facts and answer the same
questions the same way; only the SQL dialect differs (see sqlite.py / postgres.py).

Settings read: none.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, NamedTuple

import msgspec

from shared.events import DocValidated
from shared.report import ParsedReport
from shared.storage.segment import query_tokens, segment

# filters accepted by search / facets / sum_cells, and the column each one compares
FILTERS = (
    "year", "agency", "rule", "severity", "status", "format", "level", "division_code", "portal",
)  # fmt: skip
GROUP_BYS = ("year", "agency", "level", "division_code", "format", "status", "portal")
FACETS = ("year", "agency", "rule", "status", "format")
EXTRA_TABLE = "_extra"  # cells that belong to no key of the detected format


# The cell_keys ids a sum of TABLE.ROW.COL reads: the cell where the report's format has it, and
# the extra cell of that name where a report keeps it apart (a provincial subtotal, a row of the
# other edition) — stored as (EXTRA_TABLE, the whole key, ""). `marks` are the four parameters'
# placeholders (SQLite's ?, PostgreSQL's $n); their values are sum_keys_args'.
def sum_keys_sql(marks: tuple[str, str, str, str]) -> str:
    t, r, c, k = marks
    return (
        f"SELECT id FROM cell_keys WHERE (tbl = {t} AND row = {r} AND col = {c})"
        f" OR (tbl = '{EXTRA_TABLE}' AND row = {k} AND col = '')"
    )


def sum_keys_args(table: str, row: str, col: str) -> tuple[str, str, str, str]:
    return (table, row, col, f"{table}.{row}.{col}")


@dataclass(frozen=True)
class ReportRow:
    doc_id: str
    version: str
    portal: str
    url: str
    object_key: str
    agency: str | None  # registry agency when known (stable identity), else the parsed name
    agency_name: str | None  # as printed in the report's title
    division_code: str | None
    level: str | None
    year: int | None
    format: str
    status: str
    title: str | None
    publish_date: str | None
    fetched_at: float | None
    indexed_at: float
    parser_version: str
    validator_version: str
    source_modality: str
    content_type: str | None
    n_findings: int
    body: str  # plain text: title, agency and the sections, for snippets
    segmented: str  # body cut into search tokens
    report_json: bytes  # the ParsedReport, for previous_report and re-validation


class CellRow(NamedTuple):  # a tuple: a report has ~200 of them and dataclasses cost 5× more
    tbl: str
    row: str
    col: str
    value: float | None
    kind: str
    raw: str
    unit: str | None
    note: str | None


@dataclass(frozen=True)
class FindingRow:
    rule: str
    severity: str
    message: str
    cells: list[str]
    tags: list[str]


@dataclass(frozen=True)
class Rows:
    report: ReportRow
    cells: list[CellRow]
    findings: list[FindingRow]


def body_of(report: ParsedReport) -> str:
    parts = [report.title or "", report.agency_name or ""]
    for section in report.sections.values():
        parts.append(section.title_raw)
        parts.append(section.text)
    return "\n".join(p for p in parts if p)


def rows_of(event: DocValidated, *, now: float | None = None) -> Rows:
    """Flatten one validated report into the rows every search store writes."""
    report, fetched = event.report, event.fetched
    body = body_of(report).replace("\x00", "")  # PostgreSQL text cannot hold NUL
    meta = ReportRow(
        doc_id=event.ref.doc_id,
        version=event.ref.version,
        portal=event.ref.portal,
        url=event.ref.url,
        object_key=event.ref.object_key,
        agency=(fetched.agency if fetched and fetched.agency else None) or report.agency_name,
        agency_name=report.agency_name,
        division_code=fetched.division_code if fetched else None,
        level=fetched.level if fetched else None,
        year=report.report_year,
        format=report.format_version,
        status=event.status,
        title=report.title or (fetched.title_hint if fetched else None),
        publish_date=report.publish_date,
        fetched_at=fetched.fetched_at if fetched and fetched.fetched_at else None,
        indexed_at=time.time() if now is None else now,
        parser_version=event.parser_version or report.parser_version,
        validator_version=event.validator_version,
        source_modality=report.source_modality,
        content_type=report.content_type,
        n_findings=len(event.findings),
        body=body,
        segmented=segment(body),
        report_json=msgspec.json.encode(report),
    )
    findings = [
        FindingRow(f.rule, f.severity, f.message, list(f.cells), list(f.tags))
        for f in event.findings
    ]
    return Rows(meta, cell_rows(report), findings)


def cell_rows(report: ParsedReport) -> list[CellRow]:
    """Every cell of the report (tables, then the extra cells), flattened."""
    new = tuple.__new__  # CellRow(...) goes through a Python-level __new__: 200 calls a report
    cells: list[CellRow] = []
    append = cells.append
    for tbl, table in report.tables.items():
        for row, cols in (table or {}).items():
            for col, cell in cols.items():
                append(new(CellRow, _cell_fields(tbl, row, col, cell)))
    for key, cell in report.extra_cells.items():
        append(new(CellRow, _cell_fields(EXTRA_TABLE, key, "", cell)))
    return cells


def _cell_fields(tbl: str, row: str, col: str, cell: Any) -> tuple:
    kind, value, raw = cell.kind, cell.value, cell.raw
    value = float(value) if kind == "number" and value is not None else None
    return (
        tbl,
        row,
        col,
        value,
        kind,
        raw.replace("\x00", "") if "\x00" in raw else raw,
        cell.unit,
        cell.note,
    )


def is_noop(stored: dict | None, rows: Rows) -> bool:
    """Same version indexed by the same parser and validator: nothing to write."""
    if stored is None:
        return False
    r = rows.report
    return (
        stored["version"] == r.version
        and stored["parser_version"] == r.parser_version
        and stored["validator_version"] == r.validator_version
    )


def is_stale_replay(stored: dict | None, rows: Rows) -> bool:
    """An older version arriving after a newer one (a replay) must not overwrite it."""
    if stored is None or stored["version"] == rows.report.version:
        return False
    old, new = stored.get("fetched_at"), rows.report.fetched_at
    return old is not None and new is not None and new < old


def check_filters(filters: dict[str, Any]) -> dict[str, Any]:
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise ValueError(f"unknown filter(s) {sorted(unknown)}; known: {', '.join(FILTERS)}")
    out = {k: v for k, v in filters.items() if v is not None and v != ""}
    if "year" in out:
        out["year"] = int(out["year"])
    return out


# `--group-by agency` and the agency facet count the agency that wrote the report (its title's
# agency_name); the registry's name (`agency`, the portal's agency, also the cross-year key)
# only stands in when the document names none
AGENCY_SHOWN = "COALESCE(r.agency_name, r.agency)"


def group_column(group: str) -> str:
    """The SQL expression a checked group-by name groups on."""
    return AGENCY_SHOWN if group == "agency" else f"r.{group}"


def check_group_by(group_by: str | None) -> str | None:
    if group_by is not None and group_by not in GROUP_BYS:
        raise ValueError(f"cannot group by {group_by!r}; choose one of {', '.join(GROUP_BYS)}")
    return group_by


def snippet(body: str, query: str, width: int = 60) -> str:
    """A window of the original text around the query (or, failing that, its first token to
    occur), marked with 【】."""
    flat = " ".join(body.split())
    low = flat.lower()
    whole = " ".join(query.split()).lower()
    hits = [(low.find(whole), whole)] if whole and whole in low else []
    hits = hits or [(low.find(t), t) for t in query_tokens(query) if t in low]
    if not hits:
        return flat[:width] + ("…" if len(flat) > width else "")
    pos, tok = min(hits)
    start = max(0, pos - width // 3)
    end = min(len(flat), pos + len(tok) + width - width // 3)
    out = flat[start:pos] + "【" + flat[pos : pos + len(tok)] + "】" + flat[pos + len(tok) : end]
    return ("…" if start else "") + out + ("…" if end < len(flat) else "")


def nest_cells(rows: list[dict]) -> dict[str, dict[str, dict[str, dict]]]:
    """Cell rows back into {table: {row: {col: cell}}}, cell fields without the empty ones."""
    tables: dict[str, dict[str, dict[str, dict]]] = {}
    for r in rows:
        cell = {"kind": r["kind"], "raw": r["raw"]}
        if r["value"] is not None:
            v = r["value"]
            cell["value"] = int(v) if float(v).is_integer() else v
        for k in ("unit", "note"):
            if r.get(k):
                cell[k] = r[k]
        tables.setdefault(r["tbl"], {}).setdefault(r["row"], {})[r["col"]] = cell
    return tables


def decode_report(data: bytes | str) -> ParsedReport:
    return msgspec.json.decode(data, type=ParsedReport)


def with_source(report: ParsedReport, url: str) -> ParsedReport:
    """The report with its source URL (the index's), when the parser recorded none."""
    if not report.source_url:
        report.source_url = url
    return report


def rule_pattern(value: str, *, param: str = "?") -> tuple[str, str]:
    """(operator with placeholder, value) for a rule filter: exact (T3-001), or a family when it
    ends with `*` (T3-* = every T3 rule)."""
    if value.endswith("*"):
        return f"LIKE {param}", value[:-1].replace("%", "").replace("_", "") + "%"
    return f"= {param}", value


def agency_pattern(value: str, *, param: str = "?") -> tuple[str, str]:
    """(operator with placeholder, value) for an agency filter. Exact by default, so `missing`
    never counts a near-namesake; a pattern when the value starts or ends with `*`
    (`*深圳*` = contains 深圳)."""
    if value.startswith("*") or value.endswith("*"):
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"LIKE {param} ESCAPE '\\'", escaped.replace("*", "%")
    return f"= {param}", value


def sum_entry(total: float | None, numbers: int, reports: int) -> dict:
    """One group of a cell sum. Only numeric cells are summed; `not_numbers` counts the reports
    whose cell is blank, a dash, text, unreadable or absent, so a partial sum is never mistaken
    for a complete one. Rounded to 6 decimals to hide float noise on 万元 amounts."""
    if total is not None:
        total = round(float(total), 6)
        total = int(total) if total.is_integer() else total
    return {"sum": total if total is not None else 0, "numbers": int(numbers), "reports": int(reports),
            "not_numbers": int(reports) - int(numbers)}  # fmt: skip


META_FIELDS = (
    "doc_id", "version", "portal", "url", "object_key", "agency", "agency_name", "division_code",
    "level", "year", "format", "status", "title", "publish_date", "fetched_at", "indexed_at",
    "parser_version", "validator_version", "source_modality", "content_type", "n_findings",
)  # fmt: skip


def dumps(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def loads(value: str | bytes | list) -> Any:
    return value if isinstance(value, list) else msgspec.json.decode(value)


def finding_dict(rule: str, severity: str, message: str, cells: list[str], tags: list[str]) -> dict:
    return {
        "rule": rule,
        "severity": severity,
        "message": message,
        "cells": list(cells),
        "tags": list(tags),
    }


def report_dict(
    meta: dict,
    cells: list[dict],
    findings: list[dict],
    versions: list[dict],
    report_json: bytes | str,
) -> dict:
    report = decode_report(report_json)
    out = dict(meta)
    out["tables"] = nest_cells(cells)
    out["findings"] = findings
    out["versions"] = versions
    out["sections"] = {
        k: {"title": s.title_raw, "text": s.text} for k, s in report.sections.items()
    }
    out["notes"] = [msgspec.to_builtins(n) for n in report.notes]
    out["source_modality"] = report.source_modality
    add_ocr_evidence(out["tables"], report)
    return out


def add_ocr_evidence(tables: dict[str, dict[str, dict[str, dict]]], report: ParsedReport) -> None:
    """OCR'd cells get their recognition `score` and `evidence` (page, box) beside kind and raw:
    the cell rows of the index do not keep them, the stored report does."""
    read = [(t, r, c, cell) for t, rows in report.tables.items() for r, cols in (rows or {}).items()
            for c, cell in cols.items()]  # fmt: skip
    read += [(EXTRA_TABLE, key, "", cell) for key, cell in report.extra_cells.items()]
    for tbl, row, col, cell in read:
        if cell.evidence is None or cell.evidence.kind != "ocr":
            continue
        shown = tables.get(tbl, {}).get(row, {}).get(col)
        if shown is not None:
            if cell.score is not None:
                shown["score"] = cell.score
            shown["evidence"] = msgspec.to_builtins(cell.evidence)


# --- findings over several reports (X-001 / X-002, written by `nianbao duplicates`) -----------------
# Numbered from CROSS_SEQ_BASE, after the validator's findings (0, 1, …) of the same report: they
# sort last, and an indexer upsert racing the write (it deletes a doc's findings and inserts from
# 0) can never collide with them on the (doc, seq) key.
CROSS_SEQ_BASE = 1_000_000
# rule >= 'X-' AND rule < 'X.': the X-* family as an index range (LIKE would scan in SQLite)
CROSS_RULE_LOW, CROSS_RULE_HIGH = "X-", "X."


def cross_finding_rows(findings: list[Any]) -> list[tuple]:
    """(seq, rule, severity, message, cells, tags) of one report's cross-report findings."""
    return [
        (
            CROSS_SEQ_BASE + i,
            f.rule,
            f.severity,
            f.message,
            dumps(list(f.cells)),
            dumps(list(f.tags)),
        )
        for i, f in enumerate(findings)
    ]


# --- crawl facts (dead links, list coverage) -----------------------------------------------------
# Facts arrive as events (services/indexer/facts.py), possibly twice, late, or reordered (a backlog
# handled concurrently, a replay): `last_checked` orders them, and a fact older than the row's
# changes nothing. A link that answers again keeps its row with status ALIVE (a tombstone), so a
# late "dead" fact from before cannot bring it back; readers take status 404/410 only.
# `since` is the start of the current dead period: kept while the link stays dead, restarted
# when a link that had answered again dies again.
ALIVE = 200
PUT_DEAD_LINK_SQLITE = f"""
INSERT INTO dead_links (url, portal, status, title, report_year, companion, since, last_checked)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (url) DO UPDATE SET portal = excluded.portal, status = excluded.status,
    title = coalesce(excluded.title, dead_links.title),
    report_year = coalesce(excluded.report_year, dead_links.report_year),
    companion = coalesce(excluded.companion, dead_links.companion),
    since = CASE WHEN dead_links.status = {ALIVE} THEN excluded.since
                 ELSE min(dead_links.since, excluded.since) END,
    last_checked = excluded.last_checked
    WHERE excluded.last_checked >= dead_links.last_checked
"""
PUT_DEAD_LINK_PG = f"""
INSERT INTO dead_links (url, portal, status, title, report_year, companion, since, last_checked)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (url) DO UPDATE SET portal = excluded.portal, status = excluded.status,
    title = coalesce(excluded.title, dead_links.title),
    report_year = coalesce(excluded.report_year, dead_links.report_year),
    companion = coalesce(excluded.companion, dead_links.companion),
    since = CASE WHEN dead_links.status = {ALIVE} THEN excluded.since
                 ELSE least(dead_links.since, excluded.since) END,
    last_checked = excluded.last_checked
    WHERE excluded.last_checked >= dead_links.last_checked
"""
# the link answered at last_checked: alive, unless found dead after that
CLEAR_DEAD_LINK_SQLITE = f"""
INSERT INTO dead_links (url, portal, status, since, last_checked) VALUES (?, ?, {ALIVE}, ?, ?)
ON CONFLICT (url) DO UPDATE SET status = {ALIVE}, last_checked = excluded.last_checked
    WHERE excluded.last_checked >= dead_links.last_checked
"""
CLEAR_DEAD_LINK_PG = f"""
INSERT INTO dead_links (url, portal, status, since, last_checked) VALUES ($1, $2, {ALIVE}, $3, $4)
ON CONFLICT (url) DO UPDATE SET status = {ALIVE}, last_checked = excluded.last_checked
    WHERE excluded.last_checked >= dead_links.last_checked
"""
DEAD_LINKS_WHERE = f"status <> {ALIVE}"
# the last crawl's coverage; an older one arriving late changes nothing
PUT_COVERAGE_SQLITE = """
INSERT INTO portal_coverage (portal, declared, reached, unit, checked_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (portal) DO UPDATE SET declared = excluded.declared, reached = excluded.reached,
    unit = excluded.unit, checked_at = excluded.checked_at
    WHERE excluded.checked_at >= portal_coverage.checked_at
"""
PUT_COVERAGE_PG = PUT_COVERAGE_SQLITE.replace("(?, ?, ?, ?, ?)", "($1, $2, $3, $4, $5)")


def fingerprint_of(reports: tuple[int, int], findings: tuple[int, int]) -> str:
    """(count, sum of 32-bit row hashes) of reports and of findings, as one string. A sum does not
    depend on row order; a change leaves it equal only by a 1-in-2^32 coincidence."""
    return f"reports {reports[0]}:{reports[1]} findings {findings[0]}:{findings[1]}"
