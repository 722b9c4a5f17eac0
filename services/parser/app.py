"""The parser service: doc.fetched.> → parse → doc.parsed.<portal>.

Run alone: `nianbao serve parser` or `faststream run --factory services.parser.app:create_app`.
Settings read: object_store, max_doc_bytes, max_workers (+ shared.runtime.service's).
"""

from __future__ import annotations

import asyncio
from functools import partial

from faststream import FastStream

from services.parser.extract.budget import Limits
from services.parser.handlers import handle_fetched
from services.parser.sandbox import Sandbox
from shared.config import Settings, load
from shared.runtime.service import Service, StageDeps, standalone
from shared.storage.factory import open_object_store


async def build(settings: Settings, service: Service) -> StageDeps:
    objects = await open_object_store(settings=settings)
    sandbox = Sandbox(Limits.from_settings(settings), workers=settings.max_workers)
    warming = asyncio.create_task(sandbox.warm())  # children start while the service connects

    async def close_sandbox() -> None:
        warming.cancel()
        await sandbox.close()

    return StageDeps(
        handler=partial(handle_fetched, objects=objects, sandbox=sandbox),
        pings=[objects.ping],
        closers=[objects.close, close_sandbox],
    )


def create(settings: Settings | None = None, http_port: int | None = None) -> Service:
    return Service(
        "parser", settings or load(), build, http_port=http_port, heartbeat=True, pure=True
    )


def create_app() -> FastStream:
    """`faststream run --factory`: the service from the environment's settings."""
    service = create()
    return standalone(service.app, service.settings)
