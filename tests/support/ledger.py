"""The "nothing lost" ledger of the fault suite (reliability.md, fault catalogue).

Every input the broker confirmed (a PubAck'ed `doc.fetched` or `crawl.due`) must end, after
quiescence, in exactly ONE terminal outcome:

- `indexed`    — the search store holds its doc_id at its version (or `superseded`: at a later
                 version that is itself an input of the test);
- `rejected:<stage>:<reason>` — a `doc.rejected` event names it (by ref, or by original seq);
- `dead:<stage>` — a MAX_DELIVERIES advisory in DLQ points at it, and the original is still
                 fetchable from its stream by `stream_seq`;
- `crawled`    — (crawl.due only) the fetcher acked the job: gone from the CRAWL work queue.

and, globally: no doc_id twice in the search store, every stored object's bytes hash to its key
(`raw/<sha256>`) with no partial/temporary files left, at most one `doc.indexed` per version
outside replays, every MSG_TERMINATED advisory has its `doc.rejected` record, and every stage's
consumer has `num_pending == num_ack_pending == 0`.

Inputs are keyed by document version `(doc_id, version)` — so the same document published twice
is one input with one outcome — or by `("seq", n)` for a payload that does not decode and
`("crawl", n)` for a crawl job.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
from nats.js.errors import NotFoundError

from shared.events import REPLAY_HEADER, DocFetched, DocIndexed, DocRejected, decode
from shared.runtime.publish import MSG_ID_HEADER
from shared.topology import CRAWL, DLQ, DOCS, STAGES

Key = tuple[str, str] | tuple[str, int]


@dataclass
class Entry:
    seq: int
    subject: str
    data: bytes
    headers: dict


@dataclass
class Snapshot:
    outcomes: dict[Key, set[str]]
    inputs: dict[Key, list[int]]  # input key → the stream seqs that carry it
    index: dict[str, str]  # doc_id → version
    index_dupes: list[str]
    objects: dict[str, bool]  # key → bytes hash to it
    stray_files: list[str]
    indexed_events: Counter  # (doc_id, version) → doc.indexed events outside replays
    unrecorded_terminations: list[int]
    unfetchable_dead: list[int]
    lag: dict[str, tuple[int, int]]  # consumer → (pending, ack_pending)
    rejections: list[DocRejected]
    docs: list[Entry] = field(default_factory=list)

    def missing(self) -> list[Key]:
        return [k for k in self.inputs if not self.outcomes.get(k)]

    def ambiguous(self) -> dict[Key, set[str]]:
        return {k: v for k, v in self.outcomes.items() if k in self.inputs and len(v) > 1}

    def idle(self) -> bool:
        return all(p == 0 and a == 0 for p, a in self.lag.values())

    def outcome(self, key: Key) -> str:
        (only,) = self.outcomes[key]
        return only

    def count(self, subject_prefix: str) -> int:
        return sum(1 for e in self.docs if e.subject.startswith(subject_prefix))


def key_of_event(event) -> Key | None:
    ref = getattr(event, "ref", None)
    return (ref.doc_id, ref.version) if ref is not None else None


class Ledger:
    """Reads the broker and the stores; `settle()` waits for quiescence, `check()` asserts."""

    def __init__(
        self,
        js,
        search_url: str,
        objects_root: Path | None = None,
        s3=None,
        crawl_seqs: list[int] | None = None,
        fetched_are_inputs: bool = True,
    ) -> None:
        self.js = js
        self.search_url = search_url
        self.objects_root = objects_root
        self.s3 = s3  # (minio client, bucket) for an s3:// object store
        self.confirmed: dict[int, str] = {}  # DOCS seq → subject of every PubAck'ed input
        self.crawls: list[int] = list(crawl_seqs or [])
        self.fetched_are_inputs = (
            fetched_are_inputs  # every doc.fetched in DOCS (crawl outputs too)
        )
        self._docs: list[Entry] = []
        self._next = {DOCS: 1, DLQ: 1}
        self._dlq: list[Entry] = []

    # --- inputs ------------------------------------------------------------------------------------
    async def publish(
        self,
        subject: str,
        data: bytes,
        msg_id: str,
        headers: dict | None = None,
        within: float = 60.0,
    ):
        """Publish until the broker confirms it, retrying with the SAME Msg-Id (a retry after a lost
        PubAck must not create a second entry); the confirmed seq becomes a ledger input."""
        deadline = time.monotonic() + within
        while True:
            try:
                ack = await self.js.publish(
                    subject, data, headers={**(headers or {}), MSG_ID_HEADER: msg_id}, timeout=2
                )
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)
                continue
            if ack.stream == CRAWL:
                self.crawls.append(ack.seq)
            else:
                self.confirmed[ack.seq] = subject
            return ack

    # --- reading the broker ------------------------------------------------------------------------
    async def _scan(self, stream: str, into: list[Entry]) -> None:
        info = await self.js.stream_info(stream)
        seq = max(self._next[stream], info.state.first_seq)
        while seq <= info.state.last_seq:
            try:
                msg = await self.js.get_msg(stream, seq)
            except NotFoundError:
                seq += 1
                continue
            into.append(Entry(seq, msg.subject, msg.data or b"", dict(msg.headers or {})))
            seq += 1
        self._next[stream] = seq

    async def _original(self, stream: str, seq: int) -> Entry | None:
        try:
            msg = await self.js.get_msg(stream, seq)
        except NotFoundError:
            return None
        return Entry(seq, msg.subject, msg.data or b"", dict(msg.headers or {}))

    async def _lag(self) -> dict[str, tuple[int, int]]:
        out = {}
        for stage in STAGES.values():
            info = await self.js.consumer_info(stage.stream, stage.name)
            out[stage.name] = (int(info.num_pending or 0), int(info.num_ack_pending or 0))
        return out

    # --- reading the stores ------------------------------------------------------------------------
    async def _index(self) -> tuple[dict[str, str], list[str]]:
        if self.search_url.startswith("sqlite:///"):
            path = self.search_url.removeprefix("sqlite:///").split("?", 1)[0]

            def rows():
                if not Path(path).exists():
                    return []
                conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
                try:
                    return conn.execute("SELECT doc_id, version FROM reports").fetchall()
                except sqlite3.OperationalError:
                    return []  # not migrated yet: nothing indexed
                finally:
                    conn.close()

            found = await asyncio.to_thread(rows)
        else:
            import asyncpg

            conn = await asyncpg.connect(self.search_url, timeout=10)
            try:
                found = [
                    (r[0], r[1]) for r in await conn.fetch("SELECT doc_id, version FROM reports")
                ]
            finally:
                await conn.close()
        counts = Counter(d for d, _ in found)
        return dict(found), sorted(d for d, n in counts.items() if n > 1)

    def _objects(self) -> tuple[dict[str, bool], list[str]]:
        objects, stray = {}, []
        if self.s3 is not None:
            client, bucket = self.s3
            for obj in client.list_objects(bucket, prefix="raw/", recursive=True):
                if obj.object_name.endswith(".json"):
                    continue
                resp = client.get_object(bucket, obj.object_name)
                try:
                    digest = hashlib.sha256(resp.read()).hexdigest()
                finally:
                    resp.close()
                    resp.release_conn()
                objects[obj.object_name] = digest == obj.object_name.removeprefix("raw/")
            return objects, stray
        raw = (self.objects_root or Path("/nonexistent")) / "raw"
        for path in sorted(raw.glob("*")) if raw.exists() else []:
            if path.name.endswith(".meta.json"):
                continue
            if ".tmp-" in path.name or not path.is_file():
                stray.append(path.name)
                continue
            objects[f"raw/{path.name}"] = hashlib.sha256(path.read_bytes()).hexdigest() == path.name
        return objects, stray

    # --- the snapshot ------------------------------------------------------------------------------
    async def snapshot(self) -> Snapshot:
        await self._scan(DOCS, self._docs)
        await self._scan(DLQ, self._dlq)
        inputs: dict[Key, list[int]] = defaultdict(list)
        outcomes: dict[Key, set[str]] = defaultdict(set)
        by_seq: dict[int, Key] = {}
        rejections: list[DocRejected] = []
        indexed_events: Counter = Counter()
        for e in self._docs:
            event = _decode(e.data)
            if e.seq in self.confirmed or (
                self.fetched_are_inputs and e.subject.startswith("doc.fetched.")
            ):
                key = key_of_event(event) if isinstance(event, DocFetched) else ("seq", e.seq)
                inputs[key].append(e.seq)
                by_seq[e.seq] = key
            if isinstance(event, DocRejected):
                rejections.append(event)
            if isinstance(event, DocIndexed) and REPLAY_HEADER not in e.headers:
                indexed_events[key_of_event(event)] += 1
        for seq in self.crawls:
            inputs[("crawl", seq)].append(seq)
        for r in rejections:
            key = key_of_event(r)
            if key is None and r.original_subject and r.original_subject.startswith("crawl."):
                key = ("crawl", r.original_seq)
            elif key is None:
                key = by_seq.get(r.original_seq, ("seq", r.original_seq))
            outcomes[key].add(f"rejected:{r.stage}:{r.reason}")
        rejected_at = {(r.stage, r.original_seq) for r in rejections}
        unrecorded, unfetchable = [], []
        for a in self._dlq:
            adv = json.loads(a.data)
            kind, stream, seq, stage = (
                adv.get("type", ""),
                adv.get("stream"),
                adv.get("stream_seq"),
                adv.get("consumer"),
            )
            if kind.endswith(".terminated"):
                if (stage, seq) not in rejected_at:
                    unrecorded.append(seq)
                continue
            original = await self._original(stream, seq)
            if original is None:
                unfetchable.append(seq)
                continue
            if stream == CRAWL:
                key = ("crawl", seq)
            else:
                key = key_of_event(_decode(original.data)) or by_seq.get(seq, ("seq", seq))
            outcomes[key].add(f"dead:{stage}")
        index, dupes = await self._index()
        for key in list(inputs):
            if key[0] in ("seq", "crawl"):
                continue
            doc_id, version = key
            if index.get(doc_id) == version:
                outcomes[key].add("indexed")
            elif doc_id in index and (doc_id, index[doc_id]) in inputs:
                outcomes[key].add("superseded")
        if self.crawls:
            remaining = await self._crawl_queue()
            for seq in self.crawls:
                if seq not in remaining and not outcomes[("crawl", seq)]:
                    outcomes[("crawl", seq)].add("crawled")
        objects, stray = await asyncio.to_thread(self._objects)
        return Snapshot(
            dict(outcomes),
            dict(inputs),
            index,
            dupes,
            objects,
            stray,
            indexed_events,
            unrecorded,
            unfetchable,
            await self._lag(),
            rejections,
            list(self._docs),
        )

    async def _crawl_queue(self) -> set[int]:
        info = await self.js.stream_info(CRAWL)
        left = set()
        for seq in self.crawls:
            if info.state.first_seq <= seq <= info.state.last_seq and await self._original(
                CRAWL, seq
            ):
                left.add(seq)
        return left

    async def settle(
        self, within: float = 120.0, quiet_polls: int = 3, every: float = 0.5
    ) -> Snapshot:
        """Wait until every input has an outcome and every consumer is idle for `quiet_polls`
        polls in a row (a message waiting out a nak delay is in neither count, but it has no
        outcome yet, so completeness covers it)."""
        deadline = time.monotonic() + within
        quiet, snap = 0, None
        while True:
            try:
                snap = await self.snapshot()
            except Exception:  # noqa: BLE001 - the broker may be coming back; try again
                snap, quiet = snap, 0
            else:
                done = not snap.missing() and snap.idle()
                quiet = quiet + 1 if done else 0
                if quiet >= quiet_polls:
                    return snap
            if time.monotonic() > deadline:
                detail = f"missing={snap.missing()[:10]} lag={snap.lag}" if snap else "no snapshot"
                raise AssertionError(f"pipeline did not settle within {within}s: {detail}")
            await asyncio.sleep(every)

    async def check(self, within: float = 120.0) -> Snapshot:
        """settle(), then assert every ledger invariant; returns the snapshot for more asserts."""
        snap = await self.settle(within)
        assert_complete(snap, self.confirmed)
        return snap


def assert_complete(snap: Snapshot, confirmed: dict[int, str]) -> None:
    stored = {e.seq: e.subject for e in snap.docs}
    lost = {seq: s for seq, s in confirmed.items() if stored.get(seq) != s}
    assert not lost, f"confirmed inputs missing from DOCS: {lost}"
    assert not snap.missing(), f"inputs without an outcome: {snap.missing()}"
    assert not snap.ambiguous(), f"inputs with more than one outcome: {snap.ambiguous()}"
    assert not snap.index_dupes, f"doc_ids indexed twice: {snap.index_dupes}"
    phantom = [d for d, v in snap.index.items() if (d, v) not in snap.inputs]
    assert not phantom, f"indexed documents that are no input: {phantom}"
    assert all(snap.objects.values()), (
        f"objects whose bytes do not hash to their key: {snap.objects}"
    )
    assert not snap.stray_files, f"partial/temporary files in the object store: {snap.stray_files}"
    for doc_id, version in snap.index.items():
        assert f"raw/{version}" in snap.objects or not snap.objects, (
            f"indexed {doc_id} has no raw/{version}"
        )
    twice = {k: n for k, n in snap.indexed_events.items() if n > 1}
    assert not twice, f"more than one doc.indexed for one version: {twice}"
    assert not snap.unrecorded_terminations, (
        f"terminated without doc.rejected: {snap.unrecorded_terminations}"
    )
    assert not snap.unfetchable_dead, (
        f"dead letters whose original is gone: {snap.unfetchable_dead}"
    )
    assert snap.idle(), f"consumers not idle: {snap.lag}"


def _decode(data: bytes):
    try:
        return decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
