"""`nianbao run`: the whole pipeline on one machine, from nothing.

Starts nats-server (data under `<data_dir>/nats`, unless `nats_url` names a broker), applies the
topology, serves the bundled sample portal on loopback, runs the five services (fetcher, parser,
ocr, validator, indexer) in this asyncio process (each with /metrics, /healthz, /readyz on its own
port), publishes one crawl.due per
registry portal, shows live per-stage progress, and — once the crawl is done and every consumer
is idle — prints a summary (reports indexed, findings by rule) and stops. `--follow` keeps it
running until Ctrl-C. A second run resumes: the broker state, the fetcher's URL state and the
stores persist under data_dir, so nothing unchanged is processed again.

The data dir is locked for the run (nianbao.datadir.RunLock: a second `nianbao run` on it is
refused) and the broker's URL is recorded in `<data_dir>/broker.json`, where `nianbao dlq list`,
`replay`, `topology` … find it without flags. The embedded broker listens on 4222 (monitoring on
8222) when those are free, on free ports otherwise.

Settings read: data_dir, nats_url, http_host, http_port (base; stages use base+0..4 when set),
allow_private_hosts, log_level (+ everything the services read).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import nats

from nianbao.datadir import RunLock, forget_broker, write_broker
from nianbao.embedded.natsd import NatsServer, NatsServerError, free_port, port_or_free
from nianbao.progress import (
    Progress,
    crawl_stats,
    failure_hints,
    next_commands,
    outcomes,
    portal_failures,
)
from nianbao.progress import coverage as portal_coverage
from nianbao.samples.portal import SamplePortal
from shared import topology
from shared.config import Settings
from shared.events import CrawlDue, subject_token
from shared.runtime.lag import read_lag
from shared.runtime.publish import Outgoing, Publisher

log = logging.getLogger("nianbao.launcher")
NATS_PORT, MONITOR_PORT = 4222, 8222  # nats-server's own defaults: what other tools try first


@dataclass
class RunOptions:
    follow: bool = False
    timeout_s: float = 900.0  # give up waiting for idle after this long (summary anyway)
    portal: bool = True
    crawl: bool = True
    live: bool | None = None  # None → when stdout is a terminal
    idle_polls: int = 3  # consecutive idle observations before stopping
    poll_s: float = 0.5


@dataclass
class RunResult:
    indexed: int = 0
    status: dict[str, int] = field(default_factory=dict)
    rules: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, dict[str, int]] = field(default_factory=dict)
    lag: dict[str, dict[str, int]] = field(default_factory=dict)
    idle: bool = False
    seconds: float = 0.0
    # the DLQ backlog as the NianbaoDeadLettersWaiting alert sees it: stage → kind → entries
    dead_letters: dict[str, dict[str, int]] = field(default_factory=dict)
    crawl: dict[str, int] = field(default_factory=dict)  # requests, 304s, bytes, robots denials
    next_commands: list[str] = field(default_factory=list)
    interrupted: bool = False
    # portal → (declared or None, reached, unit) of its 年报 column (progress.coverage)
    coverage: dict[str, tuple[int | None, int, str]] = field(default_factory=dict)
    # portal → reason → count of this run's failed portal crawls (progress.portal_failures)
    portal_failures: dict[str, dict[str, int]] = field(default_factory=dict)
    hints: list[str] = field(default_factory=list)  # what to do about them (failure_hints)


def is_idle(lag: dict[str, dict[str, int]]) -> bool:
    return all(row["pending"] == 0 and row["ack_pending"] == 0 for row in lag.values())


class Launcher:
    def __init__(self, settings: Settings, options: RunOptions | None = None) -> None:
        self.options = options or RunOptions()
        self.settings = settings
        self.nats: NatsServer | None = None
        self.portal: SamplePortal | None = None
        self.services: list = []
        self.nc = None
        self.js = None
        self.stop_event = asyncio.Event()
        self.lock: RunLock | None = None

    # --- start ----------------------------------------------------------------------------------
    async def start(self) -> None:
        data = Path(self.settings.data_dir)
        self.lock = RunLock(data).acquire()  # DataDirBusy before anything starts
        updates: dict = {}
        if not self.settings.nats_url:
            # on this (the main) thread, not a worker thread: the server's death signal is tied
            # to the thread that starts it (natsd.py), and nothing else runs yet to be blocked
            self.nats = self._start_nats((data / "nats").resolve())
            updates["nats_url"] = self.nats.url
        write_broker(data, self.nats.url if self.nats else self.settings.nats_url,
                     self.nats.monitor_url if self.nats else None)  # fmt: skip
        if self.options.portal:
            self.portal = await self._start_portal(data)
            # exactly the sample portal's host:port — not every port of 127.0.0.1, where a crawled
            # page could redirect the fetcher into any local service
            hosts = list(self.settings.allow_private_hosts)
            if (own := f"127.0.0.1:{self.portal.port}") not in hosts:
                hosts.append(own)
            updates.update(sample_portal_url=self.portal.url, allow_private_hosts=hosts)
        self.settings = msgspec.structs.replace(self.settings, **updates)
        self.nc = await nats.connect(self.settings.nats_url, max_reconnect_attempts=-1)
        self.js = self.nc.jetstream()
        await topology.apply(self.js, self.settings)
        await self._start_services()

    @staticmethod
    def _start_nats(store: Path) -> NatsServer:
        """On 4222/8222 when free; on free ports when taken (also when taken in between)."""
        try:
            return NatsServer(
                store_dir=store,
                port=port_or_free(NATS_PORT),
                monitor_port=port_or_free(MONITOR_PORT),
                die_with_parent=True,
            ).start()
        except NatsServerError:
            log.info("nats-server did not start on the usual ports; trying free ones")
            return NatsServer(
                store_dir=store, port=free_port(), monitor_port=free_port(), die_with_parent=True
            ).start()

    async def _start_portal(self, data: Path) -> SamplePortal:
        """Serve on the port of the previous run when it is free, so URLs (doc ids) stay stable."""
        saved = data / "portal.port"
        port = (
            int(saved.read_text()) if saved.exists() and saved.read_text().strip().isdigit() else 0
        )
        try:
            portal = await SamplePortal(host="127.0.0.1", port=port).start()
        except OSError:
            portal = await SamplePortal(host="127.0.0.1", port=0).start()
        saved.write_text(str(portal.port))
        return portal

    async def _start_services(self) -> None:
        from services.fetcher.app import create as fetcher
        from services.indexer.app import create as indexer
        from services.parser.app import create as parser
        from services.parser.ocr_app import create as ocr
        from services.validator.app import create as validator

        base = self.settings.http_port
        # in topology.STAGES order, so the stage ports are base+0.. in pipeline order
        for i, create in enumerate((fetcher, parser, ocr, validator, indexer)):
            service = create(self.settings, http_port=(base + i) if base else 0)
            await service.start()
            self.services.append(service)

    async def publish_crawls(self) -> list[str]:
        """One crawl.due per enabled registry portal; the slot makes the Msg-Id of this run."""
        from services.fetcher.registry import load_registry

        slot = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        publisher = Publisher(js=self.js)
        portals = []
        for portal in load_registry(settings=self.settings):
            if not getattr(portal, "enabled", True):
                continue
            job = CrawlDue(portal=portal.id, slot=slot, reason="manual")
            token = subject_token(portal.id)
            await publisher.publish(Outgoing(f"crawl.due.{token}", job, f"{portal.id}:{slot}"))
            portals.append(portal.id)
        return portals

    async def schedule_forever(self) -> None:
        """--follow: the scheduler loop publishes the registry's recrawls as they fall due, on
        this process's connection (`nianbao serve scheduler` runs it as its own process)."""
        from services.fetcher.registry import load_registry
        from services.fetcher.schedule import Scheduler

        kv = await self.js.key_value("fetch_state")
        await Scheduler(self.js, load_registry(settings=self.settings), kv=kv).run(self.stop_event)

    # --- watch ----------------------------------------------------------------------------------
    async def wait_idle(self, on_tick=None) -> bool:
        """Wait until every consumer is idle for `idle_polls` polls; False on timeout or stop."""
        deadline = time.monotonic() + self.options.timeout_s
        quiet = 0
        while not self.stop_event.is_set():
            lag = await read_lag(self.js)
            retrying = sum(len(s.acker.awaiting_retry) for s in self.services if s.acker)
            if on_tick:
                on_tick(lag)
            quiet = quiet + 1 if is_idle(lag) and not retrying else 0
            if quiet >= self.options.idle_polls and not self.options.follow:
                return True
            if time.monotonic() > deadline and not self.options.follow:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_event.wait(), self.options.poll_s)
        return False

    async def summary(self, idle: bool, seconds: float) -> RunResult:
        from services.fetcher.registry import load_registry
        from shared.runtime.deadletters import DeadLetters
        from shared.storage.factory import open_search_store

        registry = load_registry(settings=self.settings)
        ours = {p.id for p in registry}
        failed = {p: r for p, r in portal_failures().items() if p in ours}
        result = RunResult(
            outcomes=outcomes(),
            idle=idle,
            seconds=seconds,
            crawl=crawl_stats(),
            next_commands=next_commands(self.settings.data_dir),
            interrupted=self.stop_event.is_set(),
            # this run's portals only (the gauges are process-wide)
            coverage={p: c for p, c in portal_coverage().items() if p in ours},
            portal_failures=failed,
            hints=failure_hints(failed, {p.id: list(p.list_urls) for p in registry}),
        )
        result.lag = await read_lag(self.js)
        dead = await DeadLetters.open(self.js, create=False)
        result.dead_letters = await dead.backlog_kinds()
        store = await open_search_store(settings=self.settings)
        try:
            result.indexed = await store.count()
            if hasattr(store, "facets"):
                facets = await store.facets()
                result.status = dict(facets.get("status", {}))
                result.rules = dict(facets.get("rule", {}))
        finally:
            await store.close()
        return result

    # --- stop -----------------------------------------------------------------------------------
    async def stop(self) -> None:
        # Concurrently: each waits up to graceful_timeout_s for its in-flight handlers.
        await asyncio.gather(*(s.stop() for s in self.services), return_exceptions=True)
        self.services.clear()
        if self.nc is not None:
            with contextlib.suppress(Exception):
                await self.nc.close()
            self.nc = None
        if self.portal is not None:
            await self.portal.stop()
            self.portal = None
        if self.nats is not None:
            await asyncio.to_thread(self.nats.stop)
            self.nats = None
        if self.lock is not None:
            forget_broker(self.settings.data_dir)
            self.lock.release()
            self.lock = None


async def run(settings: Settings, options: RunOptions | None = None, out=None) -> RunResult:
    """Start everything, crawl, wait for idle (or Ctrl-C), summarise, stop."""

    options = options or RunOptions()
    launcher = Launcher(settings, options)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, launcher.stop_event.set)
    started = time.monotonic()
    progress = Progress(out or sys.stdout, live=options.live)
    try:
        await launcher.start()
        progress.header(launcher)
        if options.crawl and not options.follow:  # with --follow the scheduler publishes them
            progress.note(f"crawling: {', '.join(await launcher.publish_crawls())}")
        scheduler = asyncio.create_task(launcher.schedule_forever()) if options.follow else None
        try:
            with progress:
                idle = await launcher.wait_idle(progress.update)
        finally:
            if scheduler is not None:
                launcher.stop_event.set()
                with contextlib.suppress(Exception):
                    await scheduler
        result = await launcher.summary(idle, time.monotonic() - started)
        progress.summary(result, interrupted=launcher.stop_event.is_set())
        return result
    finally:
        await launcher.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
