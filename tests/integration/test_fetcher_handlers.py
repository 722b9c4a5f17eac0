"""services/fetcher/handlers.py with its real parts: the Crawler against a portal on loopback
(tests/support/fakeportal.py), a file object store, and a Publisher on a real nats-server with
the topology applied. A crawl that fails half-way keeps what it published; its retry publishes
only what is still missing; a URL that fails permanently is one doc.rejected.fetcher."""

from __future__ import annotations

import nats
import pytest

from services.fetcher.canonical import doc_id
from services.fetcher.crawl import Crawler, CrawlIncomplete
from services.fetcher.handlers import handle_crawl, publish_rejected
from services.fetcher.registry import Portal, Registry
from services.fetcher.state import MemoryUrlState
from shared import topology
from shared.config import load
from shared.events import CrawlDue, DocFetched, DocRejected, decode, version_for
from shared.runtime.publish import Publisher
from shared.storage.files import FileObjectStore
from tests.support.columns import COLUMN, REPORT_2021, serve_column
from tests.support.fakeportal import FakePortal, Reply, article

pytestmark = [pytest.mark.nats, pytest.mark.timeout(60)]

FIRST = f"{COLUMN}/202201/t20220128_1.html"
SECOND = f"{COLUMN}/202201/t20220129_2.html"
GONE = f"{COLUMN}/202201/t20220130_3.html"


async def _published(js, subject: str) -> list[tuple[str, object]]:
    """(Nats-Msg-Id, event) of every message on `subject` in the DOCS stream, in stream order."""
    info = await js.stream_info(topology.DOCS)
    out = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await js.get_msg(topology.DOCS, seq)
        if msg.subject == subject:
            out.append((msg.headers["Nats-Msg-Id"], decode(msg.data)))
    return out


async def test_fetcher_handlers_keep_what_an_interrupted_crawl_published(nats_server, tmp_path):
    second = article(REPORT_2021, "<p>第二份</p>")
    with FakePortal() as portal:
        serve_column(
            portal,
            {
                FIRST: Reply(body=article(REPORT_2021, "<p>第一份</p>")),
                SECOND: [Reply(503), Reply(body=second)],  # fails once, then answers
                GONE: Reply(404),
            },
        )
        settings = load(
            env={},
            nats_url=nats_server.url,
            allow_private_hosts=["127.0.0.1"],
            min_delay_s=0.0,
            fetch_deadline_s=2.0,
        )
        nc = await nats.connect(nats_server.url)
        objects = FileObjectStore(tmp_path / "objects")
        state = MemoryUrlState()
        registry = Registry(
            [Portal(id="t", name="某某县人民政府", list_urls=[portal.url + COLUMN + "/index.html"])]
        )
        try:
            js = nc.jetstream()
            await topology.apply(js, settings)
            publisher = Publisher(js=js)
            crawler = Crawler(
                settings,
                objects,
                state,
                registry,
                on_rejected=lambda event: publish_rejected(event, publisher),
            )
            job = CrawlDue(portal="t", slot="s")

            with pytest.raises(CrawlIncomplete):
                await handle_crawl(job, crawler, publisher)
            after_failure = await _published(js, "doc.fetched.t")
            assert await handle_crawl(job, crawler, publisher) == []
            after_retry = await _published(js, "doc.fetched.t")
            rejected = await _published(js, "doc.rejected.fetcher")
            await crawler.close()
        finally:
            await nc.close()

    first_url = portal.url + FIRST
    # the first report went downstream although the job failed, and was recorded
    assert [(mid, e.ref.url) for mid, e in after_failure] == [
        (f"fetched:{doc_id(first_url)}:{after_failure[0][1].ref.version}", first_url)
    ]
    assert (await state.get(doc_id(first_url))).version == after_failure[0][1].ref.version
    # the retry adds only the second report: the first is not emitted twice
    assert [e.ref.url for _, e in after_retry] == [first_url, portal.url + SECOND]
    assert after_retry[1][1].ref.version == version_for(second)
    assert all(isinstance(e, DocFetched) for _, e in after_retry)
    # the 404 is one rejection however often the job runs (Msg-Id per URL and reason)
    assert [(mid, e.reason, e.url) for mid, e in rejected] == [
        (f"rejected:fetcher:{doc_id(portal.url + GONE)}:not_found", "not_found", portal.url + GONE)
    ]
    assert isinstance(rejected[0][1], DocRejected) and rejected[0][1].stage == "fetcher"
