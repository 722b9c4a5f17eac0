"""`nianbao serve STAGE` — run one service in this process, as it runs in its own pod.

Stages: fetcher, parser, validator, indexer (FastStream apps from services/<stage>/app.py, the
same as `faststream run --factory services.<stage>.app:create_app`), ocr (the parser's second
app, services/parser/ocr_app.py: the scans the parser hands over), and scheduler (publishes
crawl.due jobs and exports nianbao_reports_missing: services/fetcher/scheduler_app.py).
The broker must exist and carry the topology (`nianbao topology apply`); it is found as every
command finds it (nianbao.cli.connection) and the first log line says which URL and why. Until it
answers, a line every WAIT_LOG_S says that the service still waits. The service serves /metrics,
/healthz, /readyz on NIANBAO_HTTP_HOST:NIANBAO_HTTP_PORT. SIGTERM/Ctrl-C stop it gracefully
(in-flight handlers get graceful_timeout_s to finish), and stop it at once while it is still
connecting.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import signal
import sys

from nianbao.cli.connection import BrokerTarget, add_broker_arguments, target_of
from shared import topology
from shared.config import load
from shared.redact import redact_url

log = logging.getLogger("nianbao.serve")
WAIT_LOG_S = 10.0

STAGES = (*topology.STAGES, "scheduler")
# The module whose `create(settings)` builds each process (`create_app` is its FastStream factory).
APPS = {
    **{stage: f"services.{stage}.app" for stage in topology.STAGES},
    "ocr": "services.parser.ocr_app",  # the parser service's second app: scans, by OCR
    "scheduler": "services.fetcher.scheduler_app",
}


def add_arguments(parser) -> None:
    parser.add_argument("stage", choices=STAGES, help="the service to run")
    add_broker_arguments(parser)
    parser.add_argument("--http-port", type=int, help="port of /metrics, /healthz, /readyz")


async def _start_or_stop(service, stop: asyncio.Event, stage: str, target: BrokerTarget) -> bool:
    """Start the service; False when a stop signal came first (the start is abandoned)."""
    starting = asyncio.create_task(service.start())
    stopping = asyncio.create_task(stop.wait())
    waited = 0.0
    try:
        while True:
            done, _ = await asyncio.wait(
                {starting, stopping}, timeout=WAIT_LOG_S, return_when=asyncio.FIRST_COMPLETED
            )
            if starting in done:
                starting.result()  # a start that failed raises here
                return True
            if stopping in done:
                log.warning("nianbao %s: stopped while still connecting to %s", stage, target.url)
                # asyncio.wait_for (3.11) can swallow a cancel that lands as nats-py's connect
                # attempt fails; nats-py then retries forever. Cancel until it takes.
                while not starting.done():
                    starting.cancel()
                    await asyncio.wait({starting}, timeout=0.5)
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    starting.result()
                return False
            waited += WAIT_LOG_S
            log.warning(
                "nianbao %s: still waiting for the broker at %s (%.0f s; %s)",
                stage, target.url, waited, target.origin(),
            )  # fmt: skip
    finally:
        stopping.cancel()


async def serve(stage: str, settings, target: BrokerTarget | None = None) -> None:
    target = target or BrokerTarget(settings.nats_url, "settings", settings.data_dir)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    service = importlib.import_module(APPS[stage]).create(settings)
    log.info("nianbao %s: connecting to the broker at %s (%s)", stage, target.url, target.origin())
    if not await _start_or_stop(service, stop, stage, target):
        return
    work = (
        "publishing crawl.due jobs"
        if stage == "scheduler"
        else f"consuming {service.stage.filter_subject}"
    )
    print(
        f"nianbao {stage}: {work} on {redact_url(settings.nats_url) or 'default'};"
        f" {service.health.url}/metrics /healthz /readyz",
        file=sys.stderr,
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        await service.stop()


def run(args) -> int:
    target = target_of(args)
    settings = load(nats_url=target.url, http_port=args.http_port, data_dir=args.data_dir)
    logging.basicConfig(
        level=getattr(logging, settings.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        asyncio.run(serve(args.stage, settings, target))
    except KeyboardInterrupt:
        pass
    return 0
