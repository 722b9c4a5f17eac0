"""The broker factory: every stage's FastStream NatsBroker is made here, the same way.

- `max_reconnect_attempts=-1`: nats-py's default gives up after ~2 minutes and leaves a deaf worker;
- `graceful_timeout`: shutdown stops fetching, waits for in-flight handlers, then disconnects;
- per-message logs at DEBUG (off the hot path unless asked for);
- FastStream's supervisor lines about an idle fetch are dropped (IdleFetchFilter): under CPU
  load nats-py's fetch of an empty pull can time out with a bare TimeoutError, which FastStream
  logs at ERROR with a traceback before restarting the consume task — nothing is wrong;
- subscribers bind to the pre-created durable (`PullSub`, `JStream(declare=False)`) with
  AckPolicy.MANUAL: `shared.runtime.acking` settles every message;
- no FastStream body decoding and no dependency injection (`apply_types=False`, a decoder that
  returns the message itself): the acking layer decodes the msgspec event once. FastStream's
  default ran stdlib `json.loads` over every 20 KB body only to throw the result away, and its
  DI resolved the message argument in a thread-pool hop per message (profiled: ~15% of a
  validator's CPU).

Settings read: nats_url, graceful_timeout_s, max_workers, log_level.
"""

from __future__ import annotations

import logging

from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub

from shared.config import Settings
from shared.topology import Stage, consumer

DEFAULT_URL = "nats://127.0.0.1:4222"


class IdleFetchFilter(logging.Filter):
    """Drops FastStream's "Task-N raised an exception, retrying..." when the exception is a
    timeout (an empty pull that timed out: the consume task is restarted and nothing is lost)
    and its "callback for Task-N is being executed..." lines (said at every restart and stop).
    Any other exception of a consume task still logs at ERROR."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("callback for ") and message.endswith(" is being executed..."):
            return False
        exc = record.exc_info[1] if record.exc_info else None
        return not ("raised an exception" in message and isinstance(exc, TimeoutError))


def broker_logger(name: str) -> logging.Logger:
    logger = logging.getLogger(f"nianbao.broker.{name}")
    if not any(isinstance(f, IdleFetchFilter) for f in logger.filters):
        logger.addFilter(IdleFetchFilter())
    return logger


def make_broker(settings: Settings, name: str = "nianbao") -> NatsBroker:
    return NatsBroker(
        settings.nats_url or DEFAULT_URL,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        graceful_timeout=settings.graceful_timeout_s,
        logger=broker_logger(name),
        log_level=logging.DEBUG,
        apply_types=False,
    )


async def undecoded(msg):
    """FastStream decoder: the StreamMessage itself (handlers read `msg.raw_message`)."""
    return msg


def stage_subscriber(broker: NatsBroker, stage: Stage, settings: Settings):
    """A pull subscriber bound to the stage's durable; never declares streams."""
    return broker.subscriber(
        stage.filter_subject,
        stream=JStream(stage.stream, declare=False),
        durable=stage.name,
        config=consumer(stage, settings),
        # batch_size = how many messages of one fetch run concurrently (ag2ai/faststream#2563);
        # the timeout bounds one idle fetch; short ones make nats-py raise a bare TimeoutError
        # under CPU load (FastStream then restarts its consume task with a warning).
        pull_sub=PullSub(batch_size=max(1, settings.max_workers), timeout=5.0),
        ack_policy=AckPolicy.MANUAL,
        decoder=undecoded,
    )
