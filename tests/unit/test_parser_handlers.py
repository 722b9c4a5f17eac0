"""Where the parser stage parses: small text/HTML in the event loop, everything else in a thread;
scans and pictures go on to the OCR stage."""

from __future__ import annotations

from services.parser import parse
from services.parser.handlers import INLINE_MAX_BYTES, needs_ocr, parses_quickly
from shared.report import ParsedReport


def test_every_seed_report_parses_in_the_event_loop(seeds):
    assert [name for name, data in seeds.items() if not parses_quickly(data)] == []


def test_small_html_parses_in_the_event_loop():
    assert parses_quickly("<html><body><table><tr><td>一</td></tr></table></body></html>".encode())


def test_a_pdf_goes_to_a_thread_however_small():
    assert not parses_quickly(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n")


def test_office_and_zip_files_go_to_a_thread():
    assert not parses_quickly(b"PK\x03\x04" + b"\x00" * 100)
    assert not parses_quickly(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)


def test_text_larger_than_the_inline_bound_goes_to_a_thread():
    assert not parses_quickly("年度报告\n".encode() * (INLINE_MAX_BYTES // 10))


def test_a_picture_and_a_scanned_pdf_go_on_to_the_ocr_stage():
    from nianbao.samples.scans import as_image, as_image_pdf, scan_pages
    from nianbao.samples.synth import synth_report

    page = scan_pages(synth_report("2021", 3), dpi=100)[0]
    picture = parse(as_image(page, "png", dpi=100))
    scan = parse(as_image_pdf([page], 100))
    assert (picture.scan_pages, picture.source_modality, needs_ocr(picture)) == ([1], "image", True)
    assert (scan.scan_pages, scan.source_modality, needs_ocr(scan)) == ([1], "image", True)


def test_a_text_report_and_one_already_read_by_ocr_are_finished_by_their_stage(seeds):
    text = parse(next(iter(seeds.values())))
    assert (text.scan_pages, needs_ocr(text)) == ([], False)
    assert not needs_ocr(ParsedReport(source_modality="ocr", scan_pages=[1, 2]))
