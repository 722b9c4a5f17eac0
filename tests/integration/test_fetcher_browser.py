"""The last resort (services/fetcher/browser.py): a column whose 下一页 only a script can follow
(nianbao/samples/cms.py `script_only`) rendered in Debian's headless Chromium, every request it
makes answered by the crawler's polite client; and the same column without a browser: 10/20."""

from __future__ import annotations

import asyncio
import logging
import shutil

import pytest
from prometheus_client import REGISTRY

from nianbao.samples.cms import CmsPortal
from services.fetcher.cdp import FLAGS, Chromium
from services.fetcher.client import PoliteClient
from services.fetcher.crawl import Crawler
from services.fetcher.discovery import report_year
from services.fetcher.http import Form
from services.fetcher.registry import Portal, Registry
from services.fetcher.state import MemoryUrlState
from shared.config import load
from shared.events import CrawlDue
from shared.storage.files import FileObjectStore
from tests.support.fakeportal import FakePortal, Reply

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
DELAY_S = 0.25


def _counter(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def _crawl(
    tmp_path,
    *,
    pattern="script_only",
    render: str = "auto",
    documents: int = 20,
    portal_id: str = "",
    **overrides,
):
    portal = await CmsPortal(pattern, documents).start()
    settings = load(env={}, allow_private_hosts=["127.0.0.1"], min_delay_s=DELAY_S, **overrides)
    pid = portal_id or f"{pattern}-{render}"
    registry = Registry(
        [
            Portal(
                id=pid,
                name="示例市生态环境局",
                kind="department",
                list_urls=[portal.list_url],
                render=render,
            )
        ]
    )
    crawler = Crawler(settings, FileObjectStore(tmp_path / "objects"), MemoryUrlState(), registry)
    try:
        events = [e async for e in crawler.crawl(CrawlDue(portal=pid, slot="s"))]
    finally:
        await crawler.close()
        await portal.stop()
    return events, crawler.coverage[pid], portal, settings


@needs_chromium
@pytest.mark.parametrize(
    ("pattern", "list_request"),
    [
        ("script_only", "GET /data/nb/list?t=2&k=k7Q2"),  # a URL computed by the script
        ("script_post", "POST /irs/front/list"),  # a JSON POST
        ("script_inline", None),  # data in the page: the pager makes no request
    ],
)
async def test_a_column_only_a_script_pages_yields_all_20_through_the_polite_client(
    pattern, list_request, tmp_path
):
    requests_before = sum(
        _counter("nianbao_fetch_requests_total", host_class="allowed_private", status_class=c)
        for c in ("2xx", "4xx")
    )
    rendered_before = _counter("nianbao_fetcher_browser_renders_total", outcome="rendered")
    denied_before = _counter("nianbao_robots_denials_total", cause="disallowed")
    events, coverage, portal, settings = await _crawl(tmp_path, pattern=pattern)

    assert sorted(report_year(e.title_hint or "") for e in events) == list(range(2005, 2025))
    assert (coverage.declared, coverage.reached, coverage.unit) == (20, 20, "documents")
    assert _counter("nianbao_fetcher_browser_renders_total", outcome="rendered") == (
        rendered_before + 1
    )
    seen = [target for _t, target, _ua in portal.visits]
    assert seen[0] == "GET /robots.txt"
    assert len(seen) == len(set(seen)), "a URL was fetched twice"
    # the script's requests reached the server, as ours
    script = {"script_post": "nbpost", "script_inline": "nbinline"}.get(pattern, "nblist")
    assert [t for t in seen if t.startswith("GET /js/")] == [f"GET /js/{script}.js"]
    if list_request is not None:
        assert list_request in seen
    if pattern == "script_post":  # the script's body and content type reached the server
        assert portal.bodies == [(list_request, b'{"col":"zfxxgknb","page":2,"key":"k7Q2"}')]
    assert {ua for _t, _target, ua in portal.visits} == {settings.user_agent}
    # its visit counter is disallowed by robots.txt: refused before any request
    assert not [t for t in seen if t.startswith("GET /stats/")]
    assert _counter("nianbao_robots_denials_total", cause="disallowed") == denied_before + 1
    # its beacon is refused as a ping, without a request
    assert not [t for t in seen if t.startswith(("POST /beacon/", "GET /beacon/"))]
    # nothing Chromium would have asked for by itself: pictures, styles
    assert not set(t.split(" ", 1)[1] for t in seen) & set(portal.chrome_paths)
    # every request after robots.txt kept the politeness gap, the browser's included
    starts = [t for t, _target, _ua in portal.visits[1:]]
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= DELAY_S * 0.8, gaps
    # and counted as every fetch is
    requests_after = sum(
        _counter("nianbao_fetch_requests_total", host_class="allowed_private", status_class=c)
        for c in ("2xx", "4xx")
    )
    assert requests_after - requests_before == len(seen)


@needs_chromium
async def test_a_portal_marked_static_never_starts_the_browser(tmp_path):
    before = _counter("nianbao_fetcher_browser_renders_total", outcome="rendered")
    events, coverage, portal, _settings = await _crawl(tmp_path, render="static")
    assert len(events) == 10
    assert (coverage.declared, coverage.reached) == (20, 10)
    assert _counter("nianbao_fetcher_browser_renders_total", outcome="rendered") == before
    assert "GET /js/nblist.js" not in [target for _t, target, _ua in portal.visits]


@pytest.mark.parametrize("outcome", ["missing", "broken", "disabled"])
async def test_without_a_working_chromium_the_column_stays_visibly_at_10_of_20(
    outcome, tmp_path, caplog
):
    """No Chromium at chromium_path, or one that does not start (here: a sandbox it cannot
    have): the crawl goes on with what the static pass reached, and says so."""
    chromium = tmp_path / outcome / "chromium"
    if outcome == "broken":
        chromium.parent.mkdir()
        chromium.write_text("#!/bin/sh\necho 'FATAL: No usable sandbox!' >&2\nexit 1\n")
        chromium.chmod(0o755)
    configured = "" if outcome == "disabled" else str(chromium)
    before = _counter("nianbao_fetcher_browser_renders_total", outcome=outcome)
    with caplog.at_level(logging.WARNING, logger="nianbao.fetcher"):
        events, coverage, _portal, _settings = await _crawl(
            tmp_path, chromium_path=configured, portal_id=f"no-browser-{outcome}"
        )
    assert len(events) == 10
    assert (coverage.declared, coverage.reached, coverage.ratio) == (20, 10, 0.5)
    ratio = REGISTRY.get_sample_value(
        "nianbao_portal_coverage_ratio", {"portal": f"no-browser-{outcome}"}
    )
    assert ratio == 0.5
    assert _counter("nianbao_fetcher_browser_renders_total", outcome=outcome) == before + 1
    warned = [r.getMessage() for r in caplog.records if "needs a browser" in r.getMessage()]
    assert len(warned) == 1 and "10/20 documents" in warned[0] and configured in warned[0]
    if outcome == "disabled":
        assert "rendering is off" in warned[0]
    if outcome == "broken":
        assert "No usable sandbox!" in warned[0]


async def test_a_rendered_pages_post_goes_out_with_its_body_and_a_303_after_it_is_a_get():
    """The polite client's POST (a list request of a rendered page): robots.txt first, our
    User-Agent, the page's body and content type; a 303 answer is followed with a GET."""
    with FakePortal() as site:
        site.add("/robots.txt", Reply(body=b"User-agent: *\nAllow: /\n", content_type="text/plain"))
        site.add("/irs/front/list", Reply(303, headers={"Location": "/irs/front/result"}))
        site.add("/irs/front/result", Reply(body=b'{"rows": []}', content_type="application/json"))
        settings = load(env={}, allow_private_hosts=["127.0.0.1"], min_delay_s=0.0)
        client = PoliteClient(settings)
        try:
            resp = await client.get(
                site.url + "/irs/front/list",
                form=Form(b'{"page":2}', "application/json;charset=UTF-8"),
            )
        finally:
            await client.close()
    assert resp.status == 200 and resp.body == b'{"rows": []}'
    hits = site.hits()
    assert [(h.method, h.path) for h in hits] == [
        ("GET", "/robots.txt"),
        ("POST", "/irs/front/list"),
        ("GET", "/irs/front/result"),
    ]
    posted = hits[1]
    assert posted.body == b'{"page":2}'
    assert posted.headers["content-type"] == "application/json;charset=UTF-8"
    assert posted.headers["user-agent"] == settings.user_agent
    assert hits[2].body == b"" and "content-type" not in hits[2].headers


@needs_chromium
@pytest.mark.parametrize("flags", ["ours", "without_the_dead_proxy"])
async def test_a_websocket_which_interception_does_not_see_never_leaves_the_browser(flags):
    """Request interception does not see WebSockets: the browser's dead proxy and empty resolver
    stop them. Without those flags the same page reaches the listener (so the test can fail)."""
    connections: list[bytes] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(await reader.read(64))
        writer.close()

    listener = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    chromium = Chromium(CHROMIUM, lambda *_event: None)
    if flags != "ours":
        chromium.flags = tuple(f for f in FLAGS if "proxy" not in f and "resolver" not in f)
    await chromium.start()
    try:
        target = (await chromium.send("Target.createTarget", {"url": "about:blank"}))["targetId"]
        session = (
            await chromium.send("Target.attachToTarget", {"targetId": target, "flatten": True})
        )["sessionId"]
        await chromium.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}, session)
        page = (
            f"<script>const ws = new WebSocket('ws://127.0.0.1:{port}/ws/online');"
            "ws.onopen = ws.onerror = ws.onclose = e => { document.title = 'ws:' + e.type; };"
            "</script>"
        )
        await chromium.send("Page.navigate", {"url": "data:text/html," + page}, session)
        ask = {"expression": "document.title", "returnByValue": True}
        async with asyncio.timeout(20):
            while not connections:
                title = (await chromium.send("Runtime.evaluate", ask, session))["result"]["value"]
                if title.startswith("ws:"):
                    break
                await asyncio.sleep(0.05)
    finally:
        await chromium.close()
        listener.close()
    assert (len(connections) == 0) == (flags == "ours"), connections


@needs_chromium
async def test_a_render_out_of_time_keeps_what_the_page_shows_and_makes_no_pending_request():
    """robots.txt asks for 10 s between requests: the page's script waits for its slot when the
    render's time (2 s) is up. The render keeps the static list (10/20, outcome timeout) and the
    script's request, still waiting, is never made."""
    portal = await CmsPortal("script_only", 20).start()
    portal.routes["/robots.txt"] = ("text/plain", b"User-agent: *\nCrawl-delay: 10\n")
    settings = load(
        env={}, allow_private_hosts=["127.0.0.1"], min_delay_s=0.0, render_timeout_s=2.0
    )
    registry = Registry([Portal(id="slow-js", name="示例市", list_urls=[portal.list_url])])
    crawler = Crawler(settings, None, MemoryUrlState(), registry)
    before = _counter("nianbao_fetcher_browser_renders_total", outcome="timeout")
    try:
        survey = await crawler.survey(registry.get("slow-js"), [portal.list_url])
    finally:
        await crawler.close()
        await portal.stop()
    assert (survey.coverage.declared, survey.coverage.reached) == (20, 10)
    assert survey.rendered == 1
    assert _counter("nianbao_fetcher_browser_renders_total", outcome="timeout") == before + 1
    assert [target for _t, target, _ua in portal.visits] == [
        "GET /robots.txt",
        "GET /zwgk/zfxxgk/zfxxgknb/index.html",
    ]
