"""Delivery semantics of shared/runtime on a real nats-server: ack, term + doc.rejected, nak with
delay, dead-lettering with the original still fetchable. The stage handler here is a small
scripted one; the thing under test is the acking runtime and the broker."""

from __future__ import annotations

import asyncio
import json
import time

import nats
import pytest

from shared import topology
from shared.config import load
from shared.errors import NotAReport, StoreUnavailable
from shared.events import DocFetched, DocRef, decode, encode
from shared.runtime.publish import MSG_ID_HEADER
from shared.runtime.service import Service, StageDeps

pytestmark = pytest.mark.nats


def fetched(name: str) -> DocFetched:
    ref = DocRef(
        doc_id=f"id-{name}",
        version=f"v-{name}",
        portal="p",
        url=f"http://x/{name}",
        object_key=f"raw/v-{name}",
    )
    return DocFetched(ref=ref, size=1)


class Script:
    """Behaviour by URL: 'bad' → permanent, 'flaky' → transient on the first delivery,
    'down' → transient always; otherwise ok. Records every call with its time."""

    def __init__(self):
        self.calls: list[tuple[str, float]] = []

    async def __call__(self, event):
        name = event.ref.url.rsplit("/", 1)[-1]
        self.calls.append((name, time.monotonic()))
        if name.startswith("bad"):
            raise NotAReport("no tables here")
        if name.startswith("bug"):
            raise ZeroDivisionError("division by zero")
        if name.startswith("down") or (name.startswith("flaky") and self.count(name) == 1):
            raise StoreUnavailable("object store down")
        return []

    def count(self, name):
        return sum(1 for n, _ in self.calls if n == name)


async def _run(server, script, settings, pure=False):
    nc = await nats.connect(server.url)
    js = nc.jetstream()
    await topology.apply(js, settings)

    async def build(_settings, _service):
        return StageDeps(handler=script)

    service = Service("parser", settings, build, http_port=0, pure=pure)
    await service.start()
    return nc, js, service


async def _publish(js, event):
    await js.publish(
        f"doc.fetched.{event.ref.portal}",
        encode(event),
        headers={MSG_ID_HEADER: f"test:{event.ref.doc_id}"},
    )


async def _wait(pred, within=30.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await pred():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


async def _rejections(js):
    info = await js.stream_info("DOCS")
    out = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await js.get_msg("DOCS", seq)
        if msg.subject.startswith("doc.rejected."):
            out.append(decode(msg.data))
    return out


async def _dlq(js):
    try:
        info = await js.stream_info("DLQ")
    except Exception:
        return []
    if info.state.messages == 0:
        return []
    return [
        json.loads((await js.get_msg("DLQ", s)).data)
        for s in range(info.state.first_seq, info.state.last_seq + 1)
    ]


async def test_poison_is_terminated_once_recorded_as_rejected_and_others_keep_flowing(nats_server):
    settings = load(env={}, nats_url=nats_server.url)
    script = Script()
    nc, js, service = await _run(nats_server, script, settings)
    try:
        await _publish(js, fetched("good-1"))
        await _publish(js, fetched("bad-1"))
        await js.publish("doc.fetched.p", b"\xff not json", headers={MSG_ID_HEADER: "garbage"})
        await js.publish(
            "doc.fetched.p", b'{"type":"doc.unknown"}', headers={MSG_ID_HEADER: "unknown"}
        )
        await _publish(js, fetched("good-2"))

        async def settled():
            return len(await _rejections(js)) == 3 and script.count("good-2") == 1

        await _wait(settled)
        rejected = await _rejections(js)
        dlq = await _dlq(js)
        terminated = [a for a in dlq if a["type"].endswith("terminated")]
        originals = sorted(
            [(await js.get_msg("DOCS", a["stream_seq"])).data[:5] for a in terminated]
        )
    finally:
        await service.stop()
        await nc.close()
    assert script.count("bad-1") == 1
    assert sorted(r.reason for r in rejected) == ["decode_error", "decode_error", "not_a_report"]
    bad = next(r for r in rejected if r.reason == "not_a_report")
    assert (bad.stage, bad.ref.doc_id, bad.detail, bad.original_subject) == (
        "parser",
        "id-bad-1",
        "no tables here",
        "doc.fetched.p",
    )
    # every terminated original is recorded in DLQ and still fetchable from DOCS
    assert len(terminated) == 3
    assert originals == [b'{"typ', b'{"typ', b"\xff not"]


async def test_transient_failure_is_redelivered_after_the_nak_delay_then_succeeds(nats_server):
    settings = load(env={}, nats_url=nats_server.url, nak_delays_s=[1.0, 5.0])
    script = Script()
    nc, js, service = await _run(nats_server, script, settings)
    try:
        await _publish(js, fetched("flaky-1"))

        async def twice():
            return script.count("flaky-1") == 2

        await _wait(twice)

        async def acked():  # the handler's second call returned; its ack is on its way
            return (await js.consumer_info("DOCS", "parser")).num_ack_pending == 0

        await _wait(acked, within=10.0)
        info = await js.consumer_info("DOCS", "parser")
        rejected = await _rejections(js)
    finally:
        await service.stop()
        await nc.close()
    (first, t1), (second, t2) = script.calls
    assert t2 - t1 >= 1.0
    assert rejected == []
    assert info.num_ack_pending == 0 and info.num_redelivered == 0


async def test_exhausted_transient_is_dead_lettered_with_the_original_still_in_docs(nats_server):
    settings = load(env={}, nats_url=nats_server.url, nak_delays_s=[0.2, 0.4], max_deliver=3)
    script = Script()
    nc, js, service = await _run(nats_server, script, settings)
    try:
        await _publish(js, fetched("down-1"))
        # the MAX_DELIVERIES advisory of a pull consumer appears after the next fetch,
        # which FastStream's pull loop issues continuously

        async def advised():
            return any(a["type"].endswith("max_deliver") for a in await _dlq(js))

        await _wait(advised)
        advisory = next(a for a in await _dlq(js) if a["type"].endswith("max_deliver"))
        original = await js.get_msg("DOCS", advisory["stream_seq"])
    finally:
        await service.stop()
        await nc.close()
    assert script.count("down-1") == 3
    assert advisory["consumer"] == "parser" and advisory["deliveries"] == 3
    assert decode(original.data).ref.doc_id == "id-down-1"


async def test_a_bug_in_a_pure_stage_is_rejected_as_internal_error_not_retried(nats_server):
    settings = load(env={}, nats_url=nats_server.url, nak_delays_s=[0.2])
    script = Script()
    nc, js, service = await _run(nats_server, script, settings, pure=True)
    try:
        await _publish(js, fetched("bug-1"))
        await _publish(js, fetched("good-1"))

        async def settled():
            return len(await _rejections(js)) == 1 and script.count("good-1") == 1

        await _wait(settled)
        await asyncio.sleep(0.5)  # a retry, if there were one, would come after 0.2 s
        (rejected,) = await _rejections(js)
    finally:
        await service.stop()
        await nc.close()
    assert script.count("bug-1") == 1
    assert (rejected.reason, rejected.detail) == (
        "internal_error",
        "ZeroDivisionError: division by zero",
    )


async def test_a_bug_in_an_io_stage_is_retried_like_a_blip(nats_server):
    settings = load(env={}, nats_url=nats_server.url, nak_delays_s=[0.2], max_deliver=2)
    script = Script()
    nc, js, service = await _run(nats_server, script, settings, pure=False)
    try:
        await _publish(js, fetched("bug-2"))

        async def twice():
            return script.count("bug-2") == 2

        await _wait(twice)
    finally:
        await service.stop()
        await nc.close()
    assert service.acker.awaiting_retry == set()  # dead-lettered after max_deliver, not pending


async def test_graceful_shutdown_lets_the_in_flight_handler_finish_and_ack(nats_server):
    settings = load(env={}, nats_url=nats_server.url, graceful_timeout_s=10.0)
    started, finished = asyncio.Event(), []

    async def slow(event):
        started.set()
        await asyncio.sleep(1.5)
        finished.append(event.ref.doc_id)
        return []

    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await topology.apply(js, settings)

    async def build(_settings, _service):
        return StageDeps(handler=slow)

    service = Service("parser", settings, build, http_port=0)
    await service.start()
    try:
        await _publish(js, fetched("slow-1"))
        await asyncio.wait_for(started.wait(), 20)
        await service.stop()  # while the handler sleeps
        info = await js.consumer_info("DOCS", "parser")
    finally:
        await nc.close()
    assert finished == ["id-slow-1"]
    assert (info.num_ack_pending, info.num_pending, info.delivered.consumer_seq) == (0, 0, 1)
