"""T1 — nats-server SIGKILLed mid-stream and restarted on the same port and store: the confirmed
inputs are all there once (the publisher retried with the same Msg-Id), the stage processes resume
on their own (no restart) and every document is indexed exactly once."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.support.feeding import ledger_for, seed
from tests.support.harness import until

pytestmark = [pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(400)]

N = 500
STAGES = ("parser", "validator", "indexer")


async def handled(p, stage: str) -> float:
    return await p.worker(stage).metric("nianbao_messages_total", stage=stage, outcome="ok")


async def crash_mid_stream(p, seeds, n: int, crash) -> tuple:
    """Publish n docs at a steady pace in the background, `crash` the broker when half are
    published (so publishes, handlers and acks are all in flight), restart it on the same port and
    store; return (ledger, worker pids before, seconds until every stage handled a message again)."""
    ledger = ledger_for(p)
    names = sorted(seeds)
    half = asyncio.Event()

    async def publish_all():
        for i in range(n):
            if i == n // 2:
                half.set()
            await seed(p, ledger, seeds[names[i % len(names)]], f"crash-{i:04d}")
            await asyncio.sleep(0.02)

    publishing = asyncio.create_task(publish_all())
    try:
        await asyncio.wait_for(half.wait(), 120)
        pids = {w.name: w.pid for w in p.workers}
        await asyncio.to_thread(crash)
        before = {s: await handled(p, s) for s in STAGES}  # from /metrics: the workers live on
        await asyncio.sleep(1.0)  # the workers notice and start reconnecting
        await asyncio.to_thread(p.broker.start)
        back = time.monotonic()
        for s in STAGES:  # the publisher goes on, so every stage has new work: it must take it
            await until(lambda s=s: _moved(p, s, before[s]), 60, 0.1, f"{s} resumed")
        resumed = time.monotonic() - back
        await asyncio.wait_for(publishing, 240)
    finally:
        publishing.cancel()
    return ledger, pids, resumed


async def _moved(p, stage, before):
    return await handled(p, stage) > before


async def test_broker_sigkill_mid_stream_loses_nothing_and_workers_resume_without_restart(
    pipelines, seeds
):
    p = await pipelines(ack_wait_s=10).start(*STAGES)
    ledger, pids, resumed = await crash_mid_stream(p, seeds, N, p.broker.kill)

    snap = await ledger.check(within=300)

    assert {w.name: w.pid for w in p.workers} == pids and all(w.alive for w in p.workers)
    assert resumed < 10, f"stages resumed {resumed:.1f}s after the broker came back"
    assert snap.count("doc.fetched.") == N  # retried publishes were deduplicated by Msg-Id
    assert len(snap.index) == N
    assert {snap.outcome(k) for k in snap.inputs} == {"indexed"}
