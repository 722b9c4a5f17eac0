"""Interfaces of the two stores. Backends are chosen by URL (shared/storage/factory.py):
objects `file://…` or `s3://bucket?endpoint=…`; search `sqlite:///…` or `postgresql://…`.
Backend errors that may heal (server down, file locked) are raised as StoreUnavailable
(transient); everything else propagates."""

from __future__ import annotations

from typing import Any, Protocol

import msgspec


class ObjectMeta(msgspec.Struct, omit_defaults=True):
    key: str
    size: int
    source_url: str | None = None
    content_type: str | None = None
    fetched_at: float | None = None
    etag: str | None = None
    last_modified: str | None = None


class ObjectStore(Protocol):
    async def put_if_absent(self, key: str, data: bytes, meta: ObjectMeta) -> bool:
        """Store atomically; return False (and change nothing) when the key already exists."""

    async def get(self, key: str) -> bytes: ...

    async def exists(self, key: str) -> bool: ...

    async def head(self, key: str) -> ObjectMeta | None: ...

    async def ping(self) -> None:
        """Raise StoreUnavailable when the store cannot be reached."""

    async def close(self) -> None: ...


class SearchStore(Protocol):
    async def upsert(self, doc: Any) -> bool:
        """Insert or replace the report of `doc.ref.doc_id`; False when that version is already there."""

    async def search(self, query: str, **filters: Any) -> list[dict]: ...

    async def get_report(self, doc_id: str) -> dict | None: ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...
