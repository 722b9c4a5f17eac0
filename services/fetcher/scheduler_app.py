"""The scheduler service: publishes `crawl.due.<portal>` as each portal's recrawl slot falls due
(the slots and the loop: schedule.py), and keeps `nianbao_reports_missing` current from the
`fetch_state` bucket (the audit: missing.py).

Run alone: `nianbao serve scheduler` or
`faststream run --factory services.fetcher.scheduler_app:create_app`. It consumes nothing, but
runs like the four stages: a FastStream app on the same broker factory, with /metrics, /healthz
and /readyz for its pod's probes and for Prometheus (readiness = the process runs: it takes no
inbound traffic). Any number of replicas may run: a job's Msg-Id is `<portal>:<slot>`.
Importing this module builds nothing and reads no setting: `create` does, when called.
Settings read: nats_url, http_host, http_port, missing_interval_s, portals, sample_portal_url
(+ shared.runtime.broker's).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from faststream import FastStream

from services.fetcher.missing import audit, dead_from_state, export_metric, sightings_from_state
from services.fetcher.registry import Registry, load_registry
from services.fetcher.schedule import Scheduler
from services.fetcher.state import UrlState
from shared.config import Settings, load
from shared.runtime.broker import make_broker
from shared.runtime.health import HealthServer
from shared.runtime.service import standalone

log = logging.getLogger("nianbao.scheduler")


async def export_missing_forever(
    state: UrlState, registry: Registry, interval_s: float, stop: asyncio.Event
) -> None:
    """Keep nianbao_reports_missing current for the last two report years.

    `nianbao missing` sets it only inside its own short-lived process; exported here, by the
    long-running scheduler, Prometheus sees it and NianbaoReportsMissingAfterDeadline can fire.
    """
    while not stop.is_set():
        now = datetime.now(UTC)
        try:
            dead = await dead_from_state(state)  # listed but 404/410: not silence
            for year in (now.year - 1, now.year - 2):
                found = await sightings_from_state(state, year)
                export_metric(audit(registry, found, year, now, dead=dead), year)
        except Exception as exc:  # noqa: BLE001 - a metric refresh must never stop the scheduler
            log.warning("reports-missing metric not refreshed: %s: %s", type(exc).__name__, exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval_s)


async def _always_ready() -> list[str]:
    return []


class SchedulerService:
    """The scheduler loop and the missing-reports exporter on one broker connection."""

    def __init__(self, settings: Settings, http_port: int | None = None) -> None:
        self.settings = settings
        self.broker = make_broker(settings, name="nianbao-scheduler")
        port = settings.http_port if http_port is None else http_port
        self.health = HealthServer(_always_ready, settings.http_host, port)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self.app = FastStream(self.broker, on_startup=[self.open], after_shutdown=[self.close])

    @property
    def js(self):
        return self.broker.config.connection_state.stream

    async def open(self) -> None:
        await self.broker.connect()
        registry = load_registry(settings=self.settings)
        try:
            kv = await self.js.key_value("fetch_state")
        except Exception:  # noqa: BLE001 - run without slot memory rather than not at all
            log.warning(
                "fetch_state bucket missing (run `nianbao topology apply`); slots kept in memory"
            )
            kv = None
        self._stop.clear()
        self._tasks = [
            asyncio.create_task(Scheduler(self.js, registry, kv=kv).run(self._stop)),
            asyncio.create_task(
                export_missing_forever(
                    UrlState(self.js), registry, self.settings.missing_interval_s, self._stop
                )
            ),
        ]
        await self.health.start()

    async def close(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self.health.stop()

    async def start(self) -> None:
        await self.app.start()

    async def stop(self) -> None:
        await self.app.stop()


def create(settings: Settings | None = None, http_port: int | None = None) -> SchedulerService:
    return SchedulerService(settings or load(), http_port=http_port)


def create_app() -> FastStream:
    """`faststream run --factory`: the scheduler from the environment's settings."""
    service = create()
    return standalone(service.app, service.settings)
