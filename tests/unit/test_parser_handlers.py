"""Where the parser stage parses: small text/HTML in the event loop, everything else in a thread."""

from __future__ import annotations

from services.parser.handlers import INLINE_MAX_BYTES, parses_quickly


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
