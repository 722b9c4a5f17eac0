"""Bad input gets a clear error or a report with notes: never a crash, a hang or unbounded memory."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import zipfile

import pytest

from nianbao.samples.render import cjk_font_path, render_docx, render_html, render_pdf
from nianbao.samples.synth import synth_report
from services.parser import parse
from services.parser.extract import extract
from shared.errors import (
    DecompressionBomb,
    PermanentError,
    TooLarge,
    UnreadableDocument,
)


@pytest.fixture(scope="module")
def report():
    return synth_report("2021", 12)


def test_empty_file_is_unreadable():
    with pytest.raises(UnreadableDocument, match="empty"):
        parse(b"")


def test_binary_garbage_is_unreadable_with_its_first_bytes_named():
    rng = random.Random(3)
    garbage = bytes(rng.randrange(256) for _ in range(100_000))
    with pytest.raises(UnreadableDocument, match="unknown type"):
        parse(garbage)


@pytest.mark.skipif(cjk_font_path() is None, reason="needs a CJK font (fonts-wqy-zenhei)")
def test_truncated_pdf_is_unreadable(report):
    data = render_pdf(report)
    for cut in (100, len(data) // 3, len(data) - 50):
        with pytest.raises(UnreadableDocument):
            parse(data[:cut])


def test_truncated_docx_is_unreadable(report):
    data = render_docx(report)
    with pytest.raises(UnreadableDocument):
        parse(data[: len(data) - 300])


def test_html_with_nul_bytes_parses_to_the_same_numbers(report):
    page = render_html(report)
    poisoned = page.replace(b"<td", b"\x00<td\x00", 40).replace(b"</p>", b"\x00</p>")
    got = parse(poisoned)
    assert got.tables["applications"]["new_received"]["total"].value == (
        report.tables["applications"]["new_received"]["total"].value
    )


def test_mojibake_page_is_refused_rather_than_read_as_wrong_text():
    rng = random.Random(5)
    noise = bytes(rng.choice([0x80, 0xFF, 0xC1, 0xFE]) for _ in range(20_000))
    with pytest.raises(PermanentError) as err:
        parse(b"<html><head><meta charset='utf-8'></head><body><p>" + noise + b"</p></body></html>")
    assert err.value.reason in ("encoding", "parse_error", "not_a_report")


def _bomb_docx(member_size: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b" " * member_size)
    return buf.getvalue()


def test_zip_bomb_docx_is_refused_before_decompression():
    data = _bomb_docx(30_000_000)
    assert len(data) < 100_000
    with pytest.raises(DecompressionBomb, match="ratio|inflates"):
        parse(data)


def test_billion_laughs_in_docx_does_not_expand(report):
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        )
        + ']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
    )
    src = zipfile.ZipFile(io.BytesIO(render_docx(report)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = (
                laughs.encode() if info.filename == "word/document.xml" else src.read(info.filename)
            )
            z.writestr(info.filename, data)
    with pytest.raises(UnreadableDocument, match="DTD|amplification"):
        extract(out.getvalue())


def test_an_image_is_a_report_with_an_image_only_note():
    got = parse(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 5000, content_type="image/jpeg")
    assert got.source_modality == "image"
    assert [n.code for n in got.notes] == ["image_only"]


_MEASURE = """
import json, sys, time
from services.parser import parse
from shared.errors import NianbaoError
data = {payload}
t = time.monotonic()
try:
    parse(data)
    outcome = "report"
except NianbaoError as e:
    outcome = type(e).__name__ + ": " + str(e)[:200]
# VmHWM, not ru_maxrss: ru_maxrss keeps the forking parent's high-water mark across exec, so a
# child of a big pytest process would report pytest's memory; exec resets VmHWM
hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({{"outcome": outcome, "rss_mb": int(hwm.split()[1]) / 1024}}))
"""


def _measure(payload: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE.format(payload=payload)],
        capture_output=True,
        timeout=110,
        check=True,
    )
    return json.loads(proc.stdout.decode().strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ("b'x' * 50_000_000", "TooLarge"),  # 50 MB of text: refused by size of text, memory bounded
        ("bytes(range(256)) * 200_000", "UnreadableDocument"),  # 50 MB of binary
        ("b'<html><body>' + '<p>一、总体情况</p>'.encode() * 2_500_000", "TooLarge"),  # 50 MB HTML
    ],
)
def test_fifty_megabyte_inputs_fail_clearly_in_bounded_memory(payload, error):
    result = _measure(payload)
    assert result["outcome"].startswith(error)
    assert result["rss_mb"] < 700


def test_over_the_byte_limit_is_too_large_without_reading():
    from services.parser.extract import Limits

    with pytest.raises(TooLarge, match="limit"):
        extract(b"%PDF-1.4" + b"\x00" * 2000, limits=Limits(max_bytes=1000))
