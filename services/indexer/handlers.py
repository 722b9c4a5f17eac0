"""Indexer stage logic: doc.validated → search store upsert (by doc_id) → doc.indexed; and the
fetcher's crawl facts (doc.fact) → the same store (services/indexer/facts.py), nothing published.

Idempotent: the store's upsert returns False when this version is already indexed (nothing
written, `changed=False`); Msg-Id `indexed:<doc_id>:<version>`. A fact written twice is one row.
Settings read: none.
"""

from __future__ import annotations

from services.indexer.facts import apply_fact
from shared.events import CrawlFact, DocIndexed, DocValidated, Event, subject_token
from shared.runtime.publish import Outgoing, outgoing
from shared.storage.base import SearchStore
from shared.topology import subject
from shared.versions import INDEX_SCHEMA_VERSION


async def handle_validated(event: DocValidated, search: SearchStore) -> list[Outgoing]:
    changed = await search.upsert(event)
    indexed = DocIndexed(
        ref=event.ref,
        status=event.status,
        findings=len(event.findings),
        changed=changed,
        parser_version=event.parser_version,
        validator_version=event.validator_version,
        index_schema_version=INDEX_SCHEMA_VERSION,
    )
    return [
        outgoing(
            subject("doc.indexed", subject_token(event.ref.portal)), indexed, "indexed", event.ref
        )
    ]


async def handle_fact(event: CrawlFact, store: SearchStore) -> list[Outgoing]:
    await apply_fact(store, event)
    return []


async def handle(event: Event, search: SearchStore, store: SearchStore) -> list[Outgoing]:
    """The indexer's durable reads both (shared.topology: the stage's side input); the acking
    layer has already refused any other event. `search` batches upserts (GroupCommit), `store`
    is the store itself (a fact is one small statement)."""
    if isinstance(event, CrawlFact):
        return await handle_fact(event, store)
    assert isinstance(event, DocValidated)
    return await handle_validated(event, search)
