"""T10 on PostgreSQL: the search store is down while the pipeline runs. Validator and indexer nak
with delay (StoreUnavailable is transient), nothing is dead-lettered, and once PostgreSQL is back
the backlog drains: every report indexed exactly once."""

from __future__ import annotations

import asyncio
import io

import pytest

from shared.config import load
from shared.launcher import RunOptions, outcomes, run
from shared.storage.factory import open_search_store

pytestmark = [pytest.mark.nats, pytest.mark.postgres, pytest.mark.slow]


async def _restart_when_retrying(server, before: dict) -> None:
    """Bring PostgreSQL back once the indexer or validator has nak'ed at least twice."""
    for _ in range(600):
        now = outcomes()
        retried = sum(now[s]["retried"] - before[s]["retried"] for s in ("validator", "indexer"))
        if retried >= 2:
            break
        await asyncio.sleep(0.2)
    await asyncio.to_thread(server.start)


@pytest.mark.timeout(300)
async def test_postgres_down_mid_run_then_back_drains_the_backlog(tmp_path, fresh_pg, seeds):
    settings = load(
        env={},
        data_dir=str(tmp_path / "data"),
        search=fresh_pg.url,
        min_delay_s=0.0,
        nak_delays_s=[1.0, 2.0],
        max_deliver=30,
    )
    store = await open_search_store(settings=settings, migrate=True)
    await store.close()
    fresh_pg.stop()

    before = outcomes()
    restarter = asyncio.create_task(_restart_when_retrying(fresh_pg, before))
    result = await run(settings, RunOptions(live=False, timeout_s=240), out=io.StringIO())
    await restarter
    after = outcomes()

    assert result.idle
    assert result.indexed == len(seeds) == 5
    delta = {s: {o: after[s][o] - before[s][o] for o in after[s]} for s in after}
    assert sum(delta[s]["dead_lettered"] for s in delta) == 0
    assert delta["indexer"]["retried"] + delta["validator"]["retried"] >= 2
    assert delta["indexer"]["ok"] >= 5

    store = await open_search_store(settings=settings)
    try:
        assert await store.count() == 5
        rows = await store.search("", limit=50)
        assert len({r["doc_id"] for r in rows}) == 5
    finally:
        await store.close()
