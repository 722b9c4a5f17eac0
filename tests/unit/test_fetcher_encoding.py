"""services/fetcher/encoding.py: BOM → header → <meta> → detector; gb2312/gbk read as gb18030."""

from __future__ import annotations

import codecs

from services.fetcher.encoding import decode_html, normalise, sniff_encoding

TEXT = "<html><head><meta charset='gb2312'></head><body>政府信息公开工作年度报告：镕、堃、喆</body></html>"


def test_gb2312_declaration_is_decoded_as_gb18030_so_rarer_characters_survive():
    text, encoding = decode_html(TEXT.encode("gb18030"))
    assert encoding == "gb18030" and "镕、堃、喆" in text


def test_a_utf8_page_still_labelled_gb2312_after_a_cms_migration_is_read_as_utf8():
    text, encoding = decode_html(TEXT.encode("utf-8"))
    assert encoding == "utf-8" and "年度报告" in text


def test_the_http_header_wins_over_the_meta_tag():
    assert (
        sniff_encoding("<meta charset='utf-8'>年报".encode("gbk"), "text/html; charset=GBK")
        == "gb18030"
    )


def test_a_bom_wins_over_everything():
    assert (
        sniff_encoding(codecs.BOM_UTF8 + TEXT.encode("utf-8"), "text/html; charset=gbk")
        == "utf-8-sig"
    )


def test_an_undeclared_gbk_page_is_detected():
    body = (
        "<html><body>" + "本机关2021年度政府信息公开工作年度报告全文如下。" * 20 + "</body></html>"
    ).encode("gbk")
    text, encoding = decode_html(body)
    assert encoding in ("gb18030", "gbk", "gb2312") and "政府信息公开" in text


def test_unknown_declared_charsets_are_ignored():
    assert normalise("x-no-such-charset") is None
    assert normalise("GB2312") == "gb18030"
