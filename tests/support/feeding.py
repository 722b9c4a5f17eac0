"""Helpers that feed a pipeline of real processes (tests/support/harness.py) and read its ledger
(tests/support/ledger.py): store and publish documents as the fetcher does, publish crawl jobs,
point a pipeline at S3 behind a proxy or at a registry of loopback portals.
Fixtures that use them live in the conftest.py files; tests import these directly.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from nianbao.embedded.feed import fetched_event, fetched_outgoing, store_bytes
from shared.storage.factory import open_object_store
from tests.support.harness import Pipeline
from tests.support.ledger import Ledger
from tests.support.proxy import Proxy

SEED_URL = "http://127.0.0.1:1/zwgk/zfxxgk/zfxxgknb/{}.txt"


def objects_root(p: Pipeline) -> Path:
    return Path(p.config.object_store_url.removeprefix("file://"))


def ledger_for(p: Pipeline, **kw) -> Ledger:
    url = p.config.object_store_url
    if url.startswith("s3://"):
        from minio import Minio

        bucket = url.removeprefix("s3://").split("?", 1)[0]
        client = Minio(p.s3_direct, access_key="k", secret_key="s", secure=False)
        return Ledger(p.js, p.config.search_url, s3=(client, bucket), **kw)
    return Ledger(p.js, p.config.search_url, objects_root=objects_root(p), **kw)


def use_s3(p: Pipeline, proxy: Proxy, **settings) -> Pipeline:
    """Point the pipeline's object store at a fresh bucket behind `proxy`."""
    bucket = f"raw-{uuid.uuid4().hex[:10]}"
    p.settings.update(
        object_store=f"s3://{bucket}?endpoint={proxy.endpoint}&secure=false",
        s3_access_key="k",
        s3_secret_key="s",
        **settings,
    )
    p.s3_direct = proxy.direct
    return p


async def seed(
    p: Pipeline,
    ledger: Ledger,
    data: bytes,
    name: str,
    content_type: str | None = "text/plain",
    before_publish=None,
    **fields,
):
    """Store the bytes (as the fetcher does) and publish doc.fetched through the ledger.
    `before_publish` (a coroutine function) runs in between: a fault that must be in place
    before any worker can see the event (cutting the store: else a fast worker wins the race)."""
    event = fetched_event(data, SEED_URL.format(name), content_type=content_type, **fields)
    await put_object(p, event, data)
    if before_publish is not None:
        await before_publish()
    return event, await publish_fetched(p, ledger, event)


async def put_object(p: Pipeline, event, data: bytes) -> None:
    objects = await open_object_store(settings=p.config)
    try:
        await store_bytes(objects, event, data)
    finally:
        await objects.close()


async def publish_fetched(p: Pipeline, ledger: Ledger, event):
    from shared.events import encode

    out = fetched_outgoing(event)
    return await ledger.publish(out.subject, encode(out.event), out.msg_id)


def crawling(portal_url: str, **settings) -> dict:
    """Settings for a fetcher process crawling loopback portals politely but without waiting."""
    port = portal_url.rsplit(":", 1)[1]
    # as the launcher does: the host (robots, politeness key) and the host:port of the portal
    return {
        "sample_portal_url": portal_url,
        "allow_private_hosts": ["127.0.0.1", f"127.0.0.1:{port}"],
        "min_delay_s": 0.0,
        **settings,
    }


async def publish_crawl(
    ledger: Ledger, portal: str = "sample", slot: str = "2026-01-01T00:00:00+00:00"
):
    from shared.events import CrawlDue, encode, subject_token

    job = CrawlDue(portal=portal, slot=slot, reason="manual")
    return await ledger.publish(
        f"crawl.due.{subject_token(portal)}", encode(job), f"{portal}:{slot}"
    )


async def crawl_all_stages(p: Pipeline, portal: str, within: float = 90):
    """Start the four stages, crawl `portal` once and wait for every message to settle; returns
    the ledger's snapshot and how much the fetcher's peak RSS grew meanwhile (bytes)."""
    await p.start("fetcher", "parser", "validator", "indexer")
    fetcher = p.worker("fetcher")
    rss_before = fetcher.peak_rss()
    ledger = ledger_for(p)
    await publish_crawl(ledger, portal)
    snap = await ledger.check(within=within)
    return snap, fetcher.peak_rss() - rss_before


def registry_for(p: Pipeline, portals: dict[str, str], **settings) -> Pipeline:
    """A portals.toml with one portal per (id → list URL), and the fetcher settings to crawl them
    (their loopback host:ports allowed, no politeness floor beyond what the portal asks)."""
    path = p.tmp / "portals.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for pid, url in portals.items():
        lines += [
            "[[portal]]",
            f'id = "{pid}"',
            'name = "某某县人民政府"',
            'level = "county"',
            f'list_urls = ["{url}"]',
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")
    hosts = ["127.0.0.1"] + sorted({url.split("/")[2] for url in portals.values()})
    p.settings.update(portals=str(path), allow_private_hosts=hosts, min_delay_s=0.0, **settings)
    return p
