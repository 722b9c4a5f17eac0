"""A report as a Word document (merged cells via gridSpan/vMerge) or an Excel workbook.

Zip entries get fixed dates and document properties fixed times: same report, same bytes.
Settings read: none.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

from nianbao.samples.layout import LayoutCell, LayoutRow, expand, width
from nianbao.samples.outline import outline
from shared.report import ParsedReport

_FIXED_TIME = datetime(2000, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


# --- DOCX ---------------------------------------------------------------------------------------


# openpyxl stamps dcterms:modified with the time of saving, whatever the workbook says
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry dates (and a fixed modification time in the document's
    core properties) so identical content gives identical bytes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                body = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", body)
            dst.writestr(fixed, body)
    return out.getvalue()


def render_docx(report: ParsedReport) -> bytes:
    """The report as a Word document; tables with merged cells (gridSpan / vMerge)."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    props = document.core_properties
    props.created = props.modified = props.last_printed = _FIXED_TIME
    props.author = props.last_modified_by = "nianbao"
    props.title = report.title or ""
    props.revision = 1
    for kind, value in outline(report):
        if kind == "title":
            document.add_heading(str(value), level=1)
        elif kind == "heading":
            document.add_heading(str(value), level=2)
        elif kind == "para":
            document.add_paragraph(str(value))
        else:
            layout: list[LayoutRow] = value  # type: ignore[assignment]
            grid = expand(layout)
            w = width(layout)
            table = document.add_table(rows=len(grid), cols=w)
            table.style = "Table Grid"
            # table.cell() rescans the whole table on each call; take the cells once (merges
            # of non-overlapping ranges leave the other cells' elements in place).
            cells = table._cells
            for r, row in enumerate(grid):
                for c, cell in enumerate(row):
                    if cell is None:
                        continue
                    target = cells[r * w + c]
                    if cell.rowspan > 1 or cell.colspan > 1:
                        target.merge(cells[(r + cell.rowspan - 1) * w + c + cell.colspan - 1])
                    target.text = cell.text
                    for p in target.paragraphs:
                        for run in p.runs:
                            run.font.size = Pt(9)
            document.add_paragraph("")
    buf = io.BytesIO()
    document.save(buf)
    return _fixed_zip(buf.getvalue())


# --- XLSX ---------------------------------------------------------------------------------------


def render_xlsx(report: ParsedReport) -> bytes:
    """The report as a workbook: one sheet, paragraphs in column A, tables with merged ranges."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.properties.created = wb.properties.modified = _FIXED_TIME
    wb.properties.creator = wb.properties.lastModifiedBy = "nianbao"
    ws = wb.active
    ws.title = "年度报告"
    r = 1
    for kind, value in outline(report):
        if kind != "table":
            ws.cell(row=r, column=1, value=str(value))
            r += 1
            continue
        r += 1  # a blank row before and after each table separates it from the text
        layout: list[LayoutRow] = value  # type: ignore[assignment]
        for dr, row in enumerate(expand(layout)):
            for dc, cell in enumerate(row):
                if cell is None:
                    continue
                ws.cell(row=r + dr, column=1 + dc, value=_xlsx_value(cell))
                if cell.rowspan > 1 or cell.colspan > 1:
                    ws.merge_cells(
                        start_row=r + dr,
                        start_column=1 + dc,
                        end_row=r + dr + cell.rowspan - 1,
                        end_column=dc + cell.colspan,
                    )
        r += len(layout) + 1
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip(buf.getvalue())


def _xlsx_value(cell: LayoutCell) -> object:
    """Numbers as numbers (as Excel users type them); everything else as text."""
    if cell.header or not cell.text:
        return cell.text or None
    text = cell.text
    try:
        return (
            int(text)
            if text.lstrip("-").isdigit() and not text.startswith("+")
            else float(text)
            if "." in text
            else text
        )
    except ValueError:
        return text
