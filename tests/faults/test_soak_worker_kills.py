"""Soak — the pipeline under a sustained stream of reports while workers are SIGKILLed and
restarted (issue #18 item 7). The fault suite's ledger checks the end state: every published
report indexed exactly once (0 lost, 0 duplicate effects), nothing pending or unacknowledged.

Bounded for CI (NIANBAO_SOAK_REPORTS, default 3,000 reports, 4 kills); `make soak` runs it larger.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from nianbao.embedded.feed import fetched_event
from nianbao.samples.render import render_text
from nianbao.samples.synth import synth_report
from tests.support.feeding import SEED_URL, ledger_for, publish_fetched, put_object

REPORTS = int(os.environ.get("NIANBAO_SOAK_REPORTS", "3000"))
KILLS = int(os.environ.get("NIANBAO_SOAK_KILLS", "4"))
STAGES = ("parser", "validator", "indexer", "parser")  # the kill order, round robin

pytestmark = [
    pytest.mark.nats,
    pytest.mark.slow,
    pytest.mark.timeout(max(600, REPORTS // 4)),
]


async def test_a_sustained_stream_survives_worker_kills_with_nothing_lost_or_duplicated(pipelines):
    p = await pipelines(ack_wait_s=5).start("parser", "validator", "indexer")
    ledger = ledger_for(p)
    docs = [render_text(synth_report("2021" if i % 3 else "2019", i)).encode() for i in range(60)]
    published: list = []
    # kill n happens once (n + 1) / (KILLS + 1) of the stream is out: spread over the run
    marks = {(n + 1) * REPORTS // (KILLS + 1): asyncio.Event() for n in range(KILLS)}

    async def produce() -> None:
        for i in range(REPORTS):
            # a distinct document each time: a unique line makes a new version
            data = docs[i % len(docs)] + f"\n（第{i}份）\n".encode()
            event = fetched_event(data, SEED_URL.format(f"soak-{i}"), content_type="text/plain")
            await put_object(p, event, data)
            published.append(event)
            await publish_fetched(p, ledger, event)
            if len(published) in marks:
                marks[len(published)].set()

    async def kill() -> None:
        for n, reached in enumerate(marks.values()):
            await reached.wait()
            stage = STAGES[n % len(STAGES)]
            await asyncio.to_thread(p.worker(stage).kill)
            await p.spawn(stage, name=f"{stage}-after-kill-{n + 1}").started()

    await asyncio.gather(produce(), kill())
    snap = await ledger.check(within=max(300, REPORTS / 10))

    outcomes = [snap.outcome((e.ref.doc_id, e.ref.version)) for e in published]
    assert outcomes.count("indexed") == REPORTS  # 0 lost
    assert len(snap.index) == REPORTS  # one index row each: 0 duplicate effects
    assert [snap.count(f"doc.{k}.") for k in ("fetched", "parsed", "validated", "indexed")] == [
        REPORTS
    ] * 4
