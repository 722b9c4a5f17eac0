"""PDF extraction: ruled tables as grids stitched across pages, wrapped lines rejoined, scans flagged."""

from __future__ import annotations

import io

import pytest

from nianbao.samples.render import cjk_font_path, render_pdf
from nianbao.samples.synth import synth_report
from services.parser.document import Grid, Paragraph
from services.parser.extract import DEFAULT_LIMITS, Limits
from services.parser.extract.pdf import extract_pdf
from shared.errors import TooLarge, UnreadableDocument

pytestmark = pytest.mark.skipif(
    cjk_font_path() is None, reason="needs a CJK font (fonts-wqy-zenhei)"
)


@pytest.fixture(scope="module")
def report():
    return synth_report("2021", 1)


@pytest.fixture(scope="module")
def pdf_bytes(report):
    return render_pdf(report)


def _grids(doc):
    return [b for b in doc.blocks if isinstance(b, Grid)]


def test_t3_split_across_pages_comes_back_as_one_grid_without_the_repeated_header(
    report, pdf_bytes
):
    doc = extract_pdf(pdf_bytes, DEFAULT_LIMITS)
    t3 = _grids(doc)[1]
    assert len(t3.rows) == 28 and all(len(r) == 10 for r in t3.rows)
    assert t3.rows[3][0] == "一、本年新收政府信息公开申请数量" and t3.rows[3][1:3] == [None, None]
    apps = report.tables["applications"]
    assert t3.rows[3][3:] == [apps["new_received"][c].raw for c in apps["new_received"]]
    assert t3.rows[27][3:] == [apps["carried_over_out"][c].raw for c in apps["carried_over_out"]]
    assert {b.page for b in doc.blocks if isinstance(b, Paragraph)} == {1, 2}


def test_wrapped_narrative_lines_are_joined_into_one_paragraph(report, pdf_bytes):
    doc = extract_pdf(pdf_bytes, DEFAULT_LIMITS)
    overview_line = next(
        line for line in report.sections["overview"].text.split("\n") if line.startswith("（二）")
    )
    assert overview_line in [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    assert doc.title == report.title and not doc.image_only


def test_vertical_t4_header_characters_stay_in_their_cells(report):
    doc = extract_pdf(render_pdf(report, vertical_t4=True), DEFAULT_LIMITS)
    t4 = _grids(doc)[2]
    assert t4.rows[2][0].replace("\n", "") == "结果维持"
    assert t4.rows[3][4] == report.tables["review_litigation"]["admin_review"]["total"].raw


def _scanned_pdf(pages: int = 2) -> bytes:
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("L", (200, 280), 255)
    for x in range(20, 180):
        img.putpixel((x, 40), 0)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    for _ in range(pages):
        c.drawImage(ImageReader(img), 50, 200, 400, 560)
        c.showPage()
    c.save()
    return buf.getvalue()


def test_a_scan_without_text_layer_is_image_only():
    doc = extract_pdf(_scanned_pdf(), DEFAULT_LIMITS)
    assert doc.image_only and doc.blocks == []
    assert "almost no text layer" in doc.notes[0]


def test_truncated_pdf_is_unreadable(pdf_bytes):
    with pytest.raises(UnreadableDocument, match="truncated"):
        extract_pdf(pdf_bytes[: len(pdf_bytes) // 2], DEFAULT_LIMITS)


def test_pdf_with_garbage_after_the_header_is_unreadable():
    with pytest.raises(UnreadableDocument):
        extract_pdf(b"%PDF-1.7\n" + b"\x00garbage" * 100 + b"\n%%EOF\n", DEFAULT_LIMITS)


def test_more_pages_than_the_limit_is_refused_with_the_count(pdf_bytes):
    with pytest.raises(TooLarge, match="3 pages|2 pages"):
        extract_pdf(_scanned_pdf(3), Limits(max_pdf_pages=2))


def _unruled_pdf() -> bytes:
    """A table drawn as text only (no rules), rows running to the right margin, then prose."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "NianbaoCJK" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("NianbaoCJK", cjk_font_path(), subfontIndex=0))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("NianbaoCJK", 10)
    y = 780
    for label, nums in (
        ("一、本年新收政府信息公开申请数量", "120 7 0 0 3 1 131"),
        ("二、上年结转政府信息公开申请数量", "4 0 0 0 0 0 4"),
    ):
        c.drawString(50, y, label)
        c.drawRightString(545, y, nums)
        y -= 14
    prose = "本机关全年共收到政府信息公开申请一百三十一件，均已按期答复，答复率百分之百，本年度未发生因政府信息"
    assert len(prose) == 49  # 490 pt at 10 pt: the line reaches the right margin like the rows
    c.drawString(50, y, prose)
    c.drawString(50, y - 14, "公开工作被申请行政复议的情况。")
    c.showPage()
    c.save()
    return buf.getvalue()


def test_unruled_table_rows_stay_separate_lines_while_prose_is_rejoined():
    texts = [b.text for b in extract_pdf(_unruled_pdf(), DEFAULT_LIMITS).blocks]
    assert texts[0] == "一、本年新收政府信息公开申请数量 120 7 0 0 3 1 131"
    assert texts[1] == "二、上年结转政府信息公开申请数量 4 0 0 0 0 0 4"
    assert texts[2].endswith("未发生因政府信息公开工作被申请行政复议的情况。")


def test_running_heads_and_page_numbers_do_not_split_a_table(report):
    doc = extract_pdf(
        render_pdf(report, running_head="某某局政府信息公开工作年度报告"), DEFAULT_LIMITS
    )
    texts = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    assert "某某局政府信息公开工作年度报告" not in texts and "- 1 -" not in texts
    assert [len(g.rows) for g in _grids(doc)] == [14, 28, 4]
    assert any("running header" in n for n in doc.notes) and any(
        "page-number" in n for n in doc.notes
    )


def test_a_pdf_with_filled_backgrounds_behind_every_line_reads_as_the_plain_pdf():
    """WPS / 「极速PDF」 exports paint a filled rectangle behind each text line and cell: no ruling."""
    from nianbao.samples.render import render_pdf
    from nianbao.samples.synth import synth_report
    from services.parser.api import parse

    r = synth_report("2021", 11)
    plain = parse(render_pdf(r))
    painted = parse(render_pdf(r, line_backgrounds=True))
    assert list(painted.sections) == list(plain.sections) and len(painted.sections) == 6
    assert painted.tables == plain.tables
    assert painted.tables["review_litigation"]["admin_review"]["total"].value == (
        r.tables["review_litigation"]["admin_review"]["total"].value
    )


@pytest.fixture(scope="module")
def printed_chars(pdf_bytes):
    """Each page's characters as pdfplumber (pdfminer, not the parser's PDFium reader) places
    them: (text, centre x, centre y) in points from the page's top-left."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        return {
            n: [
                (c["text"], (c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2, c["x0"])
                for c in page.chars
            ]
            for n, page in enumerate(pdf.pages, 1)
        }


def _printed_in(chars, page: int, box: tuple[float, float, float, float]) -> str:
    """The characters on `page` whose centre lies in `box`, in reading order, without spaces."""
    x0, top, x1, bottom = box
    inside = [c for c in chars[page] if x0 <= c[1] <= x1 and top <= c[2] <= bottom]
    return "".join(c[0] for c in sorted(inside, key=lambda c: (round(c[2]), c[3])))


def test_a_ruled_table_cell_records_the_box_its_digits_are_printed_in(
    report, pdf_bytes, printed_chars
):
    from services.parser.api import parse

    got = parse(pdf_bytes, content_type="application/pdf")
    total = got.tables["applications"]["new_received"]["total"]  # type: ignore[index]
    expected = report.tables["applications"]["new_received"]["total"].raw  # type: ignore[index]
    assert total.raw == expected and len(expected) >= 2  # several digits, not a lone 0
    ev = total.evidence
    assert ev is not None and ev.kind == "pdf" and ev.box is not None
    assert (ev.page, ev.row, ev.col) == (1, 3, 9)
    assert _printed_in(printed_chars, ev.page, ev.box) == expected
    x0, top, x1, bottom = ev.box
    assert x0 < x1 and top < bottom and bottom - top < 40  # one ruled row, not the table


def test_every_ruled_table_cell_box_holds_exactly_its_own_text_on_its_own_page(
    pdf_bytes, printed_chars
):
    from services.parser.api import parse

    got = parse(pdf_bytes, content_type="application/pdf")
    pages = set()
    checked = 0
    for table in got.tables.values():
        for row in table.values():
            for cell in row.values():
                ev = cell.evidence
                if ev is None or ev.kind != "pdf" or ev.row is None:
                    continue  # text-line cells carry the line's box
                assert ev.box is not None and ev.page is not None
                assert _printed_in(printed_chars, ev.page, ev.box) == "".join(cell.raw.split())
                pages.add(ev.page)
                checked += 1
    assert checked >= 150
    assert len(pages) >= 2  # rows of a table continued on the next page carry that page


def test_a_wide_title_is_not_joined_to_the_prose_under_it_but_wrapped_prose_is():
    from services.parser.extract.pdf import _Line, _stitch

    title = _Line("某局2021年政府信息公开工作年度报告", 60.0, 90.0, 480.0, 1, height=15.0)
    first = _Line("本报告根据《中华人民共和国政府信息公开条例》编制，", 90.0, 72.0, 505.0, 1)
    rest = _Line("统计期限自2021年1月1日起。", 104.0, 72.0, 300.0, 1)
    assert [b.text for b in _stitch([title, first, rest])] == [
        title.text,
        first.text + rest.text,
    ]
