"""T9/T10 on the production backends: a store is down while the pipeline runs. The stages that need
it nak with delay (StoreUnavailable is transient), nothing is dead-lettered, and once the server is
back the backlog drains: every report indexed exactly once."""

from __future__ import annotations

import asyncio
import io
import uuid

import pytest

from nianbao.launcher import RunOptions, outcomes, run
from shared.config import load
from shared.storage.factory import open_search_store

pytestmark = [pytest.mark.nats, pytest.mark.slow]


async def _restart_when_retrying(server, before: dict, stages: tuple[str, ...]) -> None:
    """Bring the server back once the stages that need it have nak'ed at least twice."""
    for _ in range(600):
        now = outcomes()
        retried = sum(now[s]["retried"] - before[s]["retried"] for s in stages)
        if retried >= 2:
            break
        await asyncio.sleep(0.2)
    await asyncio.to_thread(server.start)


async def _run_through_outage(settings, server, stages: tuple[str, ...]) -> tuple:
    """`nianbao run` while `server` is down, restarting it once `stages` retry; (result, outcome
    deltas by stage)."""
    before = outcomes()
    restarter = asyncio.create_task(_restart_when_retrying(server, before, stages))
    result = await run(settings, RunOptions(live=False, timeout_s=240), out=io.StringIO())
    await restarter
    after = outcomes()
    return result, {s: {o: after[s][o] - before[s][o] for o in after[s]} for s in after}


@pytest.mark.postgres
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

    result, delta = await _run_through_outage(settings, fresh_pg, ("validator", "indexer"))

    assert result.idle
    assert result.indexed == len(seeds) == 5
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


@pytest.mark.s3
@pytest.mark.timeout(300)
async def test_s3_down_at_start_then_back_loses_nothing(tmp_path, fresh_moto, seeds):
    settings = load(
        env={
            "NIANBAO_S3_ACCESS_KEY": "k",
            "NIANBAO_S3_SECRET_KEY": "s",
            "NIANBAO_STORE_TIMEOUT_S": "1",
        },
        data_dir=str(tmp_path / "data"),
        object_store=f"s3://raw-{uuid.uuid4().hex[:8]}?endpoint={fresh_moto.endpoint}&secure=false",
        min_delay_s=0.0,
        nak_delays_s=[1.0, 2.0],
        max_deliver=30,
    )
    fresh_moto.stop()  # moto keeps no state across restarts, so the outage starts before any write

    result, delta = await _run_through_outage(settings, fresh_moto, ("fetcher", "parser"))

    assert result.idle
    assert result.indexed == len(seeds) == 5
    assert sum(delta[s]["dead_lettered"] for s in delta) == 0
    assert delta["fetcher"]["retried"] + delta["parser"]["retried"] >= 2
