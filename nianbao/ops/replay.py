"""Replay: re-publish selected messages of a doc.* subject to the same live subject, so the stage
that consumes it handles them again with its ordinary durable and handler code.

- Each copy has `Nats-Msg-Id = replay:<run>:<orig_seq>` (a reused original Msg-Id would be dropped
  by the dedup window), `Replay-Of: DOCS:<orig_seq>` and `Nianbao-Replay: replay:<run>`; the
  stages append that token to the Msg-Ids of the events they derive, so the replay flows all the
  way down, and the idempotent handlers (upsert by doc_id, no-op when the same version and code
  versions are already indexed) leave unchanged data exactly as it was.
- The window is fixed at the start (`upper` = the stream's last sequence), so live traffic and the
  replay's own copies are never re-read; copies made by earlier replays are skipped by default.
- Replaying `doc.rejected` re-publishes the originals those events rejected (after a fix, the
  stage that rejected them tries again); the selection applies to the rejections.
- A checkpoint per run (nianbao/ops/checkpoint.py) makes an interrupted run resumable; `latest`
  first plans (last message per doc_id), then republishes only the plan.

Settings read: none (the CLI passes the connection and the options).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

import msgspec
from nats.js.errors import NotFoundError

from nianbao.ops.checkpoint import Checkpoint, Checkpoints, run_id_for
from nianbao.ops.progress import ReplayProgress
from nianbao.ops.ratelimit import RateLimiter
from nianbao.ops.selection import IdMatcher, Selection, facts_of, in_window, matches
from shared.events import REPLAY_HEADER, REPLAY_OF_HEADER, decode
from shared.runtime.publish import MSG_ID_HEADER
from shared.runtime.scan import Stored, Window
from shared.topology import DOCS

REJECTED = "doc.rejected"  # replaying a rejection re-publishes the original it rejected

BATCH = 256


class ReplayError(RuntimeError):
    """A replay that cannot start as asked (bad run id, selection mismatch)."""


@dataclass
class ReplayResult:
    run: str
    dry_run: bool
    upper: int
    scanned: int = 0  # messages read in the window (this run, across resumes)
    matched: int = 0  # selected
    published: int = 0  # republished (PubAck received)
    duplicates: int = (
        0  # republished but dropped by the dedup window (already sent before a resume)
    )
    skipped_copies: int = 0  # copies made by earlier replays / redrives
    undecodable: int = 0  # could not be decoded, so content filters could not apply
    originals_missing: int = 0  # doc.rejected whose original has expired or is not in DOCS
    resumed_from: int | None = None
    already_done: bool = False
    seconds: float = 0.0
    by_subject: Counter = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.scanned / self.seconds if self.seconds > 0 else 0.0


def replay_headers(run: str, seq: int, stream: str = DOCS) -> dict[str, str]:
    return {
        MSG_ID_HEADER: f"replay:{run}:{seq}",
        REPLAY_HEADER: f"replay:{run}",
        REPLAY_OF_HEADER: f"{stream}:{seq}",
    }


async def original_of(js, msg: Stored) -> Stored | None:
    """For a doc.rejected message: the message it rejected (None when gone or not in DOCS —
    the fetcher's crawl jobs live in the CRAWL work queue)."""
    try:
        event = decode(msg.data)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    seq, subject = getattr(event, "original_seq", None), getattr(event, "original_subject", None)
    if not seq or not subject or not subject.startswith("doc."):
        return None
    try:
        raw = await js.get_msg(DOCS, seq)
    except NotFoundError:
        return None
    return Stored(seq, raw.subject, raw.data or b"", dict(raw.headers or {}), msg.ts)


def is_copy(msg: Stored) -> bool:
    return REPLAY_HEADER in msg.headers


class _Selector:
    """Decides message by message; counts what it skipped and why."""

    def __init__(
        self,
        sel: Selection,
        index_ids: frozenset[str] | None,
        result: ReplayResult,
        keep: set[int] | None = None,
    ) -> None:
        self.sel, self.index_ids, self.result, self.keep = sel, index_ids, result, keep
        self.ids = IdMatcher(sel.doc_ids)

    def doc_id(self, msg: Stored) -> tuple[bool, str | None]:
        """(selected, doc_id) — doc_id only when the event was decoded."""
        if not self.sel.include_replays and is_copy(msg):
            self.result.skipped_copies += 1
            return False, None
        if not in_window(self.sel, msg.seq, msg.ts):
            return False, None
        if self.keep is not None:  # planned by plan_latest: content filters already applied
            return msg.seq in self.keep, None
        if not self.sel.needs_event:
            return True, None
        try:
            facts = facts_of(decode(msg.data))
        except (msgspec.DecodeError, msgspec.ValidationError):
            self.result.undecodable += 1
            return False, None
        return matches(self.sel, facts, self.ids, self.index_ids), facts.doc_id


async def plan_latest(js, sel: Selection, upper: int, index_ids: frozenset[str] | None) -> set[int]:
    """The last selected message of each doc_id in the window (its sequence numbers)."""
    latest: dict[str, int] = {}
    # `latest` makes the selector decode every message, so the doc_id is known
    selector = _Selector(sel, index_ids, ReplayResult(run="plan", dry_run=True, upper=upper))
    async with Window(
        js, DOCS, sel.subject, upper, from_seq=sel.from_seq, since=sel.since
    ) as window:
        async for batch in window:
            for msg in batch:
                ok, doc_id = selector.doc_id(msg)
                if ok and doc_id is not None:
                    latest[doc_id] = msg.seq
    return set(latest.values())


async def _resolve_run(
    cps: Checkpoints | None, sel: Selection, run: str | None, restart: bool
) -> tuple[str, Checkpoint | None]:
    """The run id to use and its unfinished checkpoint, if any."""
    if cps is None:
        return run or run_id_for(sel), None
    if run is not None:
        cp = await cps.get(run)
        if cp is None:
            return run, None
        if restart:
            # a new id: reusing `replay:<run>:<seq>` inside the dedup window would drop the copies
            n = 2
            while await cps.get(f"{run}-{n}") is not None:
                n += 1
            return f"{run}-{n}", None
        if cp.selection != sel:
            raise ReplayError(f"run {run} was started with another selection: {cp.selection}")
        return run, cp
    attempt = 1
    while True:
        candidate = run_id_for(sel, attempt)
        cp = await cps.get(candidate)
        if cp is None or (cp.status != "done" and not restart):
            return candidate, cp
        attempt += 1


async def replay(
    js,
    sel: Selection,
    *,
    run: str | None = None,
    dry_run: bool = False,
    rate: float | None = None,
    index_ids: frozenset[str] | None = None,
    progress: ReplayProgress | None = None,
    restart: bool = False,
    batch: int = BATCH,
    on_batch=None,
) -> ReplayResult:
    """Replay (or, with `dry_run`, count) the selection; see the module docstring.

    Args:
        js: a nats-py JetStream context.
        sel: what to replay.
        run: run id; None derives one from the selection (resuming an unfinished run of it).
        dry_run: count what would be republished; publish and record nothing.
        rate: at most this many republished messages per second (None: as fast as acks come).
        index_ids: doc ids the search index has for the selection's years/agencies (doc.fetched).
        progress: where to show progress (None: silent).
        restart: start over under a new run id (`<run>-2`, …) instead of resuming or
            reporting a finished run.
        batch: messages per fetch / checkpoint.
        on_batch: awaited after each checkpoint with the result so far (tests interrupt here).
    """
    started = time.monotonic()
    cps = None if dry_run else await Checkpoints.open(js)
    run, cp = await _resolve_run(cps, sel, run, restart)
    if cp is not None and cp.status == "done":
        return ReplayResult(
            run=run,
            dry_run=dry_run,
            upper=cp.upper,
            scanned=cp.scanned,
            matched=cp.matched,
            published=cp.published,
            already_done=True,
        )
    if cp is None:
        last = (await js.stream_info(DOCS)).state.last_seq
        upper = min(last, sel.to_seq) if sel.to_seq is not None else last
        cp = Checkpoint(run=run, selection=sel, stream=DOCS, upper=upper)
        resumed_from = None
    else:
        resumed_from = cp.last_seq
    result = ReplayResult(
        run=run,
        dry_run=dry_run,
        upper=cp.upper,
        scanned=cp.scanned,
        matched=cp.matched,
        published=cp.published,
        resumed_from=resumed_from,
    )
    keep = await plan_latest(js, sel, cp.upper, index_ids) if sel.latest else None
    selector = _Selector(sel, index_ids, result, keep)
    limiter = RateLimiter(rate)
    start_seq = cp.last_seq + 1 if resumed_from is not None else sel.from_seq
    scanned_here = 0
    async with Window(
        js,
        DOCS,
        sel.subject,
        cp.upper,
        from_seq=start_seq,
        since=None if start_seq else sel.since,
        batch=batch,
    ) as window:
        if not cp.total:
            cp.total = window.total
        if progress is not None:
            progress.label = f"{progress.label} (run {run})"
            progress.start(max(cp.total, result.scanned), result.scanned, result.published)
        try:
            async for msgs in window:
                pending = []
                for msg in msgs:
                    ok, _ = selector.doc_id(msg)
                    if not ok:
                        continue
                    if sel.kind == REJECTED and not dry_run:
                        msg = await original_of(js, msg)
                        if msg is None:
                            result.originals_missing += 1
                            continue
                    result.matched += 1
                    result.by_subject[msg.subject] += 1
                    if not dry_run:
                        await limiter.acquire()
                        pending.append(
                            await js.publish_async(
                                msg.subject, msg.data, headers=replay_headers(run, msg.seq)
                            )
                        )
                acks = await asyncio.gather(*pending)
                result.published += len(acks)
                result.duplicates += sum(1 for a in acks if a.duplicate)
                result.scanned += len(msgs)
                scanned_here += len(msgs)
                if cps is not None:
                    cp.last_seq, cp.scanned = msgs[-1].seq, result.scanned
                    cp.matched, cp.published = result.matched, result.published
                    await cps.put(cp)
                if progress is not None:
                    progress.update(result.scanned, result.published, scanned_here)
                if on_batch is not None:
                    await on_batch(result)
        finally:
            if progress is not None:
                progress.finish(scanned_here)
    if cps is not None:
        cp.status = "done"
        await cps.put(cp)
    result.seconds = time.monotonic() - started
    return result
