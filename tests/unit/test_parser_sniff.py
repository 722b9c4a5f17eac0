"""Sniffing trusts the bytes, never the extension or the declared type."""

from __future__ import annotations

import io
import zipfile

import pytest

from nianbao.samples.render import render_docx, render_html, render_pdf, render_xlsx
from nianbao.samples.synth import synth_report
from services.parser.extract.sniff import OLE_MAGIC, sniff


@pytest.fixture(scope="module")
def report():
    return synth_report("2021", 1)


def test_rendered_documents_are_recognised_by_their_bytes(report):
    assert sniff(render_pdf(report)) == "pdf"
    assert sniff(render_docx(report)) == "docx"
    assert sniff(render_xlsx(report)) == "xlsx"
    assert sniff(render_html(report)) == "html"
    assert sniff(render_html(report, encoding="gbk", declared=None)) == "html"


def test_pdf_magic_after_leading_junk_is_still_a_pdf():
    assert sniff(b"\r\n\xef\xbb\xbf%PDF-1.4\n...") == "pdf"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
        (b"GIF89a\x01\x00", "gif"),
        (b"II*\x00\x08\x00", "tiff"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "webp"),
        (b"BM" + b"\x36\x00\x0c\x00" + b"\x00\x00\x00\x00" + b"\x36" * 20, "bmp"),
        (b"{\\rtf1\\ansi\\ansicpg936 hello}", "rtf"),
        (b"", "empty"),
        (b"   \n\t ", "empty"),
    ],
)
def test_magic_bytes(data, kind):
    assert sniff(data) == kind


def test_html_is_recognised_by_tags_and_plain_text_is_text():
    assert sniff("<div class='x'><p>一、总体情况</p></div>".encode()) == "html"
    assert sniff(b"<!DOCTYPE html>\n<html>") == "html"
    assert sniff("一、总体情况\n\t第二十条第（一）项\n".encode()) == "text"
    assert sniff("一、总体情况 a < b > c".encode("gb18030")) == "text"


def test_html_with_nuls_is_still_html():
    assert sniff(b"<html><body>\x00\x00<p>\xe4\xb8\x80</p></body></html>") == "html"


def test_binary_garbage_is_binary():
    import random

    rng = random.Random(0)
    assert sniff(bytes(rng.randrange(256) for _ in range(4096))) == "binary"


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_zip_kinds_come_from_members():
    assert (
        sniff(
            _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
        )
        == "odt"
    )
    assert sniff(_zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"})) == "docx"
    assert sniff(_zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>"})) == "xlsx"
    assert sniff(_zip({"readme.txt": b"hi"})) == "zip"


def test_truncated_zip_is_a_zip_of_unknown_content(report):
    assert sniff(render_docx(report)[:200]) == "zip"


def _ole(stream_name: str) -> bytes:
    """A minimal OLE2 compound file with one stream, built with olefile's writer-free layout."""
    import struct

    # One FAT sector (1), one directory sector (2), one mini-stream-free data sector (3).
    header = bytearray(512)
    header[0:8] = OLE_MAGIC
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 44, 1)  # number of FAT sectors
    struct.pack_into("<I", header, 48, 1)  # first directory sector
    struct.pack_into("<I", header, 56, 4096)  # mini stream cutoff
    struct.pack_into("<I", header, 60, 0xFFFFFFFE)  # no mini FAT
    struct.pack_into("<I", header, 68, 0xFFFFFFFE)  # no DIFAT sectors
    struct.pack_into("<I", header, 76, 0)  # DIFAT[0] = FAT at sector 0
    for i in range(1, 109):
        struct.pack_into("<I", header, 76 + 4 * i, 0xFFFFFFFF)
    fat = bytearray(b"\xff" * 512)
    struct.pack_into("<IIII", fat, 0, 0xFFFFFFFD, 0xFFFFFFFE, 0xFFFFFFFE, 0xFFFFFFFE)
    directory = bytearray(512)

    def entry(offset: int, name: str, kind: int, start: int, size: int, child: int) -> None:
        encoded = (name + "\x00").encode("utf-16-le")
        directory[offset : offset + len(encoded)] = encoded
        struct.pack_into("<HBB", directory, offset + 64, len(encoded), kind, 1)
        struct.pack_into("<III", directory, offset + 68, 0xFFFFFFFF, 0xFFFFFFFF, child)
        struct.pack_into("<II", directory, offset + 116, start, size)

    entry(0, "Root Entry", 5, 0xFFFFFFFE, 0, 1)
    entry(128, stream_name, 2, 2, 4096, 0xFFFFFFFF)
    for off in (256, 384):
        struct.pack_into("<III", directory, off + 68, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
    data = bytes(4096)
    fat_full = bytearray(fat)
    # stream occupies sectors 2..9 (4096 bytes = 8 sectors)
    for s in range(2, 10):
        struct.pack_into("<I", fat_full, 4 * s, s + 1 if s < 9 else 0xFFFFFFFE)
    return bytes(header) + bytes(fat_full) + bytes(directory) + data


@pytest.mark.parametrize(
    ("stream", "kind"),
    [("WordDocument", "doc"), ("Workbook", "xls"), ("WpsCustomData", "wps"), ("Other", "ole")],
)
def test_ole2_kind_comes_from_stream_names(stream, kind):
    assert sniff(_ole(stream)) == kind


def test_corrupt_ole2_is_an_unknown_ole_container():
    assert sniff(OLE_MAGIC + b"\x00" * 100) == "ole"


def test_bomless_utf16_text_is_text_not_binary(seeds):
    text = seeds["001_de27d4d4802e9364.txt"].decode("utf-8")
    assert sniff(text.encode("utf-16-le")) == "text"
    assert sniff(text.encode("utf-16-be")) == "text"
