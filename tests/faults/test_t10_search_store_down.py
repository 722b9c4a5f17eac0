"""T10 — the search store unavailable for 20 s while documents flow: PostgreSQL stopped (then
started again on its data), or SQLite's write lock held by another connection. The stages that
need it nak with delay, nothing is dead-lettered, the consumer-lag gauges rise and come back to
0, and every document is indexed exactly once."""

from __future__ import annotations

import asyncio

import pytest

from tests.faults.test_t08_lost_ack import SqliteWriteLock
from tests.support.feeding import ledger_for, seed
from tests.support.harness import until

pytestmark = [pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(300)]

OUTAGE_S = 20
STORE = {"store_timeout_s": 1, "max_deliver": 40, "nak_delays_s": [0.5, 1.0, 2.0]}


async def lag(p, stages=("validator", "indexer")) -> float:
    total = 0.0
    for s in stages:
        w = p.worker(s)
        total += await w.metric("nianbao_consumer_pending", consumer=s)
        total += await w.metric("nianbao_consumer_ack_pending", consumer=s)
    return total


async def retried(p, stages=("validator", "indexer")) -> float:
    return sum([await p.worker(s).metric("nianbao_retries_total", stage=s) for s in stages])


async def ride_out(p, seeds, outage_start, outage_end, stages):
    """One doc before the outage, four during it; return (ledger, snapshot, peak lag)."""
    ledger = ledger_for(p)
    names = sorted(seeds)
    await seed(p, ledger, seeds[names[0]], "before")
    await ledger.settle(within=60)
    await outage_start()
    for i, name in enumerate(names[1:]):
        await seed(p, ledger, seeds[name], f"during-{i}")
    await until(lambda: retried(p, stages), 60, 0.2, "naks")
    peak = 0.0
    for _ in range(int(OUTAGE_S / 0.5)):
        peak = max(peak, await lag(p, stages))
        await asyncio.sleep(0.5)
    await outage_end()
    snap = await ledger.check(within=120)
    await until(lambda: _zero(p, stages), 30, 0.2, "lag gauges back to 0")
    return ledger, snap, peak


async def _zero(p, stages):
    return await lag(p, stages) == 0


def assert_indexed_once(snap, n):
    assert len(snap.index) == n
    assert {o for v in snap.outcomes.values() for o in v} == {"indexed"}  # nothing dead or rejected


@pytest.mark.postgres
async def test_postgres_stopped_for_20s_is_ridden_out_and_every_doc_is_indexed_once(
    pipelines, fresh_pg, seeds
):
    p = await pipelines(search=fresh_pg.url, search_migrate=True, **STORE).start(
        "parser", "validator", "indexer"
    )
    _, snap, peak = await ride_out(
        p,
        seeds,
        lambda: asyncio.to_thread(fresh_pg.stop),
        lambda: asyncio.to_thread(fresh_pg.start),
        ("validator", "indexer"),
    )
    assert_indexed_once(snap, len(seeds))
    assert peak >= 1


async def test_sqlite_locked_for_20s_is_ridden_out_and_every_doc_is_indexed_once(pipelines, seeds):
    p = await pipelines(**STORE).start("parser", "validator", "indexer")
    lock = {}

    async def take():
        lock["held"] = await asyncio.to_thread(
            SqliteWriteLock, p.config.search_url.removeprefix("sqlite:///")
        )

    async def release():
        await asyncio.to_thread(lock["held"].release)

    _, snap, peak = await ride_out(p, seeds, take, release, ("indexer",))
    assert_indexed_once(snap, len(seeds))
    assert peak >= 1
