"""One stage as a runnable service: broker + subscriber + acking + health HTTP + lag exporter.

`services/<stage>/app.py` `create(settings)` builds a `Service` with a `build` coroutine that
opens the stage's dependencies (stores) and returns its handler; `service.app` is a FastStream
app, so the same module runs under `faststream run --factory services.parser.app:create_app`,
`nianbao serve parser`, or all four stages inside `nianbao run`. Nothing is built when an `app`
module is imported: a Service makes its broker from the settings it is given.

Readiness (/readyz): broker connected + store pings + topology check (drift fails it).
Settings read: http_host, http_port, dlq_interval_s, plus those of shared.runtime.broker / acking.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from faststream import FastStream
from faststream.nats.message import NatsMessage

from shared import metrics, topology
from shared.config import Settings
from shared.runtime.acking import Acker, Handler
from shared.runtime.broker import make_broker, stage_subscriber
from shared.runtime.health import HealthServer
from shared.runtime.lag import export_forever
from shared.runtime.publish import Publisher


class TopologyMissing(RuntimeError):
    pass


@dataclass
class StageDeps:
    """What a stage needs at run time; `closers` run after the broker has stopped."""

    handler: Handler
    pings: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


Build = Callable[[Settings, "Service"], Awaitable[StageDeps]]


class Service:
    def __init__(
        self,
        stage: str,
        settings: Settings,
        build: Build,
        http_port: int | None = None,
        heartbeat: bool = False,
        pure: bool = False,
    ) -> None:
        self.heartbeat = heartbeat
        self.pure = pure  # a pure stage's unexpected exceptions are bugs: rejected, not retried
        self.stage = topology.STAGES[stage]
        self.settings = settings
        self._build = build
        self.broker = make_broker(settings, name=f"nianbao-{stage}")
        self.publisher = Publisher(broker=self.broker)
        self.acker: Acker | None = None
        self.deps: StageDeps | None = None
        port = settings.http_port if http_port is None else http_port
        self.health = HealthServer(self.ready, settings.http_host, port)
        self._lag_task: asyncio.Task | None = None
        self._dlq_task: asyncio.Task | None = None

        @stage_subscriber(self.broker, self.stage, settings)
        async def on_message(msg: NatsMessage) -> None:  # itself (broker.undecoded, no DI)
            assert self.acker is not None, "messages arrive only after open() built the acker"
            await self.acker.process(msg.raw_message)

        self.app = FastStream(self.broker, on_startup=[self.open], after_shutdown=[self.close])

    @property
    def js(self):
        return self.broker.config.connection_state.stream

    async def open(self) -> None:
        """Connect, refuse to auto-declare a missing durable, open deps, serve health."""
        await self.broker.connect()
        try:
            await self.js.consumer_info(self.stage.stream, self.stage.name)
        except Exception as exc:
            raise TopologyMissing(
                f"consumer {self.stage.stream}/{self.stage.name} is missing: run `nianbao topology apply`"
            ) from exc
        self.deps = await self._build(self.settings, self)
        self.acker = Acker(
            self.stage,
            self.settings,
            self.deps.handler,
            self.publisher,
            self.heartbeat,
            unexpected_is_permanent=self.pure,
        )
        await self.health.start()
        self._lag_task = asyncio.create_task(
            export_forever(self.js, [self.stage], self.settings.lag_interval_s)
        )
        if self.settings.dlq_interval_s > 0:
            from shared.runtime.deadletters import (
                export_backlog_forever,  # nianbao_dlq_backlog{stage}
            )

            self._dlq_task = asyncio.create_task(
                export_backlog_forever(self.js, self.settings.dlq_interval_s)
            )

    async def close(self) -> None:
        if self._dlq_task is not None:
            self._dlq_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dlq_task
            self._dlq_task = None
        if self._lag_task is not None:
            self._lag_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._lag_task
            self._lag_task = None
        await self.health.stop()
        for closer in self.deps.closers if self.deps else []:
            with contextlib.suppress(Exception):
                await closer()
        metrics.READY.labels(self.stage.name).set(0)

    async def ready(self) -> list[str]:
        failures: list[str] = []
        if not await self.broker.ping(timeout=1.0):
            failures.append("broker: not connected")
        else:
            failures += await topology.check_or_error(self.js, self.settings)
        for ping in self.deps.pings if self.deps else []:
            try:
                await ping()
            except Exception as exc:  # noqa: BLE001 - report, don't raise
                failures.append(f"store: {type(exc).__name__}: {exc}")
        metrics.READY.labels(self.stage.name).set(0 if failures else 1)
        return failures

    async def start(self) -> None:
        await self.app.start()

    async def stop(self) -> None:
        await self.app.stop()


def standalone(app: FastStream, settings: Settings) -> FastStream:
    """`app` ready for `faststream run --factory …:create_app`, which bypasses the nianbao
    command: the same log format and level as `nianbao serve`, and the same redaction of
    credentials in everything the process prints (shared/redact.py)."""
    from shared.redact import install

    logging.basicConfig(
        level=getattr(logging, settings.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    install()  # after basicConfig: it filters the handlers that exist by then
    return app
