"""The OCR stage, the parser service's second app: doc.ocr.> → scanned pages read by OCR →
doc.parsed.<portal> (or doc.rejected.ocr with the reason).

The parser hands scans and pictures over on their own subject (services/parser/handlers.py), so
OCR — seconds per page — runs on its own durable with its own workers and replicas (KEDA scales
them on this consumer's lag) and never delays the text and HTML reports. OCR runs in a parse child
of its own (services/parser/sandbox.py) with `Limits.for_ocr`: onnxruntime needs more address
space than the parser's child allows, and a long scan more time.

Run alone: `nianbao serve ocr` or `faststream run --factory services.parser.ocr_app:create_app`.
Settings read: object_store, max_doc_bytes, max_workers (OCR children; each uses one core)
(+ shared.runtime.service's).
"""

from __future__ import annotations

import asyncio
from functools import partial

from faststream import FastStream

from services.parser.extract.budget import Limits
from services.parser.extract.ocr_pages import MAX_OCR_PAGES
from services.parser.ocr_handlers import handle_needs_ocr
from services.parser.sandbox import Sandbox
from shared.config import Settings, load
from shared.runtime.service import Service, StageDeps
from shared.storage.factory import open_object_store

OCR_NICENESS = 10


async def build(settings: Settings, service: Service) -> StageDeps:
    objects = await open_object_store(settings=settings)
    limits = Limits.from_settings(settings).for_ocr(MAX_OCR_PAGES)
    # niced: where OCR shares cores with the other stages (`nianbao run`, one node), the scheduler
    # serves them first and a scan takes the CPU they leave
    sandbox = Sandbox(limits, workers=settings.max_workers, niceness=OCR_NICENESS)
    warming = asyncio.create_task(sandbox.warm())

    async def close_sandbox() -> None:
        warming.cancel()
        await sandbox.close()

    return StageDeps(
        handler=partial(handle_needs_ocr, objects=objects, sandbox=sandbox),
        pings=[objects.ping],
        closers=[objects.close, close_sandbox],
    )


def create(settings: Settings | None = None, http_port: int | None = None) -> Service:
    return Service("ocr", settings or load(), build, http_port=http_port, heartbeat=True, pure=True)


def create_app() -> FastStream:
    """`faststream run --factory`: the service from the environment's settings."""
    return create().app
