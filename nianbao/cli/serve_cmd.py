"""`nianbao serve STAGE` — run one service in this process, as it runs in its own pod.

Stages: fetcher, parser, validator, indexer (FastStream apps from services/<stage>/app.py, the
same as `faststream run --factory services.<stage>.app:create_app`), and scheduler (publishes
crawl.due jobs and exports nianbao_reports_missing: services/fetcher/scheduler_app.py).
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
# The module whose `create(settings)` builds each process (`create_app` is its FastStream factory).
APPS = {
    **{stage: f"services.{stage}.app" for stage in topology.STAGES},
    "scheduler": "services.fetcher.scheduler_app",
}


def add_arguments(parser) -> None:
    parser.add_argument("stage", choices=STAGES)
    parser.add_argument(
        "--nats-url", help="broker URL (default: NIANBAO_NATS_URL or nats://127.0.0.1:4222)"
    )
    parser.add_argument("--http-port", type=int, help="port of /metrics, /healthz, /readyz")


async def serve(stage: str, settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    service = importlib.import_module(APPS[stage]).create(settings)
    await service.start()
    work = (
        "publishing crawl.due jobs"
        if stage == "scheduler"
        else f"consuming {service.stage.filter_subject}"
    )
    print(
        f"nianbao {stage}: {work} on {settings.nats_url or 'default'};"
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
