"""What an export holds, as pure functions: the four tables' columns and one report's rows.

- `reports` (wide): one row per report, the metadata, findings counts by severity, then one column
  per cell key of the 2021 and the 2019 format (`applications.new_received.total`). A cell that is
  not a number (blank, dash, text, missing) or not in the report's format is empty — never 0.
- `cells` (long): every cell as read, with its Chinese label, raw text, value, kind, unit, note,
  where it was read (`evidence`, JSON) and, for a cell read by OCR, its recognition `score`.
- `findings`: rule, severity, the message in Chinese and in English, the cells it names.
- `dictionary`: cell key → Chinese label, table, the formats that have it.

Column types are "str", "int", "float" or "list" (a list of strings; flat formats join it with
`;`). Writers (writers.py) only see these tuples.
"""

from __future__ import annotations

import datetime as dt
import functools

import msgspec

from shared.findings_zh import cell_label, message_zh
from shared.report import Cell, ParsedReport
from shared.schema import SCHEMAS, T3_COLS, T4_COLS, T4_GROUPS, TABLED_FORMATS, cell_path
from shared.storage.queries import EXTRA_TABLE, decode_report

Column = tuple[str, str]  # (name, type)

TABLE_ZH = {"active_disclosure": "主动公开政府信息情况", "applications": "收到和处理政府信息公开申请情况",
            "review_litigation": "政府信息公开行政复议、行政诉讼情况"}  # fmt: skip
SEVERITIES = ("error", "warning", "info")

META: tuple[Column, ...] = (
    ("doc_id", "str"),
    ("version", "str"),
    ("object_key", "str"),  # where the original is in the object store
    ("year", "int"),
    ("agency_name", "str"),  # as printed in the report's title
    ("portal_agency", "str"),  # the portal registry's name for the agency
    ("portal", "str"),
    ("division_code", "str"),
    ("level", "str"),
    ("format", "str"),  # 2021 | 2019 | pre2019 | unknown
    ("source_kind", "str"),  # html | pdf | docx | xlsx | text …
    ("source_modality", "str"),
    ("status", "str"),
    ("errors", "int"),
    ("warnings", "int"),
    ("infos", "int"),
    ("publish_date", "str"),
    ("publish_basis", "str"),  # stated_date (the page says so) | first_seen (when nianbao saw it)
    ("fetched_at", "str"),
    ("title", "str"),
    ("url", "str"),
    ("parser_version", "str"),
    ("validator_version", "str"),
)
CELLS: tuple[Column, ...] = (
    ("doc_id", "str"),
    ("key", "str"),
    ("table", "str"),
    ("row", "str"),
    ("col", "str"),
    ("label_zh", "str"),
    ("raw", "str"),
    ("value", "float"),
    ("kind", "str"),
    ("unit", "str"),
    ("note", "str"),
    ("evidence", "str"),
    ("score", "float"),  # OCR'd cells: the lowest recognition score of its characters, 0–1
)
FINDINGS: tuple[Column, ...] = (
    ("doc_id", "str"),
    ("seq", "int"),
    ("rule", "str"),
    ("severity", "str"),
    ("message_zh", "str"),
    ("message", "str"),
    ("cells", "list"),
    ("tags", "list"),
)
DICTIONARY: tuple[Column, ...] = (
    ("key", "str"),
    ("table", "str"),
    ("row", "str"),
    ("col", "str"),
    ("label_zh", "str"),
    ("table_zh", "str"),
    ("formats", "str"),
)


@functools.cache
def cell_keys() -> dict[str, tuple[str, str, str, tuple[str, ...]]]:
    """Every cell key of the 2021 and 2019 formats, in table order (2021 first): key →
    (table, row, col, formats having it)."""
    out: dict[str, tuple[str, str, str, tuple[str, ...]]] = {}
    for fmt in TABLED_FORMATS:
        schema = SCHEMAS[fmt]
        keys = [("active_disclosure", r, c) for r, c, _ in schema.t2_cells()]
        keys += [("applications", r.key, c.key) for r in schema.t3_rows for c in T3_COLS]
        keys += [("review_litigation", g.key, c.key) for g in T4_GROUPS for c in T4_COLS]
        for t, r, c in keys:
            key = cell_path(t, r, c)
            formats = out[key][3] if key in out else ()
            out[key] = (t, r, c, (*formats, fmt))
    return out


def report_columns() -> tuple[Column, ...]:
    return META + tuple((k, "float") for k in cell_keys())


def dictionary_rows() -> list[tuple]:
    return [
        (k, t, r, c, cell_label(k), TABLE_ZH.get(t, t), " ".join(sorted(f)))
        for k, (t, r, c, f) in cell_keys().items()
    ]


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="seconds")


def _number(cell: Cell) -> float | None:
    return float(cell.value) if cell.kind == "number" and cell.value is not None else None


class ReportRows(msgspec.Struct):
    report: tuple
    cells: list[tuple]
    findings: list[tuple]


def rows_of(stored: dict) -> ReportRows:
    """One stored report (a dict from a store's `export_batches`) as rows of the three tables."""
    report: ParsedReport = decode_report(stored["report_json"])
    doc_id = stored["doc_id"]
    findings = stored["findings"]
    counts = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        counts[f["severity"]] = counts.get(f["severity"], 0) + 1
    meta = (
        doc_id,
        stored["version"],
        stored["object_key"],
        stored["year"],
        stored["agency_name"],
        stored["agency"],
        stored["portal"],
        stored["division_code"],
        stored["level"],
        stored["format"],
        stored["content_type"],
        stored["source_modality"],
        stored["status"],
        counts["error"],
        counts["warning"],
        counts["info"],
        stored["publish_date"],
        "stated_date"
        if stored["publish_date"]
        else ("first_seen" if stored["fetched_at"] else None),
        _iso(stored["fetched_at"]),
        stored["title"],
        stored["url"],
        stored["parser_version"],
        stored["validator_version"],
    )
    wide = dict.fromkeys(cell_keys())
    cells: list[tuple] = []
    for tbl, table in report.tables.items():
        for row, cols in (table or {}).items():
            for col, cell in cols.items():
                key = f"{tbl}.{row}.{col}"
                value = _number(cell)
                if key in wide:
                    wide[key] = value
                cells.append(_cell_row(doc_id, key, tbl, row, col, cell, value))
    for key, cell in report.extra_cells.items():
        cells.append(_cell_row(doc_id, key, EXTRA_TABLE, key, "", cell, _number(cell)))
    found = [
        (doc_id, i, f["rule"], f["severity"], message_zh(f["rule"], f["message"], f["cells"]),
         f["message"], list(f["cells"]), list(f["tags"]))
        for i, f in enumerate(findings)
    ]  # fmt: skip
    return ReportRows(meta + tuple(wide.values()), cells, found)


def _cell_row(
    doc_id: str, key: str, tbl: str, row: str, col: str, cell: Cell, value: float | None
) -> tuple:
    evidence = msgspec.json.encode(cell.evidence).decode() if cell.evidence else None
    return (doc_id, key, tbl, row, col, cell_label(key), cell.raw, value, cell.kind, cell.unit,
            cell.note, evidence, cell.score)  # fmt: skip
