"""Interfaces of the two stores. Backends are chosen by URL (shared/storage/factory.py):
objects `file://…` or `s3://bucket?endpoint=…`; search `sqlite:///…` or `postgresql://…`.
Backend errors that may heal (server down, file locked) are raised as StoreUnavailable
(transient); everything else propagates."""

from __future__ import annotations

from collections.abc import AsyncIterator
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

    async def get(self, key: str) -> bytes:
        """The object's bytes, verified against the sha256 its key names: CorruptObject when
        they do not match, ObjectMissing when absent."""

    async def exists(self, key: str) -> bool: ...

    async def keys(self, prefix: str = "raw/") -> list[str]:
        """Every object key under `prefix` (for `nianbao objects verify`)."""

    async def head(self, key: str) -> ObjectMeta | None: ...

    def iter_chunks(self, key: str, chunk_size: int = 1 << 20) -> AsyncIterator[bytes]:
        """Stream an object's bytes (async generator); ObjectMissing when absent."""

    async def presigned_url(self, key: str, expires_s: int = 3600) -> str:
        """A download link: presigned for S3, file:// for the directory store."""

    async def ping(self) -> None:
        """Raise StoreUnavailable when the store cannot be reached."""

    async def close(self) -> None: ...


class SearchStore(Protocol):
    async def upsert(self, doc: Any) -> bool:
        """Insert or replace the report of `doc.ref.doc_id`; False when that version is already there."""

    async def search(
        self, query: str = "", *, limit: int = 20, offset: int = 0, **filters: Any
    ) -> list[dict]:
        """Filters: year, agency (exact, or `*pattern*`), rule, status, format, level,
        division_code, portal. Rows: doc_id, version, title, agency, year, status, snippet, score…"""

    async def facets(self, query: str = "", **filters: Any) -> dict[str, dict]:
        """Report counts by year, agency, rule, status and format over the matching reports."""

    async def sum_cells(
        self, table: str, row: str, col: str, *, group_by: str | None = "year", **filters: Any
    ) -> dict:
        """{group: {sum, numbers, reports, not_numbers}}; only numeric cells are summed."""

    async def get_report(self, doc_id: str) -> dict | None: ...

    async def previous_report(self, agency: str, year: int) -> Any:
        """The ParsedReport of `agency` for `year - 1` (pass the current report's year), or None."""

    async def count(self) -> int: ...

    async def content_fingerprint(self) -> str:
        """A digest of what an export of every report reads (each report's identity, version,
        status, versions and when it was indexed; every finding) that changes when any of it
        does: `nianbao web` serves its snapshot again instead of rebuilding it when they match."""
        ...

    async def resolve(self, prefix: str, limit: int = 2) -> list[str]:
        """doc_ids starting with `prefix`."""

    async def stale(self, parser_version: str, validator_version: str) -> list[str]:
        """doc_ids indexed by another parser or validator version (for `nianbao reprocess --stale`)."""

    async def load_reports(self, doc_ids: list[str]) -> dict[str, Any]:
        """doc_id → its ParsedReport (source_url filled from the index when empty), for the ones
        indexed; one query for the lot."""

    async def replace_duplicate_findings(self, year: int, findings: dict[str, list[Any]]) -> int:
        """In one transaction: delete every X-* finding of the reports of `year`, add `findings`
        (doc_id → X-* Findings) to those of them still indexed with that year, and recount their
        n_findings. Returns the findings written. Running it twice with the same input leaves
        the same rows (`nianbao duplicates` is rerun nightly)."""

    # crawl facts (services/indexer/facts.py writes them, `nianbao missing` reads them)
    async def put_dead_link(self, link: dict) -> None:
        """A listed URL answering 404/410; `since` stays the first time, `last_checked` the last."""

    async def clear_dead_link(
        self, url: str, checked_at: float | None = None, portal: str = ""
    ) -> None:
        """The URL answered at `checked_at` (None: now): no longer dead unless found dead later."""

    async def dead_links(self, portal: str | None = None) -> list[dict]:
        """Listed links answering 404/410 now (url, portal, status, since, last_checked, …)."""

    async def put_coverage(self, row: dict) -> None:
        """A portal's list coverage, unless a newer one (checked_at) is already there."""

    async def coverage(self) -> dict[str, dict]: ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...
