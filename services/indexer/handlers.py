"""Indexer stage logic: doc.validated → search store upsert (by doc_id) → doc.indexed.

Idempotent: the store's upsert returns False when this version is already indexed (nothing
written, `changed=False`); Msg-Id `indexed:<doc_id>:<version>`.
Settings read: none.
"""

from __future__ import annotations

from shared.events import DocIndexed, DocValidated, subject_token
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
