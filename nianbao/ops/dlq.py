"""Dead letters, the operator's side: `redrive` re-publishes originals, `dismiss` records that an
entry needs none (a page that is not a report). Listing and the backlog gauge are the read side
that every service runs (shared/runtime/deadletters.py).

- `redrive` re-publishes each original to its subject with `Nats-Msg-Id =
  redrive:<stream_seq>:<n>` (n counts redrives of that entry, so a second attempt after another
  fix is not deduplicated) and the replay headers, so the stage's ordinary consumer handles it and
  its derived events pass the dedup window; each redrive is recorded in the KV bucket `dlq_state`.

Settings read: none.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from shared.events import REPLAY_HEADER, REPLAY_OF_HEADER
from shared.runtime.deadletters import DeadLetter, DeadLetters, original
from shared.runtime.publish import MSG_ID_HEADER


async def redrive(
    dead: DeadLetters, entries: list[DeadLetter], rate: float | None = None
) -> list[tuple[DeadLetter, int | None, str]]:
    """Re-publish each original; (entry, new stream seq or None, "" or the error)."""
    out = []
    for e in entries:
        raw = await original(dead.js, e)
        if raw is None:
            out.append((e, None, f"original {e.stream}:{e.stream_seq} has expired"))
            continue
        n = int(e.record.get("redrives", 0)) + 1
        token = f"redrive:{e.stream_seq}:{n}"
        headers = {
            MSG_ID_HEADER: token,
            REPLAY_HEADER: token,
            REPLAY_OF_HEADER: f"{e.stream}:{e.stream_seq}",
        }
        ack = await dead.js.publish(raw.subject, raw.data or b"", headers=headers)
        await dead.record(e, redrives=n, seq=ack.seq)
        out.append((e, ack.seq, ""))
        if rate:
            await asyncio.sleep(1 / rate)
    return out


async def dismiss(dead: DeadLetters, entries: list[DeadLetter], note: str = "") -> int:
    for e in entries:
        await dead.record(e, dismissed=True, note=note)
    return len(entries)


def when(ts: float) -> str:
    return datetime.fromtimestamp(ts).astimezone().strftime("%Y-%m-%d %H:%M:%S")
