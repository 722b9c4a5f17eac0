"""services/fetcher/state.py and schedule.py on a real nats-server: URL state in the fetch_state
KV bucket (created by `topology apply`), conditional GETs across crawler restarts, and the
scheduler's crawl.due jobs deduplicated by Msg-Id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import nats
import pytest

from services.fetcher.crawl import Crawler
from services.fetcher.registry import Portal, Registry
from services.fetcher.schedule import Scheduler
from services.fetcher.state import UrlRecord, UrlState
from shared import topology
from shared.config import load
from shared.events import CrawlDue, decode
from shared.storage.files import FileObjectStore
from tests.support.fakeportal import FakePortal, Reply, article, list_page

pytestmark = pytest.mark.nats
COLUMN = "/zwgk/zfxxgk/zfxxgknb"


@pytest.fixture
async def js(nats_server):
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await topology.apply(js, load(env={}))
    yield js
    await nc.close()


async def test_topology_apply_creates_the_bucket_and_state_round_trips(js):
    state = UrlState(js)
    await state.open()
    rec = UrlRecord(
        url="http://x.gov.cn/a.html",
        portal="p",
        etag='"1"',
        version="ab" * 32,
        report_year=2025,
        children=["http://x.gov.cn/a.pdf"],
    )
    await state.put("d" * 64, rec)
    await (await js.key_value("fetch_state")).put(
        "slot.p", b"2026-01-01T00:00:00Z"
    )  # the scheduler's entries

    assert await state.get("d" * 64) == rec
    assert await state.get("e" * 64) is None
    assert [key async for key, _ in state.records()] == ["d" * 64]


async def test_without_the_bucket_open_says_to_apply_the_topology(nats_server):
    nc = await nats.connect(nats_server.url)
    try:
        with pytest.raises(RuntimeError, match="topology apply"):
            await UrlState(nc.jetstream()).open()
    finally:
        await nc.close()


async def test_a_restarted_crawler_sends_conditional_gets_from_the_kv_state(js, tmp_path):
    settings = load(
        env={}, allow_private_hosts=["127.0.0.1"], min_delay_s=0.0, fetch_deadline_s=5.0
    )
    with FakePortal() as portal:
        portal.add("/robots.txt", Reply(404))
        portal.add(
            f"{COLUMN}/index.html",
            Reply(
                body=list_page(
                    [("./202201/t20220128_1.html", "某县2021年政府信息公开工作年度报告")]
                )
            ),
        )
        portal.add(
            f"{COLUMN}/202201/t20220128_1.html",
            Reply(body=article("某县2021年政府信息公开工作年度报告", "<p>正文</p>"), etag='"e1"'),
        )
        registry = Registry(
            [Portal(id="t", name="某县人民政府", list_urls=[portal.url + COLUMN + "/index.html"])]
        )
        objects = FileObjectStore(tmp_path / "objects")
        counts = []
        for _ in range(2):  # two processes in a row, sharing only the broker's KV
            crawler = Crawler(settings, objects, UrlState(js), registry)
            try:
                counts.append(len([e async for e in crawler.crawl(CrawlDue(portal="t", slot="s"))]))
            finally:
                await crawler.close()

        assert counts == [1, 0]
        assert [h.status for h in portal.hits(f"{COLUMN}/202201/t20220128_1.html")] == [200, 304]


async def test_scheduler_replicas_publish_each_slot_once(js):
    registry = Registry(
        [
            Portal(id="a", name="甲", list_urls=["http://a.gov.cn/"]),
            Portal(id="b", name="乙", list_urls=["http://b.gov.cn/"]),
        ]
    )
    now = datetime(2026, 6, 1, 10, tzinfo=UTC)
    kv = await js.key_value("fetch_state")
    replicas = [
        Scheduler(js, registry, clock=lambda: now),
        Scheduler(js, registry, kv=kv, clock=lambda: now),
    ]
    for replica in replicas:
        assert len(await replica.tick()) == 2
    assert await replicas[1].tick() == []  # same slot, already published

    info = await js.stream_info(topology.CRAWL)
    assert info.state.messages == 2

    restarted = Scheduler(js, registry, kv=kv, clock=lambda: now + timedelta(minutes=30))
    await restarted.load()
    assert await restarted.tick() == []  # remembered in KV, not re-published after a restart

    sub = await js.pull_subscribe_bind("fetcher", topology.CRAWL)  # the fetcher stage durable
    jobs = [decode(m.data) for m in await sub.fetch(2, timeout=2)]
    assert sorted(j.portal for j in jobs) == ["a", "b"] and all(
        isinstance(j, CrawlDue) for j in jobs
    )
