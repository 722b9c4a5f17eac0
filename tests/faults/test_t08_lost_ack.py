"""T8 — an ack that comes too late (handler longer than ack_wait=1 s, no in_progress): with two
worker processes on the durable the server redelivers to the other one while the first is still
busy; both finish and the end state is the same as with one delivery. The variant that sends
in_progress() heartbeats (the parser, every ack_wait/3) is never redelivered."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from tests.faults.test_t03_worker_hard_kill import held_inside_handler
from tests.support.feeding import ledger_for, seed, use_s3
from tests.support.harness import AckTap, until

pytestmark = [pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(180)]

HOLD_S = 1.5
SEED = "002_096eb810ffb81dcc.txt"


class SqliteWriteLock:
    """Holds the search store's write lock (BEGIN IMMEDIATE) from a thread of the test."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, timeout=10, check_same_thread=False, isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.close()


async def indexer_in_flight(js) -> bool:
    return (await js.consumer_info("DOCS", "indexer")).num_ack_pending >= 1


async def test_a_late_ack_is_redelivered_to_the_other_worker_and_changes_nothing(pipelines, seeds):
    p = await pipelines(ack_wait_s=1).start("parser", "validator", "indexer")
    p.spawn("indexer", name="indexer-2")
    await p.workers[-1].started()
    tap = await AckTap(p.nc, "DOCS", "indexer").start()
    ledger = ledger_for(p)
    warm, _ = await seed(p, ledger, seeds[SEED], "t8-warm")  # creates the store's tables
    await ledger.settle(within=60)

    lock = await asyncio.to_thread(SqliteWriteLock, p.config.search_url.removeprefix("sqlite:///"))
    event, _ = await seed(p, ledger, seeds[SEED], "t8")
    await until(lambda: indexer_in_flight(p.js), 30, 0.02, "indexer busy")
    await asyncio.sleep(HOLD_S)
    await asyncio.to_thread(lock.release)
    snap = await ledger.check(within=60)
    await tap.stop()

    validated_seq = next(
        e.seq
        for e in snap.docs
        if e.subject.startswith("doc.validated.") and event.ref.doc_id.encode() in e.data
    )
    delivered = sorted(s["delivered"] for s in tap.of(validated_seq, "+ACK"))
    assert delivered[0] == 1 and delivered[-1] >= 2  # redelivered after ack_wait, both acked
    assert snap.outcome((event.ref.doc_id, event.ref.version)) == "indexed"
    assert snap.count("doc.indexed.") == 2 and len(snap.index) == 2  # one per doc, not per delivery


@pytest.mark.s3
async def test_in_progress_heartbeats_keep_a_slow_handler_from_being_redelivered(
    pipelines, s3_proxy, seeds
):
    p = use_s3(pipelines(ack_wait_s=1), s3_proxy)
    await p.start("parser", "validator", "indexer")
    p.spawn("parser", name="parser-2")
    await p.workers[-1].started()
    tap = await AckTap(p.nc, "DOCS", "parser").start()
    ledger, event, ack = await held_inside_handler(p, s3_proxy, seeds, "t8-beat")
    await asyncio.sleep(HOLD_S)
    s3_proxy.unstall()
    snap = await ledger.check(within=60)
    await tap.stop()

    kinds = [(s["kind"], s["delivered"]) for s in tap.of(ack.seq)]
    assert ("+WPI", 1) in kinds and kinds[-1] == ("+ACK", 1)
    assert all(d == 1 for _, d in kinds)  # num_redelivered == 0
    assert snap.outcome((event.ref.doc_id, event.ref.version)) == "indexed"
