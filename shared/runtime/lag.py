"""Consumer lag, read from JetStream consumer info and exported as gauges.

`num_pending` = not yet delivered (the lag), `num_ack_pending` = delivered, not yet settled
(in flight or waiting for a nak delay), `num_redelivered` = delivered more than once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from nats.errors import Error as NatsError
from nats.js import JetStreamContext

from shared import metrics
from shared.topology import STAGES, Stage

log = logging.getLogger("nianbao.lag")


async def read_lag(
    js: JetStreamContext, stages: list[Stage] | None = None
) -> dict[str, dict[str, int]]:
    """{consumer: {pending, ack_pending, redelivered, delivered}} and the gauges updated."""
    out: dict[str, dict[str, int]] = {}
    for stage in stages or list(STAGES.values()):
        info = await js.consumer_info(stage.stream, stage.name)
        row = {
            "pending": int(info.num_pending or 0),
            "ack_pending": int(info.num_ack_pending or 0),
            "redelivered": int(info.num_redelivered or 0),
            "delivered": int(info.delivered.consumer_seq or 0) if info.delivered else 0,
        }
        metrics.CONSUMER_PENDING.labels(stage.name).set(row["pending"])
        metrics.CONSUMER_ACK_PENDING.labels(stage.name).set(row["ack_pending"])
        metrics.CONSUMER_REDELIVERED.labels(stage.name).set(row["redelivered"])
        out[stage.name] = row
    return out


async def export_forever(js: JetStreamContext, stages: list[Stage], interval: float = 5.0) -> None:
    """Refresh the lag gauges until cancelled; a broker outage only skips a round."""
    while True:
        with contextlib.suppress(NatsError, TimeoutError, asyncio.TimeoutError):
            await read_lag(js, stages)
        await asyncio.sleep(interval)
