"""Group commit for the indexer: concurrent `upsert` calls share one `upsert_many` transaction.

The indexer runs up to `max_workers` handlers at once, each upserting one report. A commit is the
dear part of an upsert (SQLite: ~a third of the indexer's CPU went to COMMIT writing the same
b-tree pages to the WAL once per report), so the upserts that arrive while a transaction is being
written wait for it to finish and then go together in the next one. Nothing waits on a timer: an
upsert alone is written at once, a burst coalesces by itself.

Every caller still gets its own answer, so per-message ack / nak / term is unchanged:
- the batch commits → each caller gets what `upsert(event)` would have returned;
- the store is unavailable (`TransientError`, e.g. StoreUnavailable) → every caller of that batch
  gets that error (all naked and retried; no one-by-one retry against a store that is down);
- any other error (one bad report) → the batch is rolled back and each report is written alone,
  so only the culprit fails and the others are indexed.
A caller cancelled (shutdown) while its batch is in flight just stops waiting: the write is an
idempotent upsert, and its message is redelivered after ack_wait.

Settings read: none (the batch bound is passed in: max_workers, reliability.md pitfall 3).
"""

from __future__ import annotations

import asyncio
from typing import Any

from shared.errors import TransientError


class GroupCommit:
    """Wraps a search store; `upsert` coalesces concurrent calls, everything else passes through."""

    def __init__(self, store: Any, max_batch: int) -> None:
        self.store = store
        self.max_batch = max(1, max_batch)
        self._pending: list[tuple[Any, asyncio.Future]] = []
        self._writer: asyncio.Task | None = None
        self.batches: list[int] = []  # sizes of the last batches written (for tests and the bench)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    async def upsert(self, event: Any) -> bool:
        fut = asyncio.get_running_loop().create_future()
        self._pending.append((event, fut))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        return await fut

    async def _write_all(self) -> None:
        while self._pending:
            batch = self._pending[: self.max_batch]
            del self._pending[: self.max_batch]
            try:
                await self._write(batch)
            except asyncio.CancelledError:  # the loop is shutting down: nobody is left waiting
                for _, fut in batch + self._pending:
                    fut.cancel()
                self._pending.clear()
                raise

    async def _write(self, batch: list[tuple[Any, asyncio.Future]]) -> None:
        self.batches = [*self.batches[-99:], len(batch)]
        events = [e for e, _ in batch]
        try:
            results = (
                await self.store.upsert_many(events)
                if len(events) > 1
                else [await self.store.upsert(events[0])]
            )
        except TransientError as exc:
            for _, fut in batch:
                _settle(fut, exc=exc)
            return
        except Exception:  # noqa: BLE001 - one bad report must not fail the others: write alone
            for event, fut in batch:
                try:
                    _settle(fut, await self.store.upsert(event))
                except Exception as exc:  # noqa: BLE001 - handed to its own caller
                    _settle(fut, exc=exc)
            return
        for (_, fut), result in zip(batch, results, strict=True):
            _settle(fut, result)


def _settle(fut: asyncio.Future, result: Any = None, exc: BaseException | None = None) -> None:
    if fut.done():  # the caller was cancelled
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(result)
