"""Fixtures of the fault suite (reliability.md T1–T22): a pipeline of real processes and its
ledger. Helpers live in tests/faults/harness.py and tests/faults/ledger.py.

Every test here starts its own nats-server (and stages as `nianbao serve` subprocesses) under
tmp_path on loopback ports, and the fixture stops them all, whatever the test did to them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.runtime.feed import fetched_event, fetched_outgoing, store_bytes
from shared.storage.files import FileObjectStore
from tests.faults.harness import Pipeline
from tests.faults.ledger import Ledger

SEED_URL = "http://127.0.0.1:1/zwgk/zfxxgk/zfxxgknb/{}.txt"


@pytest.fixture
async def pipelines(tmp_path):
    """make(**settings) → an unstarted Pipeline; all of them are closed after the test."""
    made: list[Pipeline] = []

    def make(**settings) -> Pipeline:
        p = Pipeline(tmp_path / f"p{len(made)}", **settings)
        made.append(p)
        return p

    yield make
    for p in made:
        await p.close()


def objects_root(p: Pipeline) -> Path:
    return Path(p.config.object_store_url.removeprefix("file://"))


def ledger_for(p: Pipeline, **kw) -> Ledger:
    root = objects_root(p) if p.config.object_store_url.startswith("file://") else None
    return Ledger(p.js, p.config.search_url, objects_root=root, **kw)


async def seed(p: Pipeline, ledger: Ledger, data: bytes, name: str, content_type: str | None = "text/plain",
               **fields):
    """Store the bytes (as the fetcher does) and publish doc.fetched through the ledger."""
    event = fetched_event(data, SEED_URL.format(name), content_type=content_type, **fields)
    objects = FileObjectStore(objects_root(p))
    await store_bytes(objects, event, data)
    out = fetched_outgoing(event)
    from shared.events import encode

    ack = await ledger.publish(out.subject, encode(out.event), out.msg_id)
    return event, ack
