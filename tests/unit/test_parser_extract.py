"""extract(): dispatch by sniffed kind, record encodings and disagreements, refuse bad input clearly."""

from __future__ import annotations

import pytest

from nianbao.samples.render import render_docx, render_html, render_text, render_xlsx
from nianbao.samples.synth import synth_report
from services.parser.document import Grid
from services.parser.extract import Limits, extract
from shared.errors import TooLarge, UnreadableDocument
from tests.findings_corpus.builder import png


@pytest.fixture(scope="module")
def report():
    return synth_report("2021", 6)


def test_kind_comes_from_the_bytes_and_a_wrong_declaration_is_noted(report):
    doc = extract(
        render_docx(report),
        content_type="text/html; charset=utf-8",
        source_url="http://x.gov.cn/a.html",
    )
    assert doc.kind == "docx"
    assert any("declared content type" in n and "docx" in n for n in doc.notes)


def test_gbk_html_records_the_encoding_used(report):
    doc = extract(render_html(report, encoding="gbk", declared="gb2312"), content_type="text/html")
    assert (doc.kind, doc.encoding) == ("html", "gb18030")
    assert doc.title == report.title


def test_wrongly_declared_html_is_decoded_correctly_and_the_mismatch_noted(report):
    doc = extract(render_html(report, encoding="gbk", declared="utf-8"))
    assert doc.title == report.title and doc.encoding == "gb18030"
    assert any("does not decode" in n for n in doc.notes)


@pytest.mark.parametrize("style", ["cell_per_line", "tabs", "pipes", "markdown"])
def test_plain_text_goes_through_the_text_grid_interpreter(report, style):
    doc = extract(render_text(report, style).encode("utf-8"), content_type="text/plain")
    assert doc.kind == "text" and doc.encoding == "utf-8"
    assert doc.blocks and doc.blocks[0].text.endswith(report.title)


def test_xlsx_is_dispatched_to_the_sheet_reader(report):
    doc = extract(render_xlsx(report))
    assert doc.kind == "xlsx" and sum(isinstance(b, Grid) for b in doc.blocks) == 3


def test_images_are_image_only_documents():
    doc = extract(png((1240, 1754)), content_type="image/png")
    assert (doc.kind, doc.image_only, doc.blocks) == ("image", True, [])


def test_empty_input_is_unreadable_and_says_empty():
    with pytest.raises(UnreadableDocument, match="empty"):
        extract(b"")


def test_input_over_the_byte_limit_is_too_large():
    with pytest.raises(TooLarge, match="limit 10"):
        extract(b"x" * 11, limits=Limits(max_bytes=10))


def test_html_without_any_text_is_unreadable():
    with pytest.raises(UnreadableDocument, match="no text"):
        extract(b"<html><body><div></div></body></html>")


def test_other_zip_archives_are_refused_by_name():
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("report.txt", "hi")
    with pytest.raises(UnreadableDocument, match="zip archive"):
        extract(buf.getvalue())


def test_an_extension_that_lies_is_noted(report):
    doc = extract(render_html(report), source_url="http://x.gov.cn/P020220128.doc?id=1")
    assert "URL ends in .doc but the bytes are html" in doc.notes
    assert not extract(render_html(report), source_url="http://x.gov.cn/t20220128_1.shtml").notes


def test_a_picture_too_small_to_hold_a_report_is_not_a_report():
    from shared.errors import NotAReport

    for size in ((20, 20), (210, 210), (120, 40)):
        with pytest.raises(NotAReport, match="too small to be a report"):
            extract(png(size), content_type="image/png")
