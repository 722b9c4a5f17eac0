"""Read a window of a stream, in order, without disturbing anyone: an ephemeral pull consumer
(AckNone, filter subject, start by sequence or time) fetched in batches, stopped at an upper
sequence fixed when the replay began — so a replay never chases its own republished copies or the
live traffic that arrives while it runs.

Settings read: none.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

FETCH_WAIT_S = 1.0  # one empty fetch: the window may have ended


@dataclass(frozen=True)
class Stored:
    """One message as stored in the stream."""

    seq: int
    subject: str
    data: bytes
    headers: dict[str, str]
    ts: float  # unix seconds, when the stream stored it


def _start(from_seq: int | None, since: float | None) -> dict:
    if from_seq is not None:
        return {
            "deliver_policy": DeliverPolicy.BY_START_SEQUENCE,
            "opt_start_seq": max(1, from_seq),
        }
    if since is not None:
        return {
            "deliver_policy": DeliverPolicy.BY_START_TIME,
            "opt_start_time": datetime.fromtimestamp(since, tz=UTC),
        }
    return {"deliver_policy": DeliverPolicy.ALL}


def _ts(md) -> float:
    ts = md.timestamp
    return ts.timestamp() if isinstance(ts, datetime) else float(ts or 0)


class Window:
    """`async for batch in Window(...)`: lists of `Stored` with seq ≤ upper, in stream order.

    `total` (after `open`) is how many messages on the subject the consumer had to deliver when
    it was created: the progress bar's denominator.
    """

    def __init__(
        self,
        js,
        stream: str,
        subject: str,
        upper: int,
        *,
        from_seq: int | None = None,
        since: float | None = None,
        batch: int = 256,
    ) -> None:
        self.js, self.stream, self.subject, self.upper = js, stream, subject, upper
        self.start = _start(from_seq, since)
        self.batch = batch
        self.total = 0
        self._sub: JetStreamContext.PullSubscription | None = None
        self._name: str | None = None

    async def open(self) -> Window:
        cfg = ConsumerConfig(
            ack_policy=AckPolicy.NONE,
            inactive_threshold=120.0,
            description="nianbao replay scan",
            **self.start,
        )
        self._sub = await self.js.pull_subscribe(self.subject, stream=self.stream, config=cfg)
        info = await self._sub.consumer_info()
        self._name = info.name
        self.total = int(info.num_pending or 0)
        return self

    async def close(self) -> None:
        if self._sub is not None:
            with contextlib.suppress(NatsError, TimeoutError):
                await self._sub.unsubscribe()
            with contextlib.suppress(NatsError, TimeoutError):
                await self.js.delete_consumer(self.stream, self._name)
            self._sub = None

    async def __aenter__(self) -> Window:
        return await self.open()

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def __aiter__(self) -> AsyncIterator[list[Stored]]:
        if self.upper <= 0:
            return
        if self._sub is None:
            raise RuntimeError("Window iterated before open()")
        while True:
            try:
                msgs = await self._sub.fetch(self.batch, timeout=FETCH_WAIT_S)
            except (NatsTimeout, TimeoutError):
                if int((await self._sub.consumer_info()).num_pending or 0) == 0:
                    return
                continue
            out: list[Stored] = []
            done = False
            for m in msgs:
                md = m.metadata
                seq = md.sequence.stream
                if seq > self.upper:
                    done = True
                    break
                out.append(Stored(seq, m.subject, m.data, dict(m.headers or {}), _ts(md)))
                if seq == self.upper or md.num_pending == 0:
                    done = True
            if out:
                yield out
            if done:
                return
