"""shared/charset.py: BOM, then HTTP charset, then <meta>, then detection; declarations are
verified; gb2312/gbk read as gb18030. `decode` (the parser's) refuses undecodable bytes,
`decode_html` (the fetcher's link discovery) keeps them as U+FFFD."""

from __future__ import annotations

import codecs
import random

import pytest

from shared.charset import (
    canonical,
    charset_from_content_type,
    decode,
    decode_html,
    meta_charset,
    utf16_without_bom,
)
from shared.errors import EncodingError

TEXT = "三、收到和处理政府信息公开申请情况：本年新收政府信息公开申请数量12件，予以公开8件。" * 3


def test_gb2312_and_gbk_are_read_as_gb18030():
    assert canonical("GB2312") == canonical("gbk") == canonical("cp936") == "gb18030"
    assert canonical("no-such-charset") is None


def test_charset_comes_from_the_content_type_header_and_meta():
    assert charset_from_content_type("text/html; charset=GBK") == "GBK"
    assert charset_from_content_type("text/html") is None
    assert (
        meta_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
        == "gb2312"
    )
    assert meta_charset(b"<meta charset='utf-8'>") == "utf-8"


@pytest.mark.parametrize(
    ("bom", "enc"), [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le")]
)
def test_bom_wins_over_any_declaration(bom, enc):
    decoded = decode(bom + TEXT.encode(enc), http_charset="gbk")
    assert decoded.text == TEXT and decoded.source == "bom"


def test_declared_http_charset_that_decodes_is_used():
    decoded = decode(TEXT.encode("gb18030"), http_charset="gb2312")
    assert (decoded.text, decoded.encoding, decoded.source) == (TEXT, "gb18030", "http")


def test_gbk_page_without_declaration_is_detected():
    decoded = decode(TEXT.encode("gbk"))
    assert decoded.text == TEXT and decoded.encoding == "gb18030"


def test_meta_charset_of_html_is_used_when_http_says_nothing():
    page = f'<html><head><meta charset="gbk"></head><body>{TEXT}</body></html>'
    decoded = decode(page.encode("gbk"), html=True)
    assert decoded.source == "meta" and TEXT in decoded.text


def test_page_declaring_utf8_but_serving_gbk_falls_back_and_says_so():
    page = f'<html><head><meta charset="utf-8"></head><body>{TEXT}</body></html>'
    decoded = decode(page.encode("gbk"), html=True)
    assert TEXT in decoded.text
    assert any("does not decode" in n for n in decoded.notes)


def test_page_declaring_gbk_but_serving_utf8_is_read_as_utf8():
    decoded = decode(TEXT.encode("utf-8"), http_charset="gb2312")
    assert decoded.text == TEXT and decoded.encoding == "utf-8"
    assert any("gb2312" in n for n in decoded.notes)


def test_iso_8859_1_declaration_is_not_trusted_for_chinese_bytes():
    decoded = decode(TEXT.encode("utf-8"), http_charset="iso-8859-1")
    assert decoded.text == TEXT


def test_unknown_declared_charset_is_ignored_with_a_note():
    decoded = decode(TEXT.encode("utf-8"), http_charset="x-klingon")
    assert decoded.text == TEXT and any("unknown" in n for n in decoded.notes)


def test_a_few_bad_bytes_are_replaced_and_recorded():
    data = TEXT.encode("utf-8") * 5
    data = data[:100] + b"\xff" + data[100:]
    decoded = decode(data, http_charset="utf-8")
    assert "\ufffd" not in decoded.text[:30]
    assert 1 <= decoded.text.count("\ufffd") <= 3 and decoded.encoding == "utf-8"
    assert decoded.notes


def test_undecodable_bytes_raise_encoding_error_not_garbage():
    rng = random.Random(1)
    noise = bytes(rng.choice([0x80, 0x81, 0xFF, 0xC0, 0xFE]) for _ in range(3000))
    with pytest.raises(EncodingError, match="undecodable"):
        decode(noise, http_charset="utf-8")


def test_utf16_without_a_bom_is_recognised_by_the_parity_of_its_nul_bytes(seeds):
    text = seeds["002_096eb810ffb81dcc.txt"].decode("utf-8")
    for enc in ("utf-16-le", "utf-16-be"):
        assert utf16_without_bom(text.encode(enc)) == enc
        decoded = decode(text.encode(enc))
        assert decoded.encoding == enc and decoded.text == text


def test_random_bytes_and_utf8_text_are_not_taken_for_utf16(seeds):
    rng = random.Random(16)
    assert utf16_without_bom(seeds["000_bac61c4872424ad3.txt"]) is None
    assert utf16_without_bom(b"plain ascii text, 12345\n" * 40) is None
    assert not any(utf16_without_bom(rng.randbytes(rng.randint(16, 4000))) for _ in range(500))


# decode_html: the fetcher's decoding of portal pages (these pinned services/fetcher/encoding.py)

PAGE = "<html><head><meta charset='gb2312'></head><body>政府信息公开工作年度报告：镕、堃、喆</body></html>"


def test_decode_html_reads_a_gb2312_declaration_as_gb18030_so_rarer_characters_survive():
    text, encoding = decode_html(PAGE.encode("gb18030"))
    assert encoding == "gb18030" and "镕、堃、喆" in text


def test_decode_html_reads_a_utf8_page_still_labelled_gb2312_after_a_cms_migration_as_utf8():
    text, encoding = decode_html(PAGE.encode("utf-8"))
    assert encoding == "utf-8" and text == PAGE


def test_decode_html_lets_the_http_header_win_over_the_meta_tag():
    text, encoding = decode_html(
        "<meta charset='utf-8'>年报".encode("gbk"), "text/html; charset=GBK"
    )
    assert (text, encoding) == ("<meta charset='utf-8'>年报", "gb18030")


def test_decode_html_lets_a_bom_win_over_everything_and_drops_it():
    text, encoding = decode_html(codecs.BOM_UTF8 + PAGE.encode("utf-8"), "text/html; charset=gbk")
    assert (text, encoding) == (PAGE, "utf-8")


def test_decode_html_detects_an_undeclared_gbk_page():
    body = (
        "<html><body>" + "本机关2021年度政府信息公开工作年度报告全文如下。" * 20 + "</body></html>"
    ).encode("gbk")
    text, encoding = decode_html(body)
    assert encoding == "gb18030" and text == body.decode("gbk")


def test_decode_html_ignores_an_unknown_declared_charset():
    text, encoding = decode_html(PAGE.encode("gb18030"), "text/html; charset=x-no-such-charset")
    assert encoding == "gb18030" and "镕、堃、喆" in text


@pytest.mark.parametrize(
    ("declared", "encoding", "title"),
    [("gb2312", "gb18030", "2021年度报告"), ("big5", "big5", "2021年度報告")],
)
def test_decode_html_keeps_a_declared_charset_failing_on_a_few_bytes_and_the_link_titles(
    declared, encoding, title
):
    # mostly ASCII markup: the detector alone guesses a single-byte charset (iso8859-5 for the
    # gb2312 page) and every link title comes out as mojibake
    page = f"<a href='/nb/2021.html'>{title}</a>".encode(encoding) * 40
    text, used = decode_html(page[:300] + b"\xff" + page[300:], f"text/html; charset={declared}")
    assert used == encoding and text.count("\ufffd") == 1
    assert text.count(f"<a href='/nb/2021.html'>{title}</a>") == 39


def test_decode_html_detects_past_a_declared_charset_failing_on_many_bytes():
    page = ("<a href='/nb/2021.html'>2021年度报告</a>" * 40).encode("gbk")
    text, used = decode_html(page, "text/html; charset=utf-8")
    assert used == "gb18030" and text == page.decode("gbk")


def test_decode_html_never_refuses_a_page_where_decode_would():
    rng = random.Random(1)
    noise = bytes(rng.choice([0x80, 0x81, 0xFF, 0xC0, 0xFE]) for _ in range(3000))
    page = b"<a href='/nb/2021.html'>x</a>" + noise
    with pytest.raises(EncodingError):
        decode(page, http_charset="utf-8", html=True)
    text, _ = decode_html(page, "text/html; charset=utf-8")
    assert text.startswith("<a href='/nb/2021.html'>x</a>") and text.count("\ufffd") > 1000
