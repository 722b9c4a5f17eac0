"""Spreadsheets: merged ranges expanded, text rows as paragraphs, tables split at empty rows."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from nianbao.samples.render import render_xlsx
from nianbao.samples.synth import synth_report
from services.parser.document import Grid, Paragraph
from services.parser.extract import DEFAULT_LIMITS, Limits
from services.parser.extract.sheets import extract_sheets
from shared.errors import TooLarge, UnreadableDocument


def _xlsx(fill) -> bytes:
    wb = Workbook()
    fill(wb.active)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_merged_ranges_become_none_and_numbers_read_like_people_type_them():
    def fill(ws):
        ws["A1"] = "四、政府信息公开行政复议、行政诉讼情况"
        ws["A3"] = "行政复议"
        ws.merge_cells("A3:B3")
        ws["C3"] = "行政诉讼"
        ws["A4"], ws["B4"], ws["C4"] = 3.0, 0.25, None

    doc = extract_sheets(_xlsx(fill), "xlsx", DEFAULT_LIMITS)
    assert doc.blocks == [
        Paragraph("四、政府信息公开行政复议、行政诉讼情况"),
        # the grid knows where it is: the workbook's table 0, on sheet "Sheet", rows 3–4 (0-based 2, 3)
        Grid(rows=[["行政复议", None, "行政诉讼"], ["3", "0.25", ""]], index=0, path="Sheet",
             source_rows=[2, 3]),
    ]  # fmt: skip


def test_rendered_workbook_keeps_the_three_tables_apart():
    report = synth_report("2019", 4)
    doc = extract_sheets(render_xlsx(report), "xlsx", DEFAULT_LIMITS)
    grids = [b for b in doc.blocks if isinstance(b, Grid)]
    assert [len(g.rows) for g in grids] == [18, 26, 4]
    assert [g.index for g in grids] == [0, 1, 2]
    assert all(g.source_rows and len(g.source_rows) == len(g.rows) for g in grids)
    assert grids[2].rows[0][:6] == ["行政复议", None, None, None, None, "行政诉讼"]
    change = report.tables["active_disclosure"]["administrative_licensing"]["items_change"]
    row = next(r for r in grids[0].rows if r[0] == "行政许可")
    assert row[2] == change.raw


def test_sheet_with_too_many_cells_is_refused():
    def fill(ws):
        ws.cell(row=2000, column=2000, value=1)

    with pytest.raises(TooLarge, match="cells"):
        extract_sheets(_xlsx(fill), "xlsx", Limits(max_sheet_cells=100_000))


def test_corrupt_workbook_is_unreadable():
    data = _xlsx(lambda ws: None)
    with pytest.raises(UnreadableDocument):
        extract_sheets(data[: len(data) // 2], "xlsx", DEFAULT_LIMITS)


def test_xls_garbage_is_unreadable():
    with pytest.raises(UnreadableDocument, match="XLS"):
        extract_sheets(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "xls", DEFAULT_LIMITS)


def test_legacy_xls_merged_ranges_and_numbers():
    xlwt = pytest.importorskip("xlwt", reason="xlwt writes the .xls fixture (dev dependency)")
    from services.parser.extract import extract

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("T4")
    sheet.write(0, 0, "四、政府信息公开行政复议、行政诉讼情况")
    sheet.write_merge(2, 3, 0, 1, "行政复议")  # rows 2–3, columns 0–1
    sheet.write(2, 2, "行政诉讼")
    sheet.write(4, 0, 3)
    sheet.write(4, 1, 2.5)
    buf = io.BytesIO()
    book.save(buf)
    doc = extract(buf.getvalue(), source_url="http://x.gov.cn/nb.xls")
    assert doc.kind == "xls" and not doc.notes
    assert doc.blocks == [
        Paragraph("四、政府信息公开行政复议、行政诉讼情况"),
        Grid(rows=[["行政复议", None, "行政诉讼"], [None, None, ""], ["3", "2.5", ""]], index=0,
             path="T4", source_rows=[2, 3, 4]),
    ]  # fmt: skip
