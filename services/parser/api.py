"""The parser's library API: bytes → `ParsedReport` (`parse`), and `Document` → `ParsedReport` (`interpret`).

`parse` decodes and extracts through services.parser.extract (bytes → Document), then
`interpret` reads format, tables, metadata and sections. Raises `shared.errors.NotAReport` only
when nothing report-like is found; an image-only document (scan, picture) comes back as a report
with `source_modality="image"` and a ParseNote `image_only` (the validator turns it into S-006).
Reads no settings.
"""

from __future__ import annotations

from copy import copy

from services.parser.document import Document
from services.parser.extract.budget import Limits
from services.parser.extract.textgrid import unglue
from services.parser.read.confidence import judge_ocr_cells
from services.parser.read.detect import detect
from services.parser.read.metadata import Metadata, read_metadata
from services.parser.read.sections import find_sections
from services.parser.read.tables import read_tables
from shared.errors import NotAReport
from shared.nfkc import nfkc
from shared.report import ParsedReport, ParseNote
from shared.schema import TABLE_KEYS, TABLED_FORMATS
from shared.versions import PARSER_VERSION


def parse(
    data: bytes,
    *,
    source_url: str | None = None,
    content_type: str | None = None,
    limits: Limits | None = None,
    ocr: bool = False,
) -> ParsedReport:
    """Parse one document (any supported kind) into a report.

    Args:
        data: the document's bytes as fetched.
        source_url: where it came from (kept in the report; never trusted for the kind).
        content_type: the declared HTTP content type, if any.
        limits: the work budgets (services/parser/extract/budget.py); the defaults if None.
        ocr: read scanned pages and pictures by OCR (seconds per page); without it they are
            listed in `scan_pages` and the report says they need OCR.
    """
    from services.parser.extract import DEFAULT_LIMITS, extract

    doc = extract(
        data,
        content_type=content_type,
        source_url=source_url,
        limits=limits or DEFAULT_LIMITS,
        ocr=ocr,
    )
    report = interpret(doc)
    report.source_url = source_url
    return report


def read_page(
    data: bytes, *, source_url: str | None = None, content_type: str | None = None
) -> tuple[Document, Metadata]:
    """A page (or any container) read as `parse` reads it, without needing it to hold a report
    (a 「图片版」 page holds only pictures): its document, and what it states about the report —
    title, agency_name and report_year from the title, publish_date, page_agency."""
    from services.parser.extract import DEFAULT_LIMITS, extract

    doc = extract(data, content_type=content_type, source_url=source_url, limits=DEFAULT_LIMITS)
    doc.blocks = unglue(doc.blocks)
    return doc, read_metadata(doc, nfkc(doc.text()))


def parse_images(images: list[bytes], *, source_url: str | None = None) -> ParsedReport:
    """One report published as several pictures (pages in order), read by OCR."""
    from services.parser.extract.ocr_pages import read_images

    report = interpret(read_images(images))
    report.source_url = source_url
    return report


def interpret(doc: Document) -> ParsedReport:
    """Read a `Document` into a `ParsedReport` (format, tables, metadata, sections, notes)."""
    blocks = unglue(doc.blocks)  # PDF lines joined across table rows, split again
    doc = copy(doc)  # a shallow copy, as dataclasses.replace makes, at a tenth of its cost
    doc.blocks = blocks
    # the whole text in NFKC, once: read_metadata and detect take it as it is (no second pass)
    text = nfkc(doc.text())
    md = read_metadata(doc, text)
    fmt = detect(text, title=md.title, year=md.report_year)
    report = ParsedReport(
        format_version=fmt,  # type: ignore[arg-type]
        report_year=md.report_year,
        agency_name=md.agency_name,
        title=md.title,
        stat_period=md.stat_period,
        publish_date=md.publish_date,
        page_agency=md.page_agency,
        cited_notices=md.cited_notices or [],
        content_type=doc.kind if doc.kind != "unknown" else None,
        encoding=doc.encoding,
        parser_version=PARSER_VERSION,
        tables={k: None for k in TABLE_KEYS},
        notes=[],
    )
    if fmt == "unknown" and not doc.image_only:
        raise NotAReport(
            "no national report table, no report title and no report sections found"
            + (f" (title: {md.title!r})" if md.title else "")
        )
    if fmt in TABLED_FORMATS:
        tables, extra, notes = read_tables(doc, fmt)
        report.tables = tables
        report.extra_cells = extra
        report.notes.extend(notes)
        if doc.ocr:
            report.notes.extend(judge_ocr_cells(report, doc))
        if all(t is None for t in tables.values()) and not doc.image_only:
            report.notes.append(
                ParseNote("no_tables", f"{fmt} labels found but no table could be read")
            )
    report.sections = find_sections(doc, fmt)
    if (
        fmt == "pre2019"
        and not doc.image_only
        and len(report.sections) < 2
        and (report.report_year or 0) >= 2019
    ):
        # a page that only names a recent report (article page of a PDF/DOCX attachment, 「全文详见附件」)
        raise NotAReport(
            f"report title {md.title!r} but no report content (no tables, no sections)"
        )
    report.scan_pages = list(doc.scan_pages)
    if doc.ocr:
        report.source_modality = "ocr"
    elif doc.scan_pages and not doc.image_only:
        # a mixed PDF read without OCR: its scanned pages are still to be read
        report.source_modality = "mixed"
        report.notes.append(
            ParseNote(
                "image_only",
                f"pages {', '.join(map(str, doc.scan_pages))} are scans; they need OCR",
            )
        )
    if doc.image_only:
        # scans and pictures of tables: whatever text there is still gives metadata (S-006 follows)
        readable = any(t is not None for t in report.tables.values())
        if fmt == "pre2019" and (report.report_year or 0) >= 2019:
            report.format_version = (
                "unknown"  # a recent report whose tables we cannot see: no labels to tell
            )
        report.source_modality = "mixed" if readable else "image"
        report.notes.append(
            ParseNote("image_only", "tables are only present as images; they need OCR")
        )
    return report
