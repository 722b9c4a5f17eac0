"""The fetcher service: crawl.due.> → crawl the portal → one doc.fetched.<portal> per new
document version (bytes stored put-if-absent before publishing; logic in handlers.py).

Run alone: `nianbao serve fetcher` or `faststream run --factory services.fetcher.app:create_app`.
Importing this module builds nothing and reads no setting: `create` does, when called.
Crawl facts (dead links, list coverage) are published on doc.fact.<portal>; the indexer writes
them into the index, so the fetcher needs no access to the search store.
Settings read: object_store, portals, sample_portal_url (+ the Crawler's and the runtime's).
"""

from __future__ import annotations

from functools import partial

from faststream import FastStream

from services.fetcher.crawl import Crawler
from services.fetcher.handlers import handle_crawl, publish_fact, publish_rejected
from services.fetcher.registry import load_registry
from services.fetcher.state import UrlState
from shared.config import Settings, load
from shared.runtime.service import Service, StageDeps, standalone
from shared.storage.factory import open_object_store


async def build(settings: Settings, service: Service) -> StageDeps:
    objects = await open_object_store(settings=settings)
    state = UrlState(service.js)
    await state.open()
    crawler = Crawler(
        settings,
        objects,
        state,
        load_registry(settings=settings),
        on_rejected=partial(publish_rejected, publisher=service.publisher),
        # crawl facts ride the broker to the indexer, whatever the index is: the fetcher (a pod
        # that talks to the internet) holds no database credentials, and one path serves both
        # `nianbao run` (SQLite) and the cluster (PostgreSQL)
        facts=partial(publish_fact, publisher=service.publisher),
    )
    return StageDeps(
        handler=partial(handle_crawl, crawler=crawler, publisher=service.publisher),
        pings=[objects.ping],
        closers=[crawler.close, objects.close],
    )


def create(settings: Settings | None = None, http_port: int | None = None) -> Service:
    return Service("fetcher", settings or load(), build, http_port=http_port, heartbeat=True)


def create_app() -> FastStream:
    """`faststream run --factory`: the service from the environment's settings."""
    service = create()
    return standalone(service.app, service.settings)
