"""T4 — SIGTERM to a parser process during a 3 s handler (its object-store read held by a stalled
proxy). With graceful_timeout=10 the handler finishes and acks (no nak, no term) and the process
exits well before 10 s; with graceful_timeout=1 the message is left unacked and comes again
(never nak'ed or terminated)."""

from __future__ import annotations

import asyncio
import signal
import time

import pytest

from tests.faults.test_t03_worker_hard_kill import held_inside_handler
from tests.support.feeding import use_s3
from tests.support.harness import AckTap

pytestmark = [pytest.mark.nats, pytest.mark.s3, pytest.mark.slow, pytest.mark.timeout(180)]

HANDLER_S = 3.0


async def sigterm_during_slow_handler(p, proxy, seeds, name):
    tap = await AckTap(p.nc, "DOCS", "parser").start()
    stalled = time.monotonic()
    ledger, event, ack = await held_inside_handler(p, proxy, seeds, name)
    asyncio.get_running_loop().call_at(
        asyncio.get_running_loop().time() + HANDLER_S - (time.monotonic() - stalled), proxy.unstall
    )
    parser = p.worker("parser")
    parser.signal(signal.SIGTERM)
    sent = time.monotonic()
    code = await parser.exited(30)
    return tap, ledger, ack, event, time.monotonic() - sent, code


def settlements(tap, seq):
    return [(s["kind"], s["delivered"]) for s in tap.of(seq) if s["kind"] != "+WPI"]


async def test_sigterm_lets_the_in_flight_handler_finish_and_ack_before_exit(
    pipelines, s3_proxy, seeds
):
    p = await use_s3(pipelines(graceful_timeout_s=10, ack_wait_s=30), s3_proxy).start(
        "parser", "validator", "indexer"
    )
    tap, ledger, ack, event, took, code = await sigterm_during_slow_handler(
        p, s3_proxy, seeds, "t4-ok"
    )
    snap = await ledger.check(within=60)
    await tap.stop()

    assert code == 0 and took < 10
    assert settlements(tap, ack.seq) == [("+ACK", 1)]
    assert snap.outcome((event.ref.doc_id, event.ref.version)) == "indexed"


async def test_past_the_graceful_timeout_the_message_stays_unacked_and_is_redelivered(
    pipelines, s3_proxy, seeds
):
    p = await use_s3(pipelines(graceful_timeout_s=1, ack_wait_s=2), s3_proxy).start(
        "parser", "validator", "indexer"
    )
    tap, ledger, ack, event, took, code = await sigterm_during_slow_handler(
        p, s3_proxy, seeds, "t4-cut"
    )
    await p.spawn("parser", name="parser-2").started()
    snap = await ledger.check(within=60)
    await tap.stop()

    assert code == 0
    # the first delivery was neither acked nor nak'ed nor terminated; the second one was acked
    assert settlements(tap, ack.seq) == [("+ACK", 2)]
    assert snap.outcome((event.ref.doc_id, event.ref.version)) == "indexed"
    assert snap.count("doc.parsed.") == 1
