"""The parser service: doc.fetched.> → parse → doc.parsed.<portal>.

Run alone: `nianbao serve parser` or `faststream run --factory services.parser.app:create_app`.
Settings read: object_store (+ shared.runtime.service's).
"""

from __future__ import annotations

from functools import partial

from faststream import FastStream

from services.parser.handlers import handle_fetched
from shared.config import Settings, load
from shared.runtime.service import Service, StageDeps
from shared.storage.factory import open_object_store


async def build(settings: Settings, service: Service) -> StageDeps:
    objects = await open_object_store(settings=settings)
    return StageDeps(
        handler=partial(handle_fetched, objects=objects),
        pings=[objects.ping],
        closers=[objects.close],
    )


def create(settings: Settings | None = None, http_port: int | None = None) -> Service:
    return Service(
        "parser", settings or load(), build, http_port=http_port, heartbeat=True, pure=True
    )


def create_app() -> FastStream:
    """`faststream run --factory`: the service from the environment's settings."""
    return create().app
