"""T6 — a transient failure that never heals (the object store behind a cut proxy): the parser
process naks with growing delays, the message is delivered exactly max_deliver=4 times, one
MAX_DELIVERIES advisory lands in DLQ, and the original stays in DOCS (ledger outcome: dead)."""

from __future__ import annotations

import pytest

from tests.support.feeding import ledger_for, seed, use_s3
from tests.support.harness import AckTap

pytestmark = [pytest.mark.nats, pytest.mark.s3, pytest.mark.slow, pytest.mark.timeout(180)]

DELAYS = [0.5, 1.0, 1.5]
SEED = "000_bac61c4872424ad3.txt"


async def test_a_never_healing_store_is_retried_four_times_with_growing_gaps_then_dead_lettered(
    pipelines, s3_proxy, seeds
):
    p = use_s3(pipelines(max_deliver=4, nak_delays_s=DELAYS, store_timeout_s=1), s3_proxy)
    await p.start("parser", "validator", "indexer")
    tap = await AckTap(p.nc, "DOCS", "parser").start()
    ledger = ledger_for(p)
    # stored while the store was up, published once it is down: the store is cut first, or a
    # fast parser would read the object before the outage (the flake this order fixes)
    event, ack = await seed(p, ledger, seeds[SEED], "t6", before_publish=s3_proxy.down)

    snap = await ledger.check(within=90)
    await tap.stop()
    parser = p.worker("parser")

    settled = [s for s in tap.of(ack.seq) if s["kind"] != "+WPI"]
    assert [(s["kind"], s["delivered"]) for s in settled] == [("-NAK", n) for n in (1, 2, 3, 4)]
    # nak n reaches the server (and the tap) at t; the server redelivers no earlier than t + delay,
    # and nak n+1 follows that delivery: so the naks are at least the delay apart (tap jitter aside)
    gaps = [b["at"] - a["at"] for a, b in zip(settled, settled[1:], strict=False)]
    assert [round(g, 2) >= d - 0.05 for g, d in zip(gaps, DELAYS, strict=True)] == [True] * 3, gaps
    assert snap.outcome((event.ref.doc_id, event.ref.version)) == "dead:parser"
    assert (await p.js.get_msg("DOCS", ack.seq)).subject == "doc.fetched.sample"
    assert await parser.metric("nianbao_dead_letters_total", stage="parser") == 1
    assert await parser.metric("nianbao_retries_total", stage="parser") == 4
