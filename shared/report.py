"""The parsed report and its findings: what the parser produces and the validator checks.

These structs are the library API (`services.parser.parse` → `ParsedReport`,
`services.validator.validate` → `list[Finding]`) and the body of the parsed / validated events, so
they evolve additively like the events do: new fields get defaults, nothing is renamed.
Their JSON form is the output contract of `nianbao parse` (../shared/spec/contract.md).
"""

from __future__ import annotations

from typing import Literal

import msgspec

CellKind = Literal["number", "blank", "na_dash", "na_slash", "text", "missing", "unreadable"]
Severity = Literal["error", "warning", "info"]
Status = Literal["valid", "warnings", "invalid", "needs_ocr"]
EvidenceKind = Literal["pdf", "ocr", "html", "docx", "sheet", "text"]


class Evidence(msgspec.Struct, omit_defaults=True, frozen=True):
    """Where a cell was read in its source document, so a reader can check it there.

    One struct for every input kind; each fills the fields it knows (the others stay None):
    - pdf / ocr: `page` (1-based) and `box` — (x0, y0, x1, y1) in PDF points (1/72 inch) from
      the page's top-left corner, the way the page is shown; OCR converts its pixel boxes with the
      render scale so both draw on the same page.
    - html / docx / sheet: `table` (0-based index of the table in the document, in reading order),
      `row` and `col` (0-based positions in that table's grid, spans expanded), `path` (the
      element's CSS-like path for HTML, the sheet name for spreadsheets) when known.
    - text (plain-text renditions and PDF text without table boxes): `line` (1-based line number).
    """

    kind: EvidenceKind
    page: int | None = None
    box: tuple[float, float, float, float] | None = None
    table: int | None = None
    row: int | None = None
    col: int | None = None
    path: str | None = None
    line: int | None = None


class Cell(msgspec.Struct, omit_defaults=True):
    """One numeric cell as found. `value` is None unless `kind == "number"`.

    Blank is not zero at parse time: the validator decides (rule V-002).
    """

    value: int | float | None = None
    raw: str = ""
    kind: CellKind = "missing"
    unit: str | None = None  # 元 / 万元 / 件 / 个 when written in the cell
    note: str | None = None  # why the parser is unsure, when it is
    evidence: Evidence | None = None  # where it was read (additive, contract.md)
    # OCR'd cells: the lowest recognition score of its characters, 0–1 (contract.md)
    score: float | None = None


# table → row (or T4 group) → column → cell
Table = dict[str, dict[str, Cell]]


class Section(msgspec.Struct, omit_defaults=True):
    title_raw: str
    text: str
    title_canonical: str | None = None
    alias: bool = False  # title matched a known alias, not the format's own title (S-002)


class StatPeriod(msgspec.Struct):
    start: str  # ISO date
    end: str


class ParseNote(msgspec.Struct, omit_defaults=True):
    """Something the parser noticed and wants the validator to report (dropped row, unsure cell…)."""

    code: str  # e.g. "unknown_row", "unsure_cell", "image_only"
    message: str
    cells: list[str] = []


class ParsedReport(msgspec.Struct, omit_defaults=False):
    format_version: Literal["2021", "2019", "pre2019", "unknown"] = "unknown"
    report_year: int | None = None
    agency_name: str | None = None
    title: str | None = None
    tables: dict[str, Table | None] = {}
    sections: dict[str, Section] = {}
    stat_period: StatPeriod | None = None
    publish_date: str | None = None  # ISO date when the page states it
    source_url: str | None = None
    content_type: str | None = None  # sniffed kind: html, text, pdf, docx, xlsx, xls, doc, image…
    encoding: str | None = None
    # ocr: the tables were read from scanned pages by OCR (cells carry Evidence with a score)
    source_modality: Literal["text", "image", "mixed", "ocr"] = "text"
    is_report: bool = True
    extra_cells: dict[
        str, Cell
    ] = {}  # cells that belong to no key of the detected format (§7 ex. 19)
    notes: list[ParseNote] = []
    cited_notices: list[str] = []  # e.g. 国办公开办函〔2019〕60号, for S-005
    page_agency: str | None = None  # 发布机构 / 信息来源 from page metadata, for M-003
    # pages that are scans (no text layer), 1-based: the OCR stage reads them when not yet read
    scan_pages: list[int] = []
    parser_version: str = ""


class Finding(msgspec.Struct, omit_defaults=True):
    rule: str
    severity: Severity
    message: str
    cells: list[str] = []
    tags: list[str] = []  # e.g. due_to_blank, source_modality=image
    # the same finding in Chinese, cells named by the format's labels; filled where findings are
    # shown (shared/findings_zh.with_zh: `nianbao validate`, `nianbao report`)
    message_zh: str = ""


def status_of(findings: list[Finding], report: ParsedReport | None = None) -> Status:
    """`invalid` when any error, else `warnings` when any warning, else `valid` (contract.md).

    With the report: `needs_ocr` when it is only images and no table could be read (a scan waiting
    for OCR is neither valid nor "a report with warnings")."""
    if (
        report is not None
        and report.source_modality == "image"
        and not any(report.tables.get(t) for t in report.tables)
    ):
        return "needs_ocr"
    severities = {f.severity for f in findings}
    if "error" in severities:
        return "invalid"
    if "warning" in severities:
        return "warnings"
    return "valid"


def to_builtins(obj: object) -> object:
    return msgspec.to_builtins(obj)
