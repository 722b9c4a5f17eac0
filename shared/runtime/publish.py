"""Publishing: every event goes to JetStream with a derived `Nats-Msg-Id`.

The id is derived from (stage, doc_id, version), never random, so a publish retried after a lost
PubAck — or a handler re-run after a redelivery — is deduplicated by the stream.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import msgspec

from shared.events import REPLAY_HEADER, DocRef, Event, encode, msg_id, replay_msg_id

MSG_ID_HEADER = "Nats-Msg-Id"


@dataclass(frozen=True)
class Outgoing:
    """One event a handler wants published (after its side effects, before the ack)."""

    subject: str
    event: Event
    msg_id: str
    headers: dict[str, str] | None = None  # extra headers (the replay token, see as_replay)


def outgoing(subject: str, event: Event, stage: str, ref: DocRef) -> Outgoing:
    return Outgoing(subject, event, msg_id(stage, ref))


def as_replay(out: Outgoing, token: str) -> Outgoing:
    """The same event derived from a replayed message: Msg-Id made unique to the replay and the
    token passed on, so the next stage does the same (nianbao/ops/replay.py)."""
    return Outgoing(
        out.subject,
        out.event,
        replay_msg_id(out.msg_id, token),
        {**(out.headers or {}), REPLAY_HEADER: token},
    )


def stamped(event: Event) -> Event:
    """Set `emitted_at` when the producer left it at 0."""
    if event.emitted_at:
        return event
    return msgspec.structs.replace(event, emitted_at=time.time())


class Publisher:
    """Publishes `Outgoing` events through a connected FastStream NatsBroker (or a nats-py js)."""

    def __init__(self, broker=None, js=None, timeout: float = 10.0) -> None:
        self._broker = broker
        self._js = js
        self._timeout = timeout

    async def publish(self, out: Outgoing, stream: str | None = None):
        """Publish and wait for the PubAck (raises on failure, so the caller does not ack)."""
        data = encode(stamped(out.event))
        headers = {**(out.headers or {}), MSG_ID_HEADER: out.msg_id}
        if self._js is not None:
            return await self._js.publish(out.subject, data, headers=headers, timeout=self._timeout)
        return await self._broker.publish(
            data, out.subject, headers=headers, stream=stream, timeout=self._timeout
        )
