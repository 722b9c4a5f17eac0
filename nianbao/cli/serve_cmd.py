"""`nianbao serve STAGE` — run one service in this process, as it runs in its own pod.

Stages: fetcher, parser, validator, indexer (FastStream apps from services/<stage>/app.py, the
same as `faststream run services.<stage>.app:app`), and scheduler (publishes crawl.due jobs).
The broker must exist and carry the topology (`nianbao topology apply`); the service serves
/metrics, /healthz, /readyz on NIANBAO_HTTP_HOST:NIANBAO_HTTP_PORT. SIGTERM/Ctrl-C stop it
gracefully (in-flight handlers get graceful_timeout_s to finish).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import signal
import sys

from shared import topology
from shared.config import load

STAGES = (*topology.STAGES, "scheduler")


def add_arguments(parser) -> None:
    parser.add_argument("stage", choices=STAGES)
    parser.add_argument(
        "--nats-url", help="broker URL (default: NIANBAO_NATS_URL or nats://127.0.0.1:4222)"
    )
    parser.add_argument("--http-port", type=int, help="port of /metrics, /healthz, /readyz")


async def _always_ready() -> list[str]:
    return []


async def _export_missing_forever(settings, stop: asyncio.Event) -> None:
    """Keep nianbao_reports_missing current for the last two report years, from fetch_state.

    `nianbao missing` sets it only inside its own short-lived process; exported here, by the
    long-running scheduler, Prometheus sees it and NianbaoReportsMissingAfterDeadline can fire.
    """
    from datetime import UTC, datetime

    import nats

    from services.fetcher.missing import audit, export_metric, sightings_from_state
    from services.fetcher.registry import load_registry
    from services.fetcher.state import UrlState

    log = logging.getLogger("nianbao.scheduler")
    registry = None
    while not stop.is_set():
        now = datetime.now(UTC)
        try:
            registry = registry or load_registry(settings=settings)
            nc = await nats.connect(settings.nats_url, connect_timeout=5, max_reconnect_attempts=1)
            try:
                state = UrlState(nc.jetstream())
                for year in (now.year - 1, now.year - 2):
                    export_metric(
                        audit(registry, await sightings_from_state(state, year), year, now), year
                    )
            finally:
                await nc.close()
        except Exception as exc:  # noqa: BLE001 - a metric refresh must never stop the scheduler
            log.warning("reports-missing metric not refreshed: %s: %s", type(exc).__name__, exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.missing_interval_s)


async def serve(stage: str, settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    if stage == "scheduler":
        from services.fetcher.schedule import serve as scheduler
        from shared.runtime.health import HealthServer

        # No consumer, but a pod like the others: /metrics, /healthz and /readyz for its probes
        # and Prometheus (readiness = the process runs; it takes no inbound traffic).
        health = await HealthServer(_always_ready, settings.http_host, settings.http_port).start()
        missing = asyncio.create_task(_export_missing_forever(settings, stop))
        try:
            await scheduler(settings, stop)
        finally:
            stop.set()
            await missing
            await health.stop()
        return
    service = importlib.import_module(f"services.{stage}.app").create(settings)
    await service.start()
    print(
        f"nianbao {stage}: consuming {service.stage.filter_subject} from {settings.nats_url or 'default'};"
        f" {service.health.url}/metrics /healthz /readyz",
        file=sys.stderr,
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        await service.stop()


def run(args) -> int:
    settings = load(nats_url=args.nats_url, http_port=args.http_port)
    logging.basicConfig(
        level=getattr(logging, settings.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        asyncio.run(serve(args.stage, settings))
    except KeyboardInterrupt:
        pass
    return 0
