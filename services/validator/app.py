"""The validator service: doc.parsed.> → rules (+ cross-year with the indexed previous year)
→ doc.validated.<portal>.

Run alone: `nianbao serve validator` or `faststream run --factory services.validator.app:create_app`.
Settings read: search (+ shared.runtime.service's).
"""

from __future__ import annotations

from functools import partial

from faststream import FastStream

from services.validator.handlers import handle_parsed
from shared.config import Settings, load
from shared.runtime.service import Service, StageDeps, standalone
from shared.storage.factory import open_search_store


async def build(settings: Settings, service: Service) -> StageDeps:
    search = await open_search_store(settings=settings)
    return StageDeps(
        handler=partial(handle_parsed, search=search), pings=[search.ping], closers=[search.close]
    )


def create(settings: Settings | None = None, http_port: int | None = None) -> Service:
    return Service("validator", settings or load(), build, http_port=http_port, pure=True)


def create_app() -> FastStream:
    """`faststream run --factory`: the service from the environment's settings."""
    service = create()
    return standalone(service.app, service.settings)
