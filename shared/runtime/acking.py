"""The acking classifier: what happens to a message after its handler ran.

FastStream's NATS default terminates on the first exception (a store blip would dead-letter
work) and NACK_ON_ERROR retries with no delay, so subscribers use AckPolicy.MANUAL and every
message goes through `process`:

- success → publish the handler's outgoing events (derived Msg-Ids) → ack;
- decode error, unknown tag, wrong event for the stage, PermanentError → publish DocRejected on
  `doc.rejected.<stage>` with the reason → term (the MSG_TERMINATED advisory lands in DLQ);
- TransientError (and, in I/O stages, any unexpected exception, which may be a blip) → nak with
  `nak_delays_s[num_delivered-1]`; at `max_deliver` the server stops and its MAX_DELIVERIES
  advisory lands in DLQ while the original stays in its stream (limits / unacked work-queue);
- cancellation (shutdown past graceful_timeout) → nothing: redelivered after ack_wait;
- an unexpected exception in a pure stage (`unexpected_is_permanent`: parser, validator) is a
  bug that retrying cannot fix: rejected with reason `internal_error` (replayable once fixed);
  OSError stays transient there too.

Settings read: max_deliver, nak_delays_s.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

import msgspec
from nats.aio.msg import Msg

from shared import metrics
from shared.config import Settings
from shared.errors import PermanentError, TransientError
from shared.events import REPLAY_HEADER, DocRejected, Event, decode
from shared.runtime.publish import Outgoing, Publisher, as_replay
from shared.topology import Stage, subject

log = logging.getLogger("nianbao.acking")
# Rejections that mean the configuration is off rather than the input bad: a crawl.due for a
# portal the registry does not know (registry edited while jobs were queued, or a typo in a
# manual publish). Logged at WARNING; every other rejection is an outcome counted in metrics.
UNUSUAL_REJECTIONS = frozenset({"unknown_portal"})

Handler = Callable[[Event], Awaitable[Sequence[Outgoing]]]


class WrongEvent(PermanentError):
    """A well-formed event that this stage does not consume (published on the wrong subject)."""

    reason = "unexpected_event"


def nak_delay(settings: Settings, num_delivered: int) -> float:
    delays = settings.nak_delays_s or [1.0]
    return float(delays[min(max(num_delivered, 1), len(delays)) - 1])


def _rejection(stage: Stage, event: Event | None, reason: str, detail: str, msg: Msg) -> Outgoing:
    md = msg.metadata
    ref = getattr(event, "ref", None)
    rejected = DocRejected(
        stage=stage.name,
        reason=reason,
        detail=detail[:2000],
        ref=ref,
        url=ref.url if ref else None,
        portal=ref.portal if ref else getattr(event, "portal", None),
        original_subject=msg.subject,
        original_seq=md.sequence.stream,
    )
    # One rejection per original message, however often this runs.
    mid = f"rejected:{stage.name}:{md.stream}:{md.sequence.stream}"
    return Outgoing(subject("doc.rejected", stage.name), rejected, mid)


class Acker:
    """Runs one stage's handler on raw nats messages and settles each one exactly once."""

    def __init__(
        self,
        stage: Stage,
        settings: Settings,
        handler: Handler,
        publisher: Publisher,
        heartbeat: bool = False,
        unexpected_is_permanent: bool = False,
    ) -> None:
        self.heartbeat = heartbeat
        self.unexpected_is_permanent = unexpected_is_permanent
        self.stage = stage
        self.settings = settings
        self.handler = handler
        self.publisher = publisher
        name = stage.name
        self._in_flight = metrics.IN_FLIGHT.labels(name)
        self._seconds = metrics.PROCESSING_SECONDS.labels(name)
        self._outcomes = {
            o: metrics.MESSAGES.labels(name, o)
            for o in ("ok", "rejected", "retried", "dead_lettered")
        }
        # Messages nak'ed with a delay and not yet settled: JetStream counts them neither as
        # pending nor (between deliveries) as ack-pending, so "idle" must also check this.
        self.awaiting_retry: set[tuple[str, int]] = set()

    async def process(self, msg: Msg) -> str:
        """Handle one message; return its outcome (ok | rejected | retried | dead_lettered)."""
        started = time.perf_counter()
        self._in_flight.inc()
        beat = asyncio.create_task(self._beat(msg)) if self.heartbeat else None
        try:
            outcome = await self._settle(msg)
        finally:
            if beat is not None:
                beat.cancel()
            self._in_flight.dec()
            self._seconds.observe(time.perf_counter() - started)
        self._outcomes[outcome].inc()
        key = (msg.metadata.stream, msg.metadata.sequence.stream)
        if outcome == "retried":
            self.awaiting_retry.add(key)
        else:
            self.awaiting_retry.discard(key)
        return outcome

    async def _beat(self, msg: Msg) -> None:
        """Long work (a crawl, a big PDF) tells the server it is alive: +WPI resets ack_wait."""
        interval = max(self.settings.ack_wait_s / 3, 0.1)
        while True:
            await asyncio.sleep(interval)
            try:
                await msg.in_progress()
            except Exception:  # noqa: BLE001 - a missed beat only risks a redelivery
                log.debug("in_progress failed", exc_info=True)

    async def _settle(self, msg: Msg) -> str:
        event: Event | None = None
        try:
            try:
                event = decode(msg.data)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                return await self._reject(msg, None, "decode_error", str(exc))
            tag = type(event).__struct_config__.tag
            if tag not in self.stage.input_tags:
                wants = ", ".join(sorted(self.stage.input_tags))
                raise WrongEvent(f"{self.stage.name} consumes {wants}, got {tag}")
            outs = await self.handler(event)
            # A replayed/redriven message passes its token on (see shared.events.REPLAY_HEADER).
            token = (msg.headers or {}).get(REPLAY_HEADER)
            for out in outs:
                await self.publisher.publish(as_replay(out, token) if token else out)
        except PermanentError as exc:
            return await self._reject(msg, event, exc.reason, str(exc) or type(exc).__name__)
        except TransientError as exc:
            return await self._retry(msg, exc.reason, exc)
        except asyncio.CancelledError:
            raise  # left unacked on purpose: redelivered after ack_wait
        except Exception as exc:  # noqa: BLE001 - unknown failures may be blips: retry, then DLQ
            log.exception("%s: unexpected error on %s", self.stage.name, msg.subject)
            if self.unexpected_is_permanent and not isinstance(exc, OSError):
                return await self._reject(
                    msg, event, "internal_error", f"{type(exc).__name__}: {exc}"
                )
            return await self._retry(msg, "unexpected", exc)
        await msg.ack()
        return "ok"

    async def _reject(self, msg: Msg, event: Event | None, reason: str, detail: str) -> str:
        metrics.REJECTIONS.labels(self.stage.name, reason).inc()
        if reason in UNUSUAL_REJECTIONS:
            log.warning("%s: %s rejected as %s: %s", self.stage.name, msg.subject, reason, detail)
        try:
            await self.publisher.publish(_rejection(self.stage, event, reason, detail, msg))
        except Exception as exc:  # noqa: BLE001 - the record must exist before we term
            return await self._retry(msg, "reject_publish_failed", exc)
        await msg.term()
        return "rejected"

    async def _retry(self, msg: Msg, reason: str, exc: BaseException) -> str:
        n = msg.metadata.num_delivered
        metrics.RETRIES.labels(self.stage.name, reason).inc()
        await msg.nak(delay=nak_delay(self.settings, n))
        if n >= self.settings.max_deliver:
            # The server delivers no more; its MAX_DELIVERIES advisory is captured by DLQ.
            metrics.DEAD_LETTERS.labels(self.stage.name).inc()
            log.warning(
                "%s: %s dead-lettered after %d deliveries: %s", self.stage.name, msg.subject, n, exc
            )
            return "dead_lettered"
        return "retried"
