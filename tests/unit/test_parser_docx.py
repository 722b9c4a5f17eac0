"""DOCX extraction: body order, merged cells (gridSpan / vMerge) expanded with None."""

from __future__ import annotations

import io

import docx
import pytest

from nianbao.samples.render import render_docx
from nianbao.samples.synth import synth_report
from services.parser.document import Grid, Paragraph
from services.parser.extract import DEFAULT_LIMITS
from services.parser.extract.docx import extract_docx
from shared.errors import UnreadableDocument


def _save(document) -> bytes:
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_paragraphs_and_tables_come_in_body_order_with_merges_expanded():
    d = docx.Document()
    d.add_paragraph("二、主动公开政府信息情况")
    t = d.add_table(rows=3, cols=3)
    t.cell(0, 0).merge(t.cell(0, 2)).text = "第二十条第（一）项"
    t.cell(1, 0).merge(t.cell(2, 0)).text = "规章"
    t.cell(1, 1).text = "1"
    t.cell(2, 1).text = ""
    t.cell(2, 2).text = "3"
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    doc = extract_docx(_save(d), DEFAULT_LIMITS)
    assert isinstance(doc.blocks[0], Paragraph) and doc.blocks[0].text == "二、主动公开政府信息情况"
    assert doc.blocks[1] == Grid(
        rows=[["第二十条第（一）项", None, None], ["规章", "1", ""], [None, "", "3"]],
        index=0,  # the document's first table (cell evidence)
    )
    assert doc.blocks[2].text == "三、收到和处理政府信息公开申请情况"


def test_multi_paragraph_cell_keeps_its_line_breaks():
    d = docx.Document()
    cell = d.add_table(rows=1, cols=1).cell(0, 0)
    cell.text = "商业"
    cell.add_paragraph("企业")
    doc = extract_docx(_save(d), DEFAULT_LIMITS)
    assert doc.blocks[0].rows == [["商业\n企业"]]


def test_rendered_report_gives_the_official_t3_shape():
    report = synth_report("2021", 3)
    doc = extract_docx(render_docx(report), DEFAULT_LIMITS)
    grids = [b for b in doc.blocks if isinstance(b, Grid)]
    t3 = grids[1].rows
    assert len(t3) == 28 and all(len(r) == 10 for r in t3)
    assert t3[0][:4] == [
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
        None,
        None,
        "申请人情况",
    ]
    assert t3[1][:3] == [None, None, None]  # covered by the 3×3 corner
    assert t3[6][0] is None and t3[5][0] == "三、本年度办理结果"
    total = report.tables["applications"]["new_received"]["total"]
    assert t3[3][9] == total.raw


def test_corrupt_document_xml_is_unreadable():
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(_save(docx.Document())))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            data = src.read(info.filename)
            z.writestr(
                info.filename,
                data[: len(data) // 2] if info.filename == "word/document.xml" else data,
            )
    with pytest.raises(UnreadableDocument):
        extract_docx(out.getvalue(), DEFAULT_LIMITS)


def test_a_scan_pasted_into_word_is_image_only():
    from PIL import Image

    d = docx.Document()
    d.add_paragraph("2021年度报告")
    img = io.BytesIO()
    Image.new("L", (40, 40), 255).save(img, format="PNG")
    img.seek(0)
    d.add_picture(img)
    doc = extract_docx(_save(d), DEFAULT_LIMITS)
    assert doc.image_only and "1 pictures" in doc.notes[0]
