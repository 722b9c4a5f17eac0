"""T5 — poison messages on doc.fetched (bytes that are not JSON, JSON of an unknown tag, a
doc.fetched missing required fields, a well-formed one the parser rejects permanently) between
good ones: each poison is delivered once and terminated, recorded as doc.rejected with its reason,
dead-lettered with its original fetchable, counted in /metrics — and the good ones all get
through (no head-of-line blocking)."""

from __future__ import annotations

import json

import pytest

from tests.support.feeding import ledger_for, seed
from tests.support.harness import AckTap, until

pytestmark = [pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(180)]

POISON = {
    "not_json": b"\xff\xfe not json at all",
    "unknown_tag": b'{"type":"doc.unknown","ref":{}}',
    "wrong_schema": b'{"type":"doc.fetched","size":"many"}',
}


async def test_each_poison_is_terminated_once_and_dead_lettered_while_good_docs_flow(
    pipelines, seeds
):
    p = await pipelines(dlq_interval_s=0.5).start("parser", "validator", "indexer")
    tap = await AckTap(p.nc, "DOCS", "parser").start()
    ledger = ledger_for(p)
    names = sorted(seeds)
    seqs, good = {}, []
    for i, (label, payload) in enumerate(POISON.items()):
        good.append((await seed(p, ledger, seeds[names[i]], f"good-{i}"))[0])
        seqs[label] = (await ledger.publish("doc.fetched.sample", payload, f"poison-{label}")).seq
    not_a_report, ack = await seed(p, ledger, "本页面没有年度报告。".encode(), "not-a-report")
    seqs["permanent"] = ack.seq
    good.append((await seed(p, ledger, seeds[names[3]], "good-last"))[0])

    snap = await ledger.check(within=90)
    await tap.stop()
    dlq = [
        json.loads((await p.js.get_msg("DLQ", s)).data)
        for s in range(1, (await p.js.stream_info("DLQ")).state.last_seq + 1)
    ]
    parser = p.worker("parser")

    for label, seq in seqs.items():
        assert [(s["kind"], s["delivered"]) for s in tap.of(seq) if s["kind"] != "+WPI"] == [
            ("+TERM", 1)
        ], label
        (advisory,) = [a for a in dlq if a["stream_seq"] == seq]
        assert advisory["type"].endswith(".terminated") and advisory["consumer"] == "parser"
        assert (await p.js.get_msg("DOCS", seq)).data  # the original stays fetchable
    reasons = {
        label: snap.outcome(("seq", seq)) for label, seq in seqs.items() if label != "permanent"
    }
    assert reasons == {label: "rejected:parser:decode_error" for label in POISON}
    assert snap.outcome((not_a_report.ref.doc_id, not_a_report.ref.version)).startswith(
        "rejected:parser:"
    )
    assert {snap.outcome((e.ref.doc_id, e.ref.version)) for e in good} == {"indexed"}
    assert (
        await parser.metric("nianbao_rejections_total", stage="parser", reason="decode_error") == 3
    )
    assert await parser.metric("nianbao_messages_total", stage="parser", outcome="rejected") == 4
    # the dead-letter backlog gauge (refreshed every dlq_interval_s) counts the four entries
    await until(lambda: _backlog_is(parser, 4), 30, 0.2, "dlq backlog gauge at 4")


async def _backlog_is(worker, n):
    return await worker.metric("nianbao_dlq_backlog", stage="parser") == n
