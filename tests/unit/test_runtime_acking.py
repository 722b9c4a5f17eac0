"""The acking classifier settles every message exactly once: ack after the derived events are
published, term after a recorded rejection, nak with the configured delay for what may succeed
later, and nothing at all on cancellation. The message and the publisher are recording doubles;
the Acker's decision is the thing under test (the pipeline and fault suites check the same
decisions against a real nats-server)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from nats.aio.msg import Msg

from shared import metrics
from shared.config import load
from shared.errors import NotAReport, StoreUnavailable
from shared.events import REPLAY_HEADER, DocFetched, DocRef, DocRejected, decode, encode
from shared.runtime.acking import Acker, nak_delay
from shared.runtime.publish import Outgoing
from shared.topology import STAGES

REF = DocRef(doc_id="d1", version="v1", portal="p", url="http://x/1", object_key="raw/v1")
FETCHED = DocFetched(ref=REF, size=3)
PARSER = STAGES["parser"]


class RecordingMsg:
    """A delivered JetStream message that remembers how it was settled."""

    def __init__(self, data: bytes, delivered: int = 1, headers: dict | None = None) -> None:
        self.subject = "doc.fetched.p"
        self.data = data
        self.headers = headers
        self.metadata = Msg.Metadata(
            sequence=Msg.Metadata.SequencePair(consumer=7, stream=42),
            num_pending=0,
            num_delivered=delivered,
            timestamp=dt.datetime.now(dt.UTC),
            stream="DOCS",
            consumer="parser",
        )
        self.settled: list[tuple[str, float | None]] = []
        self.beats = 0

    async def ack(self) -> None:
        self.settled.append(("ack", None))

    async def nak(self, delay: float | None = None) -> None:
        self.settled.append(("nak", delay))

    async def term(self) -> None:
        self.settled.append(("term", None))

    async def in_progress(self) -> None:
        self.beats += 1


class RecordingPublisher:
    def __init__(self, fail: Exception | None = None) -> None:
        self.sent: list[Outgoing] = []
        self.fail = fail

    async def publish(self, out: Outgoing, stream: str | None = None) -> None:
        if self.fail is not None:
            raise self.fail
        self.sent.append(out)


def _acker(handler, publisher=None, pure=False, **settings) -> Acker:
    config = load(env={}, max_deliver=3, nak_delays_s=[1.0, 5.0, 30.0], **settings)
    return Acker(
        PARSER,
        config,
        handler,
        publisher or RecordingPublisher(),
        unexpected_is_permanent=pure,
    )


def _out(n: int = 1) -> list[Outgoing]:
    return [Outgoing(f"doc.parsed.p{i}", FETCHED, f"parsed:d1:v1:{i}") for i in range(n)]


def _rejected(publisher: RecordingPublisher) -> DocRejected:
    (out,) = publisher.sent
    assert out.subject == "doc.rejected.parser"
    assert out.msg_id == "rejected:parser:DOCS:42"  # one record per original, however often
    event = decode(encode(out.event))
    assert isinstance(event, DocRejected)
    return event


async def test_acking_a_handled_message_publishes_its_events_then_acks():
    async def handler(event):
        assert event == FETCHED
        return _out(2)

    publisher = RecordingPublisher()
    msg = RecordingMsg(encode(FETCHED))
    assert await _acker(handler, publisher).process(msg) == "ok"
    assert [o.msg_id for o in publisher.sent] == ["parsed:d1:v1:0", "parsed:d1:v1:1"]
    assert msg.settled == [("ack", None)]


async def test_acking_a_replayed_message_passes_its_token_to_every_derived_event():
    async def handler(event):
        return _out(1)

    publisher = RecordingPublisher()
    msg = RecordingMsg(encode(FETCHED), headers={REPLAY_HEADER: "replay:r1"})
    assert await _acker(handler, publisher).process(msg) == "ok"
    (out,) = publisher.sent
    assert out.headers == {REPLAY_HEADER: "replay:r1"}
    assert out.msg_id != "parsed:d1:v1:0" and "replay:r1" in out.msg_id


async def test_acking_undecodable_bytes_records_a_decode_error_then_terms():
    async def handler(event):  # pragma: no cover - never reached
        raise AssertionError("handler called on undecodable bytes")

    publisher = RecordingPublisher()
    msg = RecordingMsg(b"\x00 not msgpack")
    assert await _acker(handler, publisher).process(msg) == "rejected"
    rejected = _rejected(publisher)
    assert (rejected.reason, rejected.original_seq, rejected.ref) == ("decode_error", 42, None)
    assert msg.settled == [("term", None)]


async def test_acking_an_event_of_another_stage_rejects_it_as_unexpected():
    async def handler(event):  # pragma: no cover - never reached
        raise AssertionError("handler called on the wrong event")

    publisher = RecordingPublisher()
    msg = RecordingMsg(encode(DocRejected(stage="fetcher", reason="x")))
    assert await _acker(handler, publisher).process(msg) == "rejected"
    assert _rejected(publisher).reason == "unexpected_event"
    assert msg.settled == [("term", None)]


async def test_acking_a_permanent_error_records_its_reason_and_detail_then_terms():
    async def handler(event):
        raise NotAReport("a list page, not a report")

    publisher = RecordingPublisher()
    msg = RecordingMsg(encode(FETCHED))
    assert await _acker(handler, publisher).process(msg) == "rejected"
    rejected = _rejected(publisher)
    assert (rejected.reason, rejected.detail) == ("not_a_report", "a list page, not a report")
    assert rejected.ref == REF and rejected.url == REF.url and rejected.portal == "p"
    assert msg.settled == [("term", None)]


async def test_acking_a_transient_error_naks_with_the_delay_of_that_delivery():
    async def handler(event):
        raise StoreUnavailable("object store down")

    acker = _acker(handler)
    msg = RecordingMsg(encode(FETCHED), delivered=2)
    assert await acker.process(msg) == "retried"
    assert msg.settled == [("nak", 5.0)]
    assert ("DOCS", 42) in acker.awaiting_retry


async def test_acking_the_last_allowed_delivery_dead_letters_and_counts_it():
    async def handler(event):
        raise StoreUnavailable("still down")

    before = metrics.DEAD_LETTERS.labels("parser")._value.get()
    msg = RecordingMsg(encode(FETCHED), delivered=3)
    assert await _acker(handler).process(msg) == "dead_lettered"
    assert msg.settled == [("nak", 30.0)]  # the server stops; its advisory lands in DLQ
    assert metrics.DEAD_LETTERS.labels("parser")._value.get() == before + 1


async def test_acking_a_success_after_a_retry_forgets_the_retry():
    calls = []

    async def handler(event):
        calls.append(1)
        if len(calls) == 1:
            raise StoreUnavailable("blip")
        return []

    acker = _acker(handler)
    assert await acker.process(RecordingMsg(encode(FETCHED))) == "retried"
    assert await acker.process(RecordingMsg(encode(FETCHED), delivered=2)) == "ok"
    assert acker.awaiting_retry == set()


async def test_acking_a_bug_in_a_pure_stage_rejects_it_as_an_internal_error():
    async def handler(event):
        raise KeyError("missing label")

    publisher = RecordingPublisher()
    msg = RecordingMsg(encode(FETCHED))
    assert await _acker(handler, publisher, pure=True).process(msg) == "rejected"
    rejected = _rejected(publisher)
    assert rejected.reason == "internal_error" and rejected.detail.startswith("KeyError")


async def test_acking_an_os_error_in_a_pure_stage_still_retries():
    async def handler(event):
        raise OSError("disk hiccup")

    msg = RecordingMsg(encode(FETCHED))
    assert await _acker(handler, pure=True).process(msg) == "retried"
    assert msg.settled == [("nak", 1.0)]


async def test_acking_an_unexpected_error_in_an_io_stage_retries_it():
    async def handler(event):
        raise RuntimeError("connection reset in a library")

    msg = RecordingMsg(encode(FETCHED))
    assert await _acker(handler).process(msg) == "retried"
    assert msg.settled == [("nak", 1.0)]


async def test_acking_never_terms_a_rejection_that_could_not_be_recorded():
    async def handler(event):
        raise NotAReport("not a report")

    msg = RecordingMsg(encode(FETCHED))
    publisher = RecordingPublisher(fail=StoreUnavailable("broker away"))
    assert await _acker(handler, publisher).process(msg) == "retried"
    assert msg.settled == [("nak", 1.0)]


async def test_acking_never_acks_when_a_derived_event_could_not_be_published():
    async def handler(event):
        return _out(1)

    msg = RecordingMsg(encode(FETCHED))
    publisher = RecordingPublisher(fail=StoreUnavailable("no PubAck"))
    assert await _acker(handler, publisher, pure=True).process(msg) == "retried"
    assert ("ack", None) not in msg.settled


async def test_acking_leaves_a_cancelled_message_unsettled_for_redelivery():
    async def handler(event):
        raise asyncio.CancelledError

    msg = RecordingMsg(encode(FETCHED))
    with pytest.raises(asyncio.CancelledError):
        await _acker(handler).process(msg)
    assert msg.settled == []


async def test_acking_long_work_sends_in_progress_beats():
    async def handler(event):
        await asyncio.sleep(0.35)
        return []

    acker = _acker(handler, ack_wait_s=0.3)
    acker.heartbeat = True
    msg = RecordingMsg(encode(FETCHED))
    assert await acker.process(msg) == "ok"
    assert msg.beats >= 2


@pytest.mark.parametrize(
    ("delivered", "delay"), [(0, 1.0), (1, 1.0), (2, 5.0), (3, 30.0), (9, 30.0)]
)
def test_nak_delay_follows_the_delivery_count_and_stays_at_the_last_delay(delivered, delay):
    assert nak_delay(load(env={}, nak_delays_s=[1.0, 5.0, 30.0]), delivered) == delay


async def test_acking_an_unusual_rejection_logs_a_warning_and_an_ordinary_one_stays_quiet(caplog):
    from shared.errors import PermanentError

    class UnknownPortal(PermanentError):
        reason = "unknown_portal"

    async def unknown(event):
        raise UnknownPortal("portal 'gone' is not in the registry")

    async def article(event):
        raise NotAReport("an article page")

    with caplog.at_level("INFO", logger="nianbao.acking"):
        await _acker(article).process(RecordingMsg(encode(FETCHED)))
        assert caplog.records == []
        await _acker(unknown).process(RecordingMsg(encode(FETCHED)))
    (record,) = caplog.records
    assert record.levelname == "WARNING"
    assert record.getMessage() == (
        "parser: doc.fetched.p rejected as unknown_portal: portal 'gone' is not in the registry"
    )
