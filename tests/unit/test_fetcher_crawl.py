"""services/fetcher/crawl.py's steps for one URL: what a response brings compared with the URL's
record (`compare`), and what the crawler reads from a new version (`read_content`)."""

from __future__ import annotations

import httpx
import pytest

from services.fetcher.crawl import EmptyBody, Gone, HttpStatus, compare, read_content
from services.fetcher.http import Response
from services.fetcher.state import UrlRecord
from shared.events import version_for

URL = "http://portal.example/zwgk/t20220128_1.html"


def page(counter: int, text: str = "一、总体情况") -> bytes:
    return (
        f"<html><head><title>年报</title><script>var visits = {counter};</script></head>"
        f'<body><p>{text}</p><a href="P020220128.pdf">附件：年报.pdf</a></body></html>'
    ).encode()


def response(body: bytes = b"", status: int = 200, **headers: str) -> Response:
    headers.setdefault("content-type", "text/html; charset=utf-8")
    return Response(URL, status, httpx.Headers(headers), body)


def recorded(body: bytes | None = None) -> UrlRecord:
    """A URL's record after the crawler emitted `body` (or a URL never fetched)."""
    rec = UrlRecord(url=URL, portal="t", first_seen=0.0, etag='"old"')
    if body is not None:
        content = read_content(response(body), version_for(body))
        rec.version, rec.fingerprint = content.version, content.fingerprint
    return rec


def test_fetcher_crawl_a_304_is_unchanged_and_keeps_the_recorded_validators():
    rec = recorded(page(1))

    assert compare(rec, URL, response(status=304, etag='"new"')) == ("304", None)
    assert rec.etag == '"old"'


def test_fetcher_crawl_the_same_bytes_are_unchanged_with_the_new_validators_recorded():
    rec = recorded(page(1))

    assert compare(rec, URL, response(page(1), etag='"new"')) == ("same_bytes", None)
    assert rec.etag == '"new"'


def test_fetcher_crawl_a_page_whose_visible_text_did_not_change_is_unchanged():
    assert compare(recorded(page(1)), URL, response(page(2))) == ("same_text", None)


def test_fetcher_crawl_a_page_with_new_text_is_new_content_with_its_attachments():
    body = page(2, "二、主动公开政府信息情况")

    unchanged, content = compare(recorded(page(1)), URL, response(body))

    assert unchanged is None
    assert content.version == version_for(body)
    assert content.html
    assert [a.url for a in content.attachments] == ["http://portal.example/zwgk/P020220128.pdf"]
    assert content.fingerprint != recorded(page(1)).fingerprint


def test_fetcher_crawl_a_first_fetch_is_new_even_when_its_text_is_empty():
    body = b"<html><body><script>var x = 1;</script></body></html>"

    unchanged, content = compare(recorded(), URL, response(body))

    assert unchanged is None and content.fingerprint is None


def test_fetcher_crawl_bytes_that_are_not_a_page_are_only_their_version():
    pdf = b"%PDF-1.4\n" + "报告".encode() * 50

    unchanged, content = compare(
        recorded(), URL, response(pdf, **{"content-type": "application/pdf"})
    )

    assert unchanged is None
    assert (content.html, content.attachments, content.fingerprint) == (False, [], None)


def test_fetcher_crawl_a_page_served_with_the_wrong_type_is_read_as_a_page():
    body = b"  <!DOCTYPE html><html><body><p>\xe5\xb9\xb4\xe6\x8a\xa5</p></body></html>"

    _, content = compare(recorded(), URL, response(body, **{"content-type": "text/plain"}))

    assert content.html and content.fingerprint is not None


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (response(b""), EmptyBody),
        (response(b"gone", status=404), Gone),
        (response(b"gone", status=410), Gone),
        (response(b"busy", status=503), HttpStatus),
        (response(b"slow down", status=429), HttpStatus),
    ],
)
def test_fetcher_crawl_an_empty_body_or_a_failing_status_raises(reply, error):
    with pytest.raises(error):
        compare(recorded(page(1)), URL, reply)
