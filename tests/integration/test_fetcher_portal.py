"""The crawler against a misbehaving portal on loopback (tests/support/fakeportal.py): what it requests
(the portal's access log) and what reaches the pipeline (the DocFetched events and stored objects).
Fault catalogue T14 and T16–T21 of reliability.md."""

from __future__ import annotations

import time

import pytest
from prometheus_client import REGISTRY

from services.fetcher.canonical import doc_id
from services.fetcher.crawl import Crawler, CrawlIncomplete, ListPageGone
from services.fetcher.http import ForbiddenAddress, HttpFetcher
from services.fetcher.politeness import RetryLater
from services.fetcher.registry import Portal, Registry
from services.fetcher.robots import RobotsUnreachable
from services.fetcher.state import MemoryUrlState
from services.parser.extract import extract
from shared.config import load
from shared.events import CrawlDue, version_for
from shared.storage.files import FileObjectStore
from tests.support.columns import COLUMN, LM, REPORT_2021, serve_column
from tests.support.fakeportal import FakePortal, Reply, article, gzip_bomb, list_page


@pytest.fixture
def portal():
    with FakePortal() as p:
        yield p


class Harness:
    """A Crawler wired to a file object store and in-memory URL state, one registry portal."""

    def __init__(self, portal: FakePortal, tmp_path, **overrides):
        options = dict(
            allow_private_hosts=["127.0.0.1"],
            min_delay_s=0.0,
            fetch_deadline_s=2.0,
            max_doc_bytes=1 << 20,
        )
        options.update(overrides)
        self.settings = load(env={}, **options)
        self.objects = FileObjectStore(tmp_path / "objects")
        self.state = MemoryUrlState()
        self.registry = Registry(
            [Portal(id="t", name="某某县人民政府", list_urls=[portal.url + COLUMN + "/index.html"])]
        )
        self.rejected = []
        self.crawler = Crawler(
            self.settings, self.objects, self.state, self.registry, on_rejected=self._reject
        )

    async def _reject(self, event) -> None:
        self.rejected.append(event)

    async def crawl(self):
        """(events, exception or None) of one crawl job."""
        events = []
        try:
            async for event in self.crawler.crawl(CrawlDue(portal="t", slot="s")):
                events.append(event)
        except Exception as exc:  # noqa: BLE001 - the tests assert on it
            return events, exc
        return events, None

    def stored(self) -> list[str]:
        return (
            sorted(
                p.name
                for p in (self.objects.root / "raw").glob("*")
                if not p.name.endswith(".json")
            )
            if (self.objects.root / "raw").exists()
            else []
        )


@pytest.fixture
async def harness(portal, tmp_path):
    h = Harness(portal, tmp_path)
    yield h
    await h.crawler.close()


def report_reply(title: str = REPORT_2021, text: str = "一、总体情况", **kw) -> Reply:
    return Reply(body=article(title, f"<p>{text}</p>"), **kw)


# --- discovery, encodings, attachments ------------------------------------------------------------
async def test_a_gbk_paginated_column_yields_every_report_and_its_attachments(portal, harness):
    """GBK list pages over two pages (countPage), a report article, an attachment-only report
    (PDF) and a 解读 companion: all reach the pipeline once, decodable and with the companion
    recorded."""
    pdf = b"%PDF-1.4\n" + "报告".encode() * 200
    serve_column(
        portal,
        {
            f"{COLUMN}/202201/t20220128_1.html": Reply(
                body=article(REPORT_2021, "<p>一、总体情况</p>", charset="gbk"),
                content_type="text/html; charset=GBK",
            ),
            f"{COLUMN}/202201/t20220129_2.html": Reply(
                body=article(
                    "某某县财政局2021年政府信息公开工作年度报告",
                    '<p>附件：<a href="./P020220129.pdf">财政局年报.pdf</a></p>',
                )
            ),
            f"{COLUMN}/202202/t20220210_3.html": report_reply(
                "某某县2021年政府信息公开工作年度报告解读"
            ),
        },
        titles={f"{COLUMN}/202202/t20220210_3.html": "某某县2021年政府信息公开工作年度报告解读"},
        charset="gbk",
    )
    portal.add(f"{COLUMN}/202201/P020220129.pdf", Reply(body=pdf, content_type="application/pdf"))

    events, exc = await harness.crawl()

    assert exc is None
    by_path = {e.ref.url.split(str(portal.port), 1)[1]: e for e in events}
    assert sorted(by_path) == sorted(
        [
            f"{COLUMN}/202201/t20220128_1.html",
            f"{COLUMN}/202201/t20220129_2.html",
            f"{COLUMN}/202201/P020220129.pdf",
            f"{COLUMN}/202202/t20220210_3.html",
        ]
    )
    gbk = by_path[f"{COLUMN}/202201/t20220128_1.html"]
    assert gbk.title_hint == REPORT_2021  # read from the GBK list page
    # The encoding is the parser's to find (DocFetched.encoding is retired): the bytes are stored
    # as served and the declared charset travels in content_type.
    assert gbk.content_type == "text/html; charset=GBK"
    stored = await harness.objects.get(gbk.ref.object_key)
    assert extract(stored, content_type=gbk.content_type).encoding == "gb18030"
    assert by_path[f"{COLUMN}/202201/t20220128_1.html"].agency == "某某县人民政府"
    assert by_path[f"{COLUMN}/202201/P020220129.pdf"].parent_url.endswith("t20220129_2.html")
    assert by_path[f"{COLUMN}/202201/P020220129.pdf"].ref.version == version_for(pdf)
    assert by_path[f"{COLUMN}/202202/t20220210_3.html"].companion == "解读"
    assert len(harness.stored()) == 4
    assert portal.hits(f"{COLUMN}/index_1.html"), "the second list page (from countPage) was read"


async def test_the_same_report_under_two_urls_is_emitted_once(portal, harness):
    body = article(REPORT_2021, "<p>同一份报告</p>")
    serve_column(
        portal, {f"{COLUMN}/a.html": Reply(body=body), f"{COLUMN}/b.html": Reply(body=body)}
    )

    events, exc = await harness.crawl()

    assert exc is None and len(events) == 1
    urls = [portal.url + f"{COLUMN}/{name}" for name in ("a.html", "b.html")]
    records = {url: await harness.state.get(doc_id(url)) for url in urls}
    (other,) = [url for url in urls if url != events[0].ref.url]
    assert records[other].status == "duplicate" and records[other].duplicate_of == events[0].ref.url


async def test_a_vanished_list_page_is_a_permanent_list_gone_failure(portal, harness):
    portal.add("/robots.txt", Reply(404))

    events, exc = await harness.crawl()

    assert events == [] and isinstance(exc, ListPageGone)


async def test_a_gone_list_url_beside_a_working_one_is_counted_and_the_crawl_goes_on(
    portal, harness
):
    serve_column(portal, {f"{COLUMN}/ok.html": report_reply()})
    harness.registry.portals[0] = Portal(
        id="t",
        name="某某县人民政府",
        list_urls=[portal.url + "/old/index.html", portal.url + COLUMN + "/index.html"],
    )
    before = (
        REGISTRY.get_sample_value(
            "nianbao_portal_failures_total", {"portal": "t", "reason": "list_gone"}
        )
        or 0
    )

    events, exc = await harness.crawl()

    assert exc is None and len(events) == 1
    assert (
        REGISTRY.get_sample_value(
            "nianbao_portal_failures_total", {"portal": "t", "reason": "list_gone"}
        )
        == before + 1
    )


# --- conditional GET (T20) --------------------------------------------------------------------------
async def test_304_and_a_new_etag_with_the_same_bytes_produce_nothing_and_a_change_is_a_new_version(
    portal, harness
):
    path = f"{COLUMN}/202201/t20220128_1.html"
    serve_column(portal, {path: report_reply(etag='"v1"', last_modified=LM)})
    first, _ = await harness.crawl()

    second, _ = await harness.crawl()  # the portal answers 304 to If-None-Match "v1"
    portal.routes[path] = report_reply(etag='"v2"')  # same bytes, new ETag
    third, _ = await harness.crawl()
    portal.routes[path] = report_reply(text="二、主动公开政府信息情况（更正）", etag='"v3"')
    fourth, _ = await harness.crawl()

    assert len(first) == 1 and second == [] and third == []
    assert [h.status for h in portal.hits(path)] == [200, 304, 200, 200]
    assert portal.hits(path)[1].headers["if-none-match"] == '"v1"'
    assert portal.hits(path)[1].headers["if-modified-since"] == LM
    assert len(fourth) == 1 and fourth[0].ref.doc_id == first[0].ref.doc_id
    assert fourth[0].ref.version != first[0].ref.version
    assert len(harness.stored()) == 2


async def test_attachments_are_rechecked_when_their_page_answers_304(portal, harness):
    page = f"{COLUMN}/202201/t20220129_2.html"
    serve_column(
        portal,
        {page: Reply(body=article(REPORT_2021, '<a href="./P1.docx">年报.docx</a>'), etag='"p"')},
    )
    portal.add(
        f"{COLUMN}/202201/P1.docx",
        Reply(body=b"PK\x03\x04old", content_type="application/octet-stream", etag='"d1"'),
    )
    first, _ = await harness.crawl()
    portal.routes[f"{COLUMN}/202201/P1.docx"] = Reply(
        body=b"PK\x03\x04new", content_type="application/octet-stream", etag='"d2"'
    )

    second, exc = await harness.crawl()

    assert exc is None and len(first) == 2
    assert [h.status for h in portal.hits(page)] == [200, 304]
    assert [e.ref.url.rsplit("/", 1)[1] for e in second] == ["P1.docx"]
    assert second[0].parent_url.endswith("t20220129_2.html")


# --- robots.txt (T19) -------------------------------------------------------------------------------
async def test_disallowed_paths_are_never_requested(portal, harness):
    serve_column(
        portal, {f"{COLUMN}/ok.html": report_reply(), "/private/secret.html": report_reply()}
    )
    portal.routes[f"{COLUMN}/index.html"] = Reply(
        body=list_page(
            [
                ("./ok.html", REPORT_2021),
                ("/private/secret.html", "某某县2020年政府信息公开工作年度报告"),
            ]
        )
    )
    portal.add(
        "/robots.txt", Reply(body=b"User-agent: *\nDisallow: /private\n", content_type="text/plain")
    )

    events, exc = await harness.crawl()

    assert exc is None
    assert [e.ref.url.rsplit("/", 1)[1] for e in events] == ["ok.html"]
    assert not [p for p in portal.paths() if p.startswith("/private")]


@pytest.mark.parametrize(
    "robots", [Reply(503), Reply(500, b"oops"), Reply(429, headers={"Retry-After": "5"})]
)
async def test_unreachable_robots_means_no_request_to_any_other_path(portal, harness, robots):
    serve_column(portal, {f"{COLUMN}/ok.html": report_reply()})
    portal.add("/robots.txt", robots)

    events, exc = await harness.crawl()

    assert events == [] and isinstance(exc, RobotsUnreachable)
    assert portal.paths() == ["/robots.txt"]


async def test_robots_that_never_finishes_is_unreachable(portal, tmp_path):
    serve_column(portal, {f"{COLUMN}/ok.html": report_reply()})
    portal.add("/robots.txt", Reply(body=b"User-agent: *\nAllow: /\n", trickle=0.5))
    h = Harness(portal, tmp_path, fetch_deadline_s=1.0)
    try:
        events, exc = await h.crawl()
    finally:
        await h.crawler.close()

    assert events == [] and isinstance(exc, RobotsUnreachable)
    assert portal.paths() == ["/robots.txt"]


async def test_missing_robots_allows_everything(portal, harness):
    serve_column(portal, {f"{COLUMN}/ok.html": report_reply()})
    portal.add("/robots.txt", Reply(404))

    events, exc = await harness.crawl()

    assert exc is None and len(events) == 1


async def test_robots_behind_more_than_five_redirects_counts_as_unavailable(portal, harness):
    serve_column(portal, {f"{COLUMN}/ok.html": report_reply()})
    portal.add("/robots.txt", Reply(301, headers={"Location": "/r1.txt"}))
    for i in range(1, 7):
        portal.add(f"/r{i}.txt", Reply(301, headers={"Location": f"/r{i + 1}.txt"}))
    portal.add("/r7.txt", Reply(body=b"User-agent: *\nDisallow: /\n", content_type="text/plain"))

    events, exc = await harness.crawl()

    assert exc is None and len(events) == 1  # RFC 9309 §2.3.1.2: MAY assume unavailable
    assert "/r6.txt" not in portal.paths() and "/r7.txt" not in portal.paths()


async def test_robots_rules_within_five_redirects_apply(portal, harness):
    serve_column(portal, {f"{COLUMN}/ok.html": report_reply()})
    portal.add("/robots.txt", Reply(301, headers={"Location": "/r1.txt"}))
    portal.add(
        "/r1.txt",
        Reply(
            body=f"User-agent: *\nDisallow: {COLUMN}/ok.html\n".encode(), content_type="text/plain"
        ),
    )

    events, exc = await harness.crawl()

    assert exc is None and events == [] and f"{COLUMN}/ok.html" not in portal.paths()


async def test_a_robots_file_over_500_kib_is_read_up_to_the_cap(portal, harness):
    serve_column(
        portal,
        {f"{COLUMN}/a.html": report_reply(text="甲"), f"{COLUMN}/b.html": report_reply(text="乙")},
    )
    body = (
        f"User-agent: *\nDisallow: {COLUMN}/a.html\n".encode()
        + b"# filler\n" * 80_000
        + f"Disallow: {COLUMN}/b.html\n".encode()
    )
    portal.add("/robots.txt", Reply(body=body, content_type="text/plain"))

    events, exc = await harness.crawl()

    assert len(body) > 600 * 1024 and exc is None
    assert [e.ref.url.rsplit("/", 1)[1] for e in events] == ["b.html"]
    assert f"{COLUMN}/a.html" not in portal.paths()


async def test_robots_is_fetched_once_per_host_and_cached(portal, harness):
    serve_column(portal, {f"{COLUMN}/ok.html": report_reply()})
    await harness.crawl()
    await harness.crawl()

    assert len(portal.hits("/robots.txt")) == 1


async def test_crawl_delay_spaces_request_starts(portal, harness):
    serve_column(
        portal,
        {f"{COLUMN}/a.html": report_reply(text="甲"), f"{COLUMN}/b.html": report_reply(text="乙")},
    )
    portal.add(
        "/robots.txt",
        Reply(body=b"User-agent: nianbao\nCrawl-delay: 1\n", content_type="text/plain"),
    )

    events, exc = await harness.crawl()

    assert exc is None and len(events) == 2
    starts = [h.at for h in portal.hits() if h.path != "/robots.txt"]
    assert len(starts) == 3
    assert min(b - a for a, b in zip(starts, starts[1:], strict=False)) >= 0.9


# --- 429 / Retry-After (T18) ------------------------------------------------------------------------
async def test_a_short_retry_after_is_waited_out_before_the_next_request(portal, harness):
    path = f"{COLUMN}/a.html"
    serve_column(portal, {path: [Reply(429, headers={"Retry-After": "1"}), report_reply()]})

    events, exc = await harness.crawl()

    assert exc is None and len(events) == 1
    first, second = portal.hits(path)
    assert second.at - first.at >= 0.95
    # 429 doubled the delay to ≥ 1 s; one fast 200 since then only halves it (AutoThrottle)
    assert harness.crawler.politeness.gap(f"127.0.0.1:{portal.port}") >= 0.5, (
        "the host's rate went down"
    )


async def test_a_long_retry_after_stops_the_job_with_that_delay_and_no_further_request(
    portal, tmp_path
):
    """One slot per host, so nothing is in flight beside the request that got the 503."""
    path = f"{COLUMN}/a.html"
    serve_column(
        portal,
        {path: Reply(503, headers={"Retry-After": "120"}), f"{COLUMN}/b.html": report_reply()},
    )
    h = Harness(portal, tmp_path, per_host_concurrency=1)
    try:
        events, exc = await h.crawl()
        _, again = await h.crawl()  # an immediate redelivery does not knock at all
    finally:
        await h.crawler.close()

    assert events == [] and isinstance(exc, RetryLater) and 100 <= exc.delay_s <= 120
    assert isinstance(again, RetryLater)
    after = [hit.path for hit in portal.hits() if hit.at > portal.hits(path)[0].at]
    assert after == [], "no request to the host after it asked for 120 s"


# --- safety: deadline, size, bombs, redirects (T14, T16, T17, T21) -----------------------------------
async def test_a_trickling_report_is_cut_at_the_deadline_and_the_others_still_arrive(
    portal, tmp_path
):
    serve_column(
        portal,
        {
            f"{COLUMN}/slow.html": report_reply(trickle=0.3),
            f"{COLUMN}/ok.html": report_reply(text="正常"),
        },
    )
    h = Harness(portal, tmp_path, fetch_deadline_s=1.0)
    try:
        events, exc = await h.crawl()
    finally:
        await h.crawler.close()

    assert [e.ref.url.rsplit("/", 1)[1] for e in events] == ["ok.html"]
    assert isinstance(exc, CrawlIncomplete) and "slow.html: timeout" in str(exc)


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(body=b"x" * ((1 << 20) + 1)), "too_large"),
        (Reply(body=b"x" * (3 << 20), chunked=True), "too_large"),
        (Reply(body=gzip_bomb(64 << 20), headers={"Content-Encoding": "gzip"}), "bomb"),
    ],
    ids=["content-length", "chunked", "gzip-bomb"],
)
async def test_oversized_and_bomb_bodies_are_rejected_and_nothing_is_stored(
    portal, harness, reply, reason
):
    serve_column(portal, {f"{COLUMN}/big.html": reply})

    started = time.monotonic()
    events, exc = await harness.crawl()

    assert events == [] and exc is None
    assert [(r.reason, r.url.rsplit("/", 1)[1]) for r in harness.rejected] == [(reason, "big.html")]
    assert harness.stored() == []
    assert time.monotonic() - started < 30  # bounded work, not a speed figure


async def test_a_compressed_report_is_decoded(portal, harness):
    import gzip

    body = article(REPORT_2021, "<p>压缩传输</p>" * 50)
    serve_column(
        portal,
        {
            f"{COLUMN}/gz.html": Reply(
                body=gzip.compress(body), headers={"Content-Encoding": "gzip"}
            )
        },
    )

    events, exc = await harness.crawl()

    assert exc is None and events[0].ref.version == version_for(body)
    assert portal.hits(f"{COLUMN}/gz.html")[0].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize("target", ["loop", "many", "http://10.0.0.1/x.html", "private-loopback"])
async def test_redirect_abuse_is_rejected_with_reason_redirect(portal, harness, target):
    path = f"{COLUMN}/r.html"
    serve_column(portal, {path: Reply(302)})
    with FakePortal("127.0.0.2") as other:
        other.add("/x.html", report_reply())
        if target == "loop":
            portal.routes[path] = Reply(302, headers={"Location": f"{COLUMN}/r2.html"})
            portal.add(f"{COLUMN}/r2.html", Reply(302, headers={"Location": path}))
        elif target == "many":
            portal.routes[path] = Reply(302, headers={"Location": f"{COLUMN}/hop0.html"})
            for i in range(15):
                portal.add(
                    f"{COLUMN}/hop{i}.html",
                    Reply(302, headers={"Location": f"{COLUMN}/hop{i + 1}.html"}),
                )
        elif target == "private-loopback":
            portal.routes[path] = Reply(302, headers={"Location": other.url + "/x.html"})
        else:
            portal.routes[path] = Reply(302, headers={"Location": target})

        events, exc = await harness.crawl()

        assert events == [] and exc is None
        assert [r.reason for r in harness.rejected] == ["redirect"]
        assert other.hits() == [], "no connection to a non-allowed loopback address"
    assert len([p for p in portal.paths() if "hop" in p]) <= 11


async def test_a_direct_link_to_a_private_address_is_refused_without_connecting(portal, harness):
    with FakePortal("127.0.0.3") as other:
        other.add("/x.html", report_reply())
        portal.add("/robots.txt", Reply(404))
        portal.add(
            f"{COLUMN}/index.html", Reply(body=list_page([(other.url + "/x.html", REPORT_2021)]))
        )

        events, exc = await harness.crawl()

        assert events == [] and exc is None and other.hits() == []
        assert [r.reason for r in harness.rejected] == ["private_address"]
        # the rejection (dead letter, run summary) names the setting that would allow it
        assert f"NIANBAO_ALLOW_PRIVATE_HOSTS=127.0.0.3:{other.port}" in harness.rejected[0].detail


async def test_the_connection_itself_refuses_a_name_resolving_to_a_private_address(portal):
    """What a DNS-rebinding answer would meet after passing the pre-check: the pool's backend
    resolves again and connects only to the address it checked."""
    fetcher = HttpFetcher(load(env={}, allow_private_hosts=["127.0.0.1"]))
    try:
        with pytest.raises(ForbiddenAddress):
            await fetcher.client.get(
                f"http://localhost:{portal.port}/robots.txt"
            )  # skips the pre-check
        assert portal.hits() == []
        assert (await fetcher.client.get(portal.url + "/nothing")).status_code == 404
    finally:
        await fetcher.close()


async def test_a_page_whose_only_change_is_script_injected_chrome_is_not_a_new_version(
    portal, harness
):
    path = f"{COLUMN}/a.html"

    def page(counter: int, text: str = "一、总体情况") -> Reply:
        chrome = f"<script>document.write('访问量：{counter}');</script><!-- built {counter} -->"
        return Reply(body=article(REPORT_2021, f"<p>{text}</p>{chrome}"))

    serve_column(portal, {path: page(1)})
    first, _ = await harness.crawl()
    portal.routes[path] = page(2)
    second, _ = await harness.crawl()
    portal.routes[path] = page(3, "一、总体情况（更正）")
    third, _ = await harness.crawl()

    assert len(first) == 1 and second == [] and len(third) == 1
    assert third[0].ref.version == version_for(page(3, "一、总体情况（更正）").body)


@pytest.mark.parametrize("wbits", [15, -15], ids=["zlib-wrapped", "raw-deflate"])
async def test_deflate_bodies_are_decoded_whether_zlib_wrapped_or_raw(portal, harness, wbits):
    import zlib

    body = article(REPORT_2021, "<p>压缩传输</p>" * 50)
    comp = zlib.compressobj(6, zlib.DEFLATED, wbits)
    served = comp.compress(body) + comp.flush()
    serve_column(
        portal, {f"{COLUMN}/d.html": Reply(body=served, headers={"Content-Encoding": "deflate"})}
    )

    events, exc = await harness.crawl()

    assert exc is None and [e.ref.version for e in events] == [version_for(body)]


async def test_an_unrequested_content_encoding_is_rejected_not_stored_as_garbage(portal, harness):
    serve_column(
        portal,
        {f"{COLUMN}/br.html": Reply(body=b"\x8b\x00garbage", headers={"Content-Encoding": "br"})},
    )

    events, exc = await harness.crawl()

    assert events == [] and exc is None and harness.stored() == []
    assert [r.reason for r in harness.rejected] == ["content_encoding"]


async def test_a_repeated_304_does_not_rewrite_the_url_state(portal, harness):
    path = f"{COLUMN}/a.html"
    serve_column(portal, {path: report_reply(etag='"v1"')})
    await harness.crawl()
    await harness.crawl()  # first 304: status emitted → not_modified is written
    key = doc_id(portal.url + path)
    written = harness.state.data[key]

    await harness.crawl()

    assert [h.status for h in portal.hits(path)] == [200, 304, 304]
    assert harness.state.data[key] == written, "nothing but the time changed: no KV write"


async def test_a_listed_report_answering_404_is_recorded_gone_since_its_first_404_and_cleared_when_back(
    portal, harness
):
    portal.add("/robots.txt", Reply(404))
    portal.add(
        f"{COLUMN}/index.html",
        Reply(body=list_page([("./2022/t20220128_1.html", REPORT_2021)])),
    )
    portal.add(f"{COLUMN}/2022/t20220128_1.html", Reply(410))
    _events, _exc = await harness.crawl()
    rec = await harness.state.get(doc_id(portal.url + f"{COLUMN}/2022/t20220128_1.html"))
    first = rec.gone_since
    assert (rec.status, rec.gone_status, first > 0) == ("gone", 410, True)
    await harness.crawl()
    rec = await harness.state.get(doc_id(portal.url + f"{COLUMN}/2022/t20220128_1.html"))
    assert (rec.status, rec.gone_since) == ("gone", first)  # since the first time
    portal.add(f"{COLUMN}/2022/t20220128_1.html", report_reply())
    events, _exc = await harness.crawl()
    rec = await harness.state.get(doc_id(portal.url + f"{COLUMN}/2022/t20220128_1.html"))
    assert len(events) == 1 and (rec.status, rec.gone_since, rec.gone_status) == ("emitted", 0.0, 0)
