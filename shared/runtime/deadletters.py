"""Dead letters, the read side every service needs: the DLQ stream holds JetStream's MAX_DELIVERIES and MSG_TERMINATED advisories
(shared/topology.py); the originals stay in their stream and are fetched by `stream_seq`.

- `entries` lists them with stage, kind, delivery count, reason (a terminated message's
  `doc.rejected` event carries the reason and detail; an exhausted one is `max_deliveries`) and
  what the original is (subject, doc id, url) — or that it has expired;
- `record` keeps what an operator did with an entry in the KV bucket `dlq_state` (redrive and
  dismiss themselves are operator tools: nianbao/ops/dlq.py);
- the backlog (entries neither redriven nor dismissed) is the `nianbao_dlq_backlog{stage,kind}`
  gauge. Its kind says whether a human is needed: `exhausted` (transient failures ran out of
  deliveries) and `failure` (a permanent rejection that means something is wrong: parse_error,
  missing_object, …) wait for a decision; `expected` ones (EXPECTED_REJECTIONS: a page that is
  not a report, a URL robots.txt forbids) are ordinary outcomes of a crawl, kept for inspection,
  which the NianbaoDeadLettersWaiting alert does not count.

Settings read: none.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field

import msgspec
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, NotFoundError
from nats.js.kv import KeyValue

from shared import metrics
from shared.events import DocRejected, decode
from shared.runtime.scan import Window
from shared.topology import ADVISORY, DLQ, DOCS, STAGES, ensure_ops_bucket

BUCKET = "dlq_state"
# Permanent rejections that are ordinary outcomes of crawling the web, not faults: nobody has to
# redrive or dismiss them. The one list: the backlog gauge's kind, the run summary and
# `nianbao dlq list` read it.
EXPECTED_REJECTIONS = frozenset(
    {
        "not_a_report",  # a page under a report list that is an article, a notice, a picture …
        # a 「图片版」 page: its report is its pictures, read as one document of their own (#pictures)
        "read_as_pictures",
        "robots_disallowed",  # the portal's robots.txt forbids the URL: we obey
    }
)
BACKLOG_KINDS = ("expected", "exhausted", "failure")


def backlog_kind(kind: str, reason: str) -> str:
    """expected | exhausted | failure, for an entry of this advisory kind and rejection reason."""
    if kind == "max_deliveries":
        return "exhausted"
    return "expected" if reason in EXPECTED_REJECTIONS else "failure"


_KINDS = {
    "io.nats.jetstream.advisory.v1.terminated": "terminated",
    "io.nats.jetstream.advisory.v1.max_deliver": "max_deliveries",
}


@dataclass
class DeadLetter:
    dlq_seq: int  # the entry's id: its sequence in the DLQ stream
    kind: str  # terminated | max_deliveries
    stream: str
    stage: str  # the consumer that gave up
    stream_seq: int  # the original, in `stream`
    deliveries: int
    at: float  # unix seconds of the advisory
    reason: str = "max_deliveries"
    detail: str = ""
    subject: str | None = None  # the original's subject; None when it has expired
    doc_id: str | None = None
    url: str | None = None
    record: dict = field(default_factory=dict)  # dlq_state: redrives, dismissed, …

    @property
    def backlog_kind(self) -> str:
        return backlog_kind(self.kind, self.reason)

    @property
    def state(self) -> str:
        if self.record.get("dismissed"):
            return "dismissed"
        return "redriven" if self.record.get("redrives") else "waiting"


def parse_advisory(dlq_seq: int, data: bytes, at: float) -> DeadLetter | None:
    """One DLQ message → an entry (None for an advisory type this code does not know)."""
    try:
        adv = json.loads(data)
    except ValueError:
        return None
    kind = _KINDS.get(adv.get("type", ""))
    if kind is None:
        return None
    return DeadLetter(
        dlq_seq=dlq_seq,
        kind=kind,
        stream=adv.get("stream", ""),
        stage=adv.get("consumer", ""),
        stream_seq=int(adv.get("stream_seq", 0)),
        deliveries=int(adv.get("deliveries", 0)),
        at=at,
        reason="max_deliveries" if kind == "max_deliveries" else "terminated",
    )


async def _last_seq(js: JetStreamContext, stream: str) -> int:
    try:
        return (await js.stream_info(stream)).state.last_seq
    except NotFoundError:
        return 0


async def _advisories(
    js: JetStreamContext, from_seq: int | None = None, upper: int | None = None
) -> list[DeadLetter]:
    out: list[DeadLetter] = []
    upper = await _last_seq(js, DLQ) if upper is None else upper
    if upper == 0 or (from_seq is not None and from_seq > upper):
        return out
    async with Window(js, DLQ, f"{ADVISORY}.>", upper, from_seq=from_seq, batch=512) as window:
        async for batch in window:
            out += [e for m in batch if (e := parse_advisory(m.seq, m.data, m.ts)) is not None]
    return out


async def _rejections(
    js: JetStreamContext, from_seq: int | None = None, upper: int | None = None
) -> dict[tuple[str, int], DocRejected]:
    """(stage, original seq) → the doc.rejected event the acking layer published before term."""
    out: dict[tuple[str, int], DocRejected] = {}
    upper = await _last_seq(js, DOCS) if upper is None else upper
    if upper == 0 or (from_seq is not None and from_seq > upper):
        return out
    async with Window(js, DOCS, "doc.rejected.>", upper, from_seq=from_seq, batch=512) as window:
        async for batch in window:
            for m in batch:
                with contextlib.suppress(msgspec.DecodeError, msgspec.ValidationError):
                    ev = decode(m.data)
                    if isinstance(ev, DocRejected) and ev.original_seq is not None:
                        out[(ev.stage, ev.original_seq)] = ev
    return out


async def original(js: JetStreamContext, entry: DeadLetter):
    try:
        return await js.get_msg(entry.stream, entry.stream_seq)
    except NotFoundError:
        return None


def _describe(entry: DeadLetter, raw) -> None:
    if raw is None:
        return
    entry.subject = raw.subject
    with contextlib.suppress(msgspec.DecodeError, msgspec.ValidationError):
        ev = decode(raw.data or b"")
        ref = getattr(ev, "ref", None)
        entry.doc_id, entry.url = (ref.doc_id, ref.url) if ref else (None, None)


class DeadLetters:
    def __init__(self, js: JetStreamContext, kv: KeyValue | None) -> None:
        self.js, self.kv = js, kv
        self._records_memo: dict[int, dict] = {}
        self._records_seq = -1
        # backlog(): each advisory is classified once; these remember how far it has read
        self._classified: dict[int, tuple[str, str]] = {}  # dlq seq → (stage, backlog kind)
        self._dlq_read = 0  # DLQ sequence classified up to
        self._docs_read = 0  # DOCS sequence whose doc.rejected events are in _reasons
        self._reasons: dict[tuple[str, int], str] = {}  # (stage, original seq) → reason

    @classmethod
    async def open(cls, js: JetStreamContext, create: bool = True) -> DeadLetters:
        """With `create=False` (services) a missing `dlq_state` bucket means no records yet."""
        if create:
            return cls(js, await ensure_ops_bucket(js, BUCKET))
        try:
            return cls(js, await js.key_value(BUCKET))
        except (BucketNotFoundError, NotFoundError):
            return cls(js, None)

    async def _records(self) -> dict[int, dict]:
        if self.kv is None:
            return {}
        try:
            keys = await self.kv.keys()
        except Exception:  # noqa: BLE001 - nats-py raises NoKeysError for an empty bucket
            return {}
        out = {}
        for k in keys:
            with contextlib.suppress(KeyNotFoundError, NotFoundError):
                entry = await self.kv.get(k)
                out[int(k)] = json.loads(entry.value or b"{}")
        return out

    async def entries(
        self,
        *,
        stage: str | None = None,
        reason: str | None = None,
        states: tuple[str, ...] = ("waiting",),
        originals: bool = True,
        reasons: bool = True,
    ) -> list[DeadLetter]:
        """Entries oldest first, filtered by stage, reason and state (waiting/redriven/dismissed).

        `originals` looks each original up (subject, doc id); `reasons` joins the doc.rejected
        events (reason, detail) — both skipped when only counting.
        """
        found = await _advisories(self.js)
        wanted = (reasons or reason) and any(e.kind == "terminated" for e in found)
        rejections = await _rejections(self.js) if wanted else {}
        records = await self._records()
        out = []
        for e in found:
            e.record = records.get(e.dlq_seq, {})
            rej = rejections.get((e.stage, e.stream_seq))
            if rej is not None:
                e.reason, e.detail = rej.reason, rej.detail
                if rej.ref is not None:
                    e.doc_id, e.url = rej.ref.doc_id, rej.ref.url
            if (
                (stage and e.stage != stage)
                or (reason and e.reason != reason)
                or e.state not in states
            ):
                continue
            out.append(e)
        if originals:
            for e in out:
                _describe(e, await original(self.js, e))
        return out

    async def show(self, dlq_seq: int) -> tuple[DeadLetter, object | None]:
        """One entry (any state) and its original message (None when it has expired)."""
        for e in await self.entries(states=("waiting", "redriven", "dismissed"), originals=False):
            if e.dlq_seq == dlq_seq:
                raw = await original(self.js, e)
                _describe(e, raw)
                return e, raw
        raise KeyError(f"no dead letter {dlq_seq}")

    async def record(self, entry: DeadLetter, **fields) -> None:
        """Add to an entry's `dlq_state` record (a redrive, a dismissal) and keep it on the entry."""
        if self.kv is None:
            raise RuntimeError("dead letters opened read-only (create=False) cannot record")
        entry.record = {**entry.record, "stage": entry.stage, "at": time.time(), **fields}
        await self.kv.put(str(entry.dlq_seq), json.dumps(entry.record).encode())

    async def backlog(self) -> dict[str, int]:
        """Waiting entries per stage, of every kind (see backlog_kinds, which sets the gauge)."""
        return {stage: sum(k.values()) for stage, k in (await self.backlog_kinds()).items()}

    async def backlog_kinds(self) -> dict[str, dict[str, int]]:
        """Waiting entries per stage and kind; sets the DLQ_BACKLOG gauge (0 where none).

        Cheap enough for every pod to run every few seconds: only advisories added since the
        last call are read (and, when some are terminations, the doc.rejected events added since
        then, for their reasons); the redrive/dismiss records are re-read only when the bucket
        changed. Entries that expired from the DLQ stream drop out.
        """
        try:
            info = await self.js.stream_info(DLQ)
        except NotFoundError:
            info = None
        first, last = (info.state.first_seq, info.state.last_seq) if info else (0, 0)
        if last > self._dlq_read:
            await self._classify(self._dlq_read + 1, last)
        for seq in [s for s in self._classified if s < first]:
            del self._classified[seq]
        records = await self._records_cached()
        out = {stage: dict.fromkeys(BACKLOG_KINDS, 0) for stage in STAGES}
        for seq, (stage, kind) in self._classified.items():
            record = records.get(seq, {})
            if stage in out and not (record.get("dismissed") or record.get("redrives")):
                out[stage][kind] += 1
        for stage, kinds in out.items():
            for kind, n in kinds.items():
                metrics.DLQ_BACKLOG.labels(stage, kind).set(n)
        return out

    async def _classify(self, from_seq: int, upper: int) -> None:
        new = await _advisories(self.js, from_seq, upper)
        if any(e.kind == "terminated" for e in new):
            # doc.rejected is published before the term, so it is in DOCS by now
            docs_last = await _last_seq(self.js, DOCS)
            for key, rej in (await _rejections(self.js, self._docs_read + 1, docs_last)).items():
                self._reasons[key] = rej.reason
            self._docs_read = max(self._docs_read, docs_last)
        for e in new:
            reason = self._reasons.pop((e.stage, e.stream_seq), e.reason)
            self._classified[e.dlq_seq] = (e.stage, backlog_kind(e.kind, reason))
        self._dlq_read = upper

    async def _records_cached(self) -> dict[int, dict]:
        if self.kv is None:
            return {}
        try:
            last = (await self.js.stream_info(f"KV_{BUCKET}")).state.last_seq
        except NotFoundError:
            return {}
        if last != self._records_seq:
            self._records_memo, self._records_seq = await self._records(), last
        return self._records_memo


async def export_backlog_forever(js: JetStreamContext, interval: float = 30.0) -> None:
    """Refresh the backlog gauge until cancelled (for a service's or the launcher's loop)."""
    dead = DeadLetters(js, None)
    while True:
        with contextlib.suppress(NatsError, TimeoutError, asyncio.TimeoutError):
            if dead.kv is None:  # the bucket appears with the first `nianbao dlq` redrive/dismiss
                dead = await DeadLetters.open(js, create=False)
            await dead.backlog()
        await asyncio.sleep(interval)
