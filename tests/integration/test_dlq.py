"""Dead letters on a real nats-server: a message the real parser terminated, and one whose
transient failures exhausted its deliveries, are listed with stage, reason and delivery count,
shown with their original, and redriven to success once the fault is fixed; the backlog gauge
follows; `nianbao dlq` prints the same."""

from __future__ import annotations

import asyncio
import json

import nats
import pytest

from nianbao.embedded.feed import fetched_event, fetched_outgoing, store_bytes
from nianbao.ops.dlq import dismiss, redrive
from shared import metrics, topology
from shared.config import load
from shared.errors import StoreUnavailable
from shared.events import REPLAY_HEADER, decode
from shared.runtime.deadletters import DeadLetters
from shared.runtime.publish import Publisher
from shared.runtime.service import Service, StageDeps
from tests.support.replaying import URL, Pipeline, publish_synthetic, run_cli, stored, until

pytestmark = pytest.mark.nats


def backlog(stage: str, kinds=("expected", "exhausted", "failure")) -> float:
    return sum(metrics.DLQ_BACKLOG.labels(stage, kind)._value.get() for kind in kinds)


async def test_a_terminated_message_is_listed_shown_and_redriven_to_success_after_the_fix(
    nats_server, tmp_path, seeds, capsys
):
    data = next(iter(seeds.values()))
    async with Pipeline(nats_server, tmp_path) as p:
        event = fetched_event(data, URL.format("lost"), content_type="text/plain")
        # the fault: doc.fetched names an object that is not in the store → rejected, terminated
        await Publisher(js=p.js).publish(fetched_outgoing(event))
        dead = await DeadLetters.open(p.js)

        async def listed():
            return len(await dead.entries()) == 1

        await until(listed)
        (entry,) = await dead.entries()
        shown, original = await dead.show(entry.dlq_seq)
        assert await dead.backlog() == {
            "fetcher": 0,
            "parser": 1,
            "ocr": 0,
            "validator": 0,
            "indexer": 0,
        }
        gauge_before = backlog("parser")

        code_list = await asyncio.to_thread(
            run_cli, "dlq", "list", "--json", "--nats-url", p.settings.nats_url
        )
        listed_json = json.loads(capsys.readouterr().out)

        await store_bytes(p.objects, event, data)  # the fix
        code = await asyncio.to_thread(
            run_cli, "dlq", "redrive", str(entry.dlq_seq), "--nats-url", p.settings.nats_url
        )
        await p.idle()
        reports = await p.reports()
        after = await dead.entries(states=("waiting", "redriven", "dismissed"))
        waiting = await dead.entries()
        fetched = await stored(p.js, "doc.fetched")

    assert (entry.stage, entry.kind, entry.reason, entry.deliveries) == (
        "parser",
        "terminated",
        "missing_object",
        1,
    )
    assert entry.subject == "doc.fetched.sample" and entry.doc_id == event.ref.doc_id
    assert "raw/" in entry.detail
    assert decode(original.data) == decode(fetched[0].data) and shown.url == event.ref.url
    assert gauge_before == 1 and backlog("parser") == 0
    assert code_list == 0 and [e["id"] for e in listed_json] == [entry.dlq_seq]
    assert listed_json[0]["reason"] == "missing_object" and listed_json[0]["state"] == "waiting"
    assert code == 0 and list(reports) == [event.ref.doc_id]
    assert [e.state for e in after] == ["redriven"] and waiting == []
    assert fetched[-1].headers[REPLAY_HEADER] == f"redrive:{entry.stream_seq}:1"


async def test_an_exhausted_message_is_redriven_by_stage_filter_once_the_store_is_back(nats_server):
    settings = load(env={}, nats_url=nats_server.url, nak_delays_s=[0.1], max_deliver=2)
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await topology.apply(js, settings)
    state = {"down": True, "handled": []}

    async def handler(event):
        if state["down"]:
            raise StoreUnavailable("search store down")
        state["handled"].append(event.ref.doc_id)
        return []

    async def build(_settings, _service):
        return StageDeps(handler=handler)

    service = Service("parser", settings, build, http_port=0)
    await service.start()
    try:
        await publish_synthetic(js, range(3))
        dead = await DeadLetters.open(js)

        async def all_dead():
            return len(await dead.entries()) == 3

        await until(all_dead)
        entries = await dead.entries(stage="parser", reason="max_deliveries")
        state["down"] = False
        results = await redrive(dead, entries)

        async def handled():
            return len(state["handled"]) == 3

        await until(handled)
        # a second redrive of the same entry gets a new Msg-Id: not swallowed as a duplicate
        again = await redrive(dead, entries[:1])

        async def handled_again():
            return len(state["handled"]) == 4

        await until(handled_again)
        counts = await dead.backlog()
        dismissed_before = await dead.entries(states=("dismissed",))
    finally:
        await service.stop()
        await nc.close()
    assert [(e.kind, e.reason, e.deliveries, e.stage) for e in entries] == [
        ("max_deliveries", "max_deliveries", 2, "parser")
    ] * 3
    assert [e.doc_id for e in entries] == ["doc-00000", "doc-00001", "doc-00002"]
    assert all(seq and not err for _, seq, err in results)
    assert sorted(state["handled"][:3]) == ["doc-00000", "doc-00001", "doc-00002"]
    assert state["handled"][3] == "doc-00000" and again[0][0].record["redrives"] == 2
    assert counts["parser"] == 0 and dismissed_before == []


async def test_dismissed_entries_leave_the_backlog_and_an_expired_original_is_reported(nats_server):
    settings = load(env={}, nats_url=nats_server.url, dlq_interval_s=0.2)
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await topology.apply(js, settings)

    async def build(_settings, _service):
        from shared.errors import NotAReport

        async def reject(event):
            raise NotAReport("an article page")

        return StageDeps(handler=reject)

    service = Service("parser", settings, build, http_port=0)
    await service.start()
    try:
        await publish_synthetic(js, range(2))
        dead = await DeadLetters.open(js)

        async def two():
            return len(await dead.entries()) == 2

        await until(two)

        async def exported():  # the running service refreshes the gauge by itself
            return backlog("parser") == 2

        await until(exported)
        first, second = await dead.entries()
        await dismiss(dead, [first], "not a report")
        await js.delete_msg("DOCS", second.stream_seq)  # the original expires
        results = await redrive(dead, [second])
        counts = await dead.backlog()
        _, gone = await dead.show(second.dlq_seq)
        waiting = await dead.entries()
    finally:
        await service.stop()
        await nc.close()
    assert first.reason == "not_a_report" and first.detail == "an article page"
    assert counts["parser"] == 1 and [e.dlq_seq for e in waiting] == [second.dlq_seq]
    assert results[0][1] is None and "expired" in results[0][2]
    assert gone is None and waiting[0].subject is None


async def test_the_backlog_tells_expected_rejections_from_failures_and_exhausted_retries(
    nats_server,
):
    """What the NianbaoDeadLettersWaiting alert counts (exhausted + failure) is what the run
    summary prints as waiting for a decision; a page that is not a report waits for nobody."""
    from nianbao.progress import dead_letter_line
    from shared.errors import NotAReport, UnreadableDocument

    settings = load(env={}, nats_url=nats_server.url, nak_delays_s=[0.1], max_deliver=2)
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await topology.apply(js, settings)

    async def handler(event):
        n = int(event.ref.doc_id.rsplit("-", 1)[1])
        if n < 3:
            raise NotAReport("an article page")
        if n == 3:
            raise UnreadableDocument("truncated zip")
        raise StoreUnavailable("search store down")

    async def build(_settings, _service):
        return StageDeps(handler=handler)

    service = Service("parser", settings, build, http_port=0)
    await service.start()
    try:
        await publish_synthetic(js, range(5))
        dead = await DeadLetters.open(js)

        async def all_five():
            return len(await dead.entries()) == 5

        await until(all_five)
        counted = DeadLetters(js, dead.kv)  # a fresh reader, as a service starts with
        first = await counted.backlog_kinds()
        gauge = {k: metrics.DLQ_BACKLOG.labels("parser", k)._value.get() for k in first["parser"]}
        line_before = dead_letter_line(first)
        (failure,) = await dead.entries(reason="parse_error")
        await dismiss(dead, [failure], "a broken upload, reported to the portal")
        second = await counted.backlog_kinds()  # reads only what changed
    finally:
        await service.stop()
        await nc.close()
    assert first["parser"] == {"expected": 3, "exhausted": 1, "failure": 1}
    assert gauge == {"expected": 3.0, "exhausted": 1.0, "failure": 1.0}
    assert first["indexer"] == {"expected": 0, "exhausted": 0, "failure": 0}
    assert "waiting for a decision: 2 (parser exhausted 1, parser failure 1)" in line_before
    assert "3 expected rejections kept for inspection" in line_before
    assert second["parser"] == {"expected": 3, "exhausted": 1, "failure": 0}
    assert dead_letter_line({"parser": {"expected": 3, "exhausted": 0, "failure": 0}}) == (
        "dead letters waiting for a decision: none; 3 expected rejections kept for inspection"
    )
