"""Put a document into the pipeline the way the fetcher does: bytes into the object store
(put-if-absent, content-addressed), then doc.fetched with its derived Msg-Id.

Used by tests and the pipeline benchmark to start the flow at doc.fetched.
"""

from __future__ import annotations

import time

from shared.events import DocFetched, DocRef, doc_id_for, object_key_for, subject_token, version_for
from shared.runtime.publish import Outgoing, Publisher, outgoing
from shared.storage.base import ObjectMeta
from shared.topology import subject


def fetched_event(
    data: bytes, url: str, portal: str = "sample", content_type: str | None = None, **fields
) -> DocFetched:
    version = version_for(data)
    ref = DocRef(
        doc_id=doc_id_for(url),
        version=version,
        portal=portal,
        url=url,
        object_key=object_key_for(version),
    )
    return DocFetched(
        ref=ref, size=len(data), content_type=content_type, fetched_at=time.time(), **fields
    )


async def store_bytes(objects, event: DocFetched, data: bytes) -> bool:
    meta = ObjectMeta(
        key=event.ref.object_key,
        size=len(data),
        source_url=event.ref.url,
        content_type=event.content_type,
        fetched_at=event.fetched_at,
    )
    return await objects.put_if_absent(event.ref.object_key, data, meta)


def fetched_outgoing(event: DocFetched) -> Outgoing:
    return outgoing(
        subject("doc.fetched", subject_token(event.ref.portal)), event, "fetched", event.ref
    )


async def feed(
    objects,
    publisher: Publisher,
    data: bytes,
    url: str,
    portal: str = "sample",
    content_type: str | None = None,
    **fields,
) -> DocFetched:
    event = fetched_event(data, url, portal, content_type, **fields)
    await store_bytes(objects, event, data)
    await publisher.publish(fetched_outgoing(event))
    return event
