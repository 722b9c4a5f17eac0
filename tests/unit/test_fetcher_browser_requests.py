"""services/fetcher/browser.py, cdp.py and pagers.render_reason: when a column goes to the browser,
which of its requests are fetched, how they are answered, and the flags that keep Chromium off
the network (the rendering itself: tests/integration/test_fetcher_browser.py)."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import httpx
import pytest

from services.fetcher.browser import MAX_FORM_BYTES, cache_key, form_of, fulfil, verdict
from services.fetcher.cdp import BrowserFailed, Chromium, browser_path, command_line
from services.fetcher.coverage import Coverage
from services.fetcher.http import Form, Response
from services.fetcher.pagers import render_reason
from services.fetcher.registry import RegistryError, parse_registry, to_toml

SCRIPT_PAGER = (
    '<ul></ul><a href="javascript:;" id="next">下一页</a><script src="/js/l.js"></script>'
)
HALF, FULL, UNKNOWN = Coverage(20, 10), Coverage(20, 20), Coverage(None, 10)


@pytest.mark.parametrize(
    ("mode", "coverage", "text", "reason"),
    [
        ("auto", HALF, SCRIPT_PAGER, "below_coverage"),
        ("auto", FULL, SCRIPT_PAGER, None),  # nothing missing: no browser
        ("auto", UNKNOWN, SCRIPT_PAGER, None),  # nothing stated: nothing known to be missing
        ("auto", HALF, "<ul></ul><p>共20条</p>", None),  # no script: a browser would see the same
        ("auto", HALF, "<script>var a = 1;</script>", None),  # a script, but no pager
        ("static", HALF, SCRIPT_PAGER, None),
        ("browser", FULL, "<ul></ul>", "marked"),
    ],
)
def test_a_column_is_rendered_when_marked_or_below_coverage_with_a_script_pager(
    mode, coverage, text, reason
):
    assert render_reason(mode, coverage, text) == reason


@pytest.mark.parametrize(
    ("method", "resource_type", "expected"),
    [
        ("GET", "Document", "list"),
        ("GET", "XHR", "list"),
        ("GET", "Fetch", "list"),
        ("GET", "Script", "script"),
        ("GET", "Image", "block"),
        ("GET", "Stylesheet", "block"),
        ("GET", "Font", "block"),
        ("GET", "Media", "block"),
        ("GET", "Ping", "block"),
        ("GET", "Other", "block"),
        ("POST", "XHR", "list"),  # a list API asked with a form or JSON
        ("POST", "Document", "list"),  # an ASP.NET pager's postback
        ("POST", "Script", "block"),
        ("PUT", "XHR", "block"),
        ("DELETE", "Fetch", "block"),
    ],
)
def test_only_documents_scripts_and_list_requests_are_fetched(method, resource_type, expected):
    assert verdict(method, resource_type) == expected


def test_a_fulfilled_answer_carries_status_content_type_and_the_bytes():
    body = '{"rows": ["二〇二三年"]}'.encode()
    resp = Response(
        "http://a.gov.cn/x", 200, httpx.Headers({"content-type": "application/json"}), body
    )
    params = fulfil("r1", resp)
    assert params["requestId"] == "r1" and params["responseCode"] == 200
    assert params["responseHeaders"] == [{"name": "Content-Type", "value": "application/json"}]
    assert base64.b64decode(params["body"]) == body


def test_the_browser_and_the_crawler_spell_a_url_the_same_for_the_cache():
    assert cache_key("http://A.gov.cn:80/年报/index.html#top") == cache_key(
        "http://a.gov.cn/%E5%B9%B4%E6%8A%A5/index.html"
    )


def test_a_paused_posts_body_is_taken_byte_for_byte_with_its_content_type():
    raw = '{"col":"年报","page":2}'.encode()
    request = {
        "method": "POST",
        "headers": {"Content-Type": "application/json;charset=UTF-8"},
        "postData": "ignored when the entries are there",
        "postDataEntries": [{"bytes": base64.b64encode(raw[:5]).decode()},
                            {"bytes": base64.b64encode(raw[5:]).decode()}],
    }  # fmt: skip
    assert form_of(request) == Form(raw, "application/json;charset=UTF-8")
    assert form_of({"method": "POST", "postData": "page=2", "headers": {}}) == Form(
        b"page=2", "application/x-www-form-urlencoded"
    )
    assert form_of({"method": "GET", "headers": {}}) is None
    with pytest.raises(ValueError, match="body"):
        form_of({"method": "POST", "postData": "x" * (MAX_FORM_BYTES + 1), "headers": {}})


def test_two_posts_to_one_url_are_two_answers_and_a_get_a_third():
    url = "http://a.gov.cn/irs/front/list"
    keys = {cache_key(url), cache_key(url, Form(b"page=1")), cache_key(url, Form(b"page=2"))}
    assert len(keys) == 3


def test_chromium_runs_behind_a_proxy_that_does_not_exist_and_resolves_no_host():
    args = command_line("/usr/bin/chromium", "/tmp/p", root=False)
    assert "--proxy-server=127.0.0.1:9" in args
    assert "--proxy-bypass-list=<-loopback>" in args  # loopback is not exempt from the proxy
    assert "--host-resolver-rules=MAP * ~NOTFOUND" in args
    assert "--remote-debugging-pipe" in args and not any("debugging-port" in a for a in args)
    assert "--no-sandbox" not in args
    assert "--no-sandbox" in command_line("/usr/bin/chromium", "/tmp/p", root=True)


def test_a_missing_or_unset_chromium_is_none(tmp_path):
    assert browser_path(str(tmp_path / "chromium")) is None
    assert browser_path("") is None


def test_the_registry_takes_a_render_mode_and_refuses_an_unknown_one():
    entry = {"id": "a", "name": "某县人民政府", "list_urls": ["https://a.gov.cn/nb/"]}
    registry = parse_registry({"portal": [{**entry, "render": "browser"}]})
    assert registry.get("a").render == "browser"
    assert 'render = "browser"' in to_toml(registry.get("a"))
    assert parse_registry({"portal": [entry]}).get("a").render == "auto"
    with pytest.raises(RegistryError, match="render 'js' must be one of auto, browser, static"):
        parse_registry({"portal": [{**entry, "render": "js"}]})


async def test_a_browser_that_does_not_start_is_a_failure_that_says_why(tmp_path):
    """What Chromium writes before it gives up (in a pod, most often the sandbox) is in the
    error the crawl logs, and its profile directory is removed."""
    fake = tmp_path / "chromium"
    fake.write_text(
        "#!/bin/sh\necho '[1:1:ERROR:zygote_host_impl_linux.cc(127)] No usable sandbox!' >&2\n"
        "exit 1\n"
    )
    fake.chmod(0o755)
    browser = Chromium(str(fake), lambda *_event: None)
    with pytest.raises(BrowserFailed, match="it said: .*No usable sandbox!"):
        await browser.start()
    assert not await asyncio.to_thread(Path(browser._profile).exists)  # noqa: SLF001 - under test
