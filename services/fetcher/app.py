"""The fetcher service: crawl.due.> → crawl the portal → one doc.fetched.<portal> per new
document version (bytes stored put-if-absent before publishing; logic in handlers.py).

Run alone: `nianbao serve fetcher` or `faststream run --factory services.fetcher.app:create_app`.
Importing this module builds nothing and reads no setting: `create` does, when called.
Settings read: object_store, search (crawl facts: dead links, list coverage), portals,
sample_portal_url (+ the Crawler's and the runtime's).
"""

from __future__ import annotations

from functools import partial

from faststream import FastStream

from services.fetcher.crawl import Crawler
from services.fetcher.facts import IndexFacts
from services.fetcher.handlers import handle_crawl, publish_rejected
from services.fetcher.registry import load_registry
from services.fetcher.state import UrlState
from shared.config import Settings, load
from shared.runtime.service import Service, StageDeps, standalone
from shared.storage.factory import open_object_store


async def build(settings: Settings, service: Service) -> StageDeps:
    objects = await open_object_store(settings=settings)
    state = UrlState(service.js)
    await state.open()
    # Crawl facts (dead links, list coverage) go to the index where `nianbao missing` reads them
    # when the index is a SQLite file beside the fetcher (one machine, `nianbao run`). With
    # PostgreSQL the fetcher has no access to it by design (network policy: a pod that talks to
    # the internet holds no database credentials); dead links are then read from fetch_state.
    facts = await IndexFacts(settings).open() if settings.search_url.startswith("sqlite:") else None
    crawler = Crawler(
        settings,
        objects,
        state,
        load_registry(settings=settings),
        on_rejected=partial(publish_rejected, publisher=service.publisher),
        facts=facts,
    )
    return StageDeps(
        handler=partial(handle_crawl, crawler=crawler, publisher=service.publisher),
        pings=[objects.ping],
        closers=[crawler.close, objects.close] + ([facts.close] if facts else []),
    )


def create(settings: Settings | None = None, http_port: int | None = None) -> Service:
    return Service("fetcher", settings or load(), build, http_port=http_port, heartbeat=True)


def create_app() -> FastStream:
    """`faststream run --factory`: the service from the environment's settings."""
    service = create()
    return standalone(service.app, service.settings)
