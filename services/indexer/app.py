"""The indexer service: doc.validated.> → search store upsert → doc.indexed.<portal>; and the
fetcher's crawl facts, doc.fact.> (dead links, list coverage) → the same store.

Run alone: `nianbao serve indexer` or `faststream run --factory services.indexer.app:create_app`.
Concurrent upserts share one transaction (shared.storage.batching): the indexer runs
max(max_workers, index_batch) messages at once (one pull fetch, so ack_wait is never at risk:
a batch of 64 commits in ~0.1 s), and they are written together.
Settings read: search, max_workers, index_batch (+ shared.runtime.service's).
"""

from __future__ import annotations

from functools import partial

import msgspec
from faststream import FastStream

from services.indexer.handlers import handle
from shared.config import Settings, load
from shared.runtime.service import Service, StageDeps, standalone
from shared.storage.batching import GroupCommit
from shared.storage.factory import open_search_store


async def build(settings: Settings, service: Service) -> StageDeps:
    search = await open_search_store(settings=settings)
    grouped = GroupCommit(
        search, max_batch=settings.max_workers
    )  # already ≥ index_batch, see create
    return StageDeps(
        handler=partial(handle, search=grouped, store=search),
        pings=[search.ping],
        closers=[search.close],
    )


def create(settings: Settings | None = None, http_port: int | None = None) -> Service:
    settings = settings or load()
    workers = max(settings.max_workers, settings.index_batch)
    return Service(
        "indexer",
        msgspec.structs.replace(settings, max_workers=workers),
        build,
        http_port=http_port,
    )


def create_app() -> FastStream:
    """`faststream run --factory`: the service from the environment's settings."""
    service = create()
    return standalone(service.app, service.settings)
