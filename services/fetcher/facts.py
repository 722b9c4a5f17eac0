"""The crawl facts the fetcher keeps in the index (dead links, list coverage), through the search
store opened on first use: a search store that is down when the fetcher starts does not stop it
from crawling (the crawler logs and counts a fact it could not write, and the next call tries to
open the store again).

Settings read: search (and the store's own: store_timeout_s, search_migrate).
"""

from __future__ import annotations

import asyncio
import logging

from shared.config import Settings
from shared.storage.factory import open_search_store

log = logging.getLogger("nianbao.fetcher")


class IndexFacts:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._store = None
        self._lock = asyncio.Lock()

    async def open(self) -> IndexFacts:
        """Open the store now if it is up (the fetcher's start): the store's imports and first
        connection then cost before crawling, not in the middle of a crawl. Down is not fatal:
        the first fact opens it."""
        try:
            await self._open()
        except Exception as exc:  # noqa: BLE001 - logged; the crawl does not need the index
            log.warning("index for crawl facts not open yet: %s: %s", type(exc).__name__, exc)
        return self

    async def _open(self):
        async with self._lock:
            if self._store is None:
                self._store = await open_search_store(settings=self.settings)
            return self._store

    async def put_dead_link(self, link: dict) -> None:
        await (await self._open()).put_dead_link(link)

    async def clear_dead_link(self, url: str) -> None:
        await (await self._open()).clear_dead_link(url)

    async def put_coverage(self, row: dict) -> None:
        await (await self._open()).put_coverage(row)

    async def close(self) -> None:
        if self._store is not None:
            await self._store.close()
            self._store = None
