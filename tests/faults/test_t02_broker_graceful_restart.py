"""T2 — nats-server stopped with SIGTERM (clean shutdown) mid-stream and restarted: the same as T1,
and since a clean stop persists every ack, (almost) nothing is delivered twice."""

from __future__ import annotations

from collections import Counter

import pytest

from shared.topology import STAGES as TOPOLOGY
from tests.faults.test_t01_broker_hard_kill import STAGES, crash_mid_stream
from tests.support.harness import AckTap

pytestmark = [pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(400)]

N = 300


async def test_broker_sigterm_mid_stream_loses_nothing_and_redelivers_almost_nothing(
    pipelines, seeds
):
    p = await pipelines(ack_wait_s=10).start(*STAGES)
    tap = await AckTap(p.nc).start()
    ledger, pids, resumed = await crash_mid_stream(p, seeds, N, p.broker.terminate)

    snap = await ledger.check(within=300)
    await tap.stop()

    assert {w.name: w.pid for w in p.workers} == pids and all(w.alive for w in p.workers)
    assert resumed < 10, f"stages resumed {resumed:.1f}s after the broker came back"
    assert snap.count("doc.fetched.") == N and len(snap.index) == N
    assert {snap.outcome(k) for k in snap.inputs} == {"indexed"}
    assert (
        sum(1 for s in tap.seen if s["consumer"] == "indexer" and s["kind"] == "+ACK") >= N
    )  # the tap sees acks
    # ≈ 0: per stage at most the message being handled when the server went away (its ack is
    # lost) and the one already on the wire in the pull response (delivered, never received)
    redelivered = Counter(
        s["consumer"] for s in tap.seen if s["delivered"] > 1 and s["kind"] == "+ACK"
    )
    assert set(redelivered) <= {s.name for s in TOPOLOGY.values()}
    assert all(n <= 2 for n in redelivered.values()), redelivered
