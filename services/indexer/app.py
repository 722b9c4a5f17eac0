"""The indexer service: doc.validated.> → search store upsert → doc.indexed.<portal>.

Run alone: `nianbao serve indexer` or `faststream run services.indexer.app:app`.
Concurrent upserts (up to max_workers in flight) share one transaction (shared.storage.batching).
Settings read: search, max_workers (+ shared.runtime.service's).
"""

from __future__ import annotations

from functools import partial

from services.indexer.handlers import handle_validated
from shared.config import Settings, load
from shared.runtime.service import Service, StageDeps
from shared.storage.batching import GroupCommit
from shared.storage.factory import open_search_store


async def build(settings: Settings, service: Service) -> StageDeps:
    search = await open_search_store(settings=settings)
    grouped = GroupCommit(search, max_batch=settings.max_workers)
    return StageDeps(handler=partial(handle_validated, search=grouped), pings=[search.ping],
                     closers=[search.close])


def create(settings: Settings | None = None, http_port: int | None = None) -> Service:
    return Service("indexer", settings or load(), build, http_port=http_port)


service = create()
app = service.app
