"""What the operator commands share: a broker connection and, for year/agency filters on events
that do not carry them, the doc ids the search index has.

Settings read: nats_url (and, through open_search_store, search / data_dir / store_timeout_s).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from nianbao.cli.connection import connect
from shared.config import Settings
from shared.runtime.broker import DEFAULT_URL

PAGE = 1000


@contextlib.asynccontextmanager
async def broker(settings: Settings) -> AsyncIterator[object]:
    """A nats-py JetStream context; the connection closes (flushing pending publishes) on exit.
    BrokerUnreachable when the broker does not answer (the command says where it looked)."""
    nc = await connect(settings.nats_url or DEFAULT_URL)
    # A broker absent at the start fails within a second; one that restarts under a long replay
    # is waited for (5 attempts, 1 s apart), as before.
    nc.options.update(max_reconnect_attempts=5, reconnect_time_wait=1)
    try:
        yield nc.jetstream(publish_async_max_pending=4000)
    finally:
        await nc.close()


async def ids_from_index(search, years: frozenset[int], agencies: frozenset[str]) -> frozenset[str]:
    """doc ids of indexed reports of any of `years` and any of `agencies` (`*x*` patterns work)."""
    ids: set[str] = set()
    for year in sorted(years) or [None]:
        for agency in sorted(agencies) or [None]:
            offset = 0
            while True:
                rows = await search.search(
                    "", limit=PAGE, offset=offset, year=year, agency=_store_pattern(agency)
                )
                ids.update(r["doc_id"] for r in rows)
                if len(rows) < PAGE:
                    break
                offset += PAGE
    return frozenset(ids)


def _store_pattern(agency: str | None) -> str | None:
    """The store understands exact names and `*x*`; a glob with * inside becomes `*x*` around it."""
    if agency is None or agency.startswith("*") or agency.endswith("*") or "*" not in agency:
        return agency
    return f"*{agency.strip('*')}*"
