"""Replay checkpoints in the JetStream KV bucket `replay_state`, one key per run id.

A checkpoint is written after each batch whose PubAcks all arrived, so `last_seq` is a sequence
below which everything selected is safely republished. A resumed run starts after it and keeps
the run id, so anything republished after the last checkpoint gets the same Msg-Id
(`replay:<run>:<seq>`) again and the stream's dedup window drops it: each message once.

Settings read: none.
"""

from __future__ import annotations

import hashlib
import time

import msgspec
from nats.js.errors import KeyNotFoundError, NotFoundError

from nianbao.ops.selection import Selection
from shared.topology import ensure_ops_bucket

BUCKET = "replay_state"


class Checkpoint(msgspec.Struct, kw_only=True):
    run: str
    selection: Selection
    stream: str
    upper: int  # last stream sequence the run covers (fixed at its start)
    last_seq: int = 0  # everything selected up to here is republished
    scanned: int = 0
    matched: int = 0
    published: int = 0
    status: str = "running"  # running | done
    started_at: float = msgspec.field(default_factory=time.time)
    updated_at: float = 0.0
    total: int = 0  # messages on the subject when the run started (progress)


def run_id_for(sel: Selection, attempt: int = 1) -> str:
    """A run id derived from the selection: re-running the same command (a Job pod restarted)
    finds the unfinished run and resumes it; after a finished one, the next attempt is new."""
    digest = hashlib.sha256(msgspec.json.encode(sel)).hexdigest()[:10]
    return f"r{digest}" if attempt == 1 else f"r{digest}-{attempt}"


class Checkpoints:
    def __init__(self, kv) -> None:
        self.kv = kv

    @classmethod
    async def open(cls, js) -> Checkpoints:
        return cls(await ensure_ops_bucket(js, BUCKET))

    async def get(self, run: str) -> Checkpoint | None:
        try:
            entry = await self.kv.get(run)
        except (KeyNotFoundError, NotFoundError):
            return None
        if entry is None or not entry.value:
            return None
        return msgspec.json.decode(entry.value, type=Checkpoint)

    async def put(self, cp: Checkpoint) -> None:
        cp.updated_at = time.time()
        await self.kv.put(cp.run, msgspec.json.encode(cp))

    async def runs(self) -> list[Checkpoint]:
        try:
            keys = await self.kv.keys()
        except Exception:  # noqa: BLE001 - nats-py raises NoKeysError for an empty bucket
            return []
        out = [await self.get(k) for k in keys]
        return sorted((c for c in out if c), key=lambda c: c.started_at)
