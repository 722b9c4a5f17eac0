"""Every service runs under FastStream's own runner, the way README documents it:
`faststream run --factory services.<stage>.app:create_app` (and
`services.fetcher.scheduler_app:create_app`), settings from `NIANBAO_*`, against a real
nats-server carrying the topology: ready on /readyz, and SIGTERM ends it with exit code 0."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nats
import pytest

from nianbao.embedded.natsd import free_port
from shared import topology
from shared.config import load

pytestmark = [pytest.mark.nats, pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parents[2]
FACTORIES = {
    "fetcher": "services.fetcher.app:create_app",
    "parser": "services.parser.app:create_app",
    "validator": "services.validator.app:create_app",
    "indexer": "services.indexer.app:create_app",
    "scheduler": "services.fetcher.scheduler_app:create_app",
}
REGISTRY = """
[[portal]]
id = "gov-quiet"
name = "某某县人民政府"
kind = "government"
list_urls = ["https://www.example.gov.cn/zwgk/zfxxgk/zfxxgknb/index.html"]
"""


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return None


async def _apply_topology(url: str) -> None:
    nc = await nats.connect(url)
    try:
        await topology.apply(nc.jetstream(), load(env={}, nats_url=url))
    finally:
        await nc.close()


async def _crawl_jobs(url: str) -> int:
    nc = await nats.connect(url)
    try:
        return (await nc.jetstream().stream_info(topology.CRAWL)).state.messages
    finally:
        await nc.close()


@pytest.mark.parametrize("process", sorted(FACTORIES))
def test_service_apps_run_under_faststream_run_factory(process, nats_server, tmp_path):
    asyncio.run(_apply_topology(nats_server.url))
    (tmp_path / "portals.toml").write_text(REGISTRY, encoding="utf-8")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")},
        "NIANBAO_NATS_URL": nats_server.url,
        "NIANBAO_HTTP_HOST": "127.0.0.1",
        "NIANBAO_HTTP_PORT": str(port),
        "NIANBAO_DATA_DIR": str(tmp_path / "data"),
        "NIANBAO_PORTALS": str(tmp_path / "portals.toml"),
    }
    log = tmp_path / "faststream.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "faststream", "run", "--factory", FACTORIES[process]],
            env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        ready = None
        while time.monotonic() < deadline and ready != 200 and proc.poll() is None:
            ready = _status(f"http://127.0.0.1:{port}/readyz")
            time.sleep(0.3)
        assert ready == 200, log.read_text(errors="replace")[-3000:]
        if process == "scheduler":
            # the one portal's current slot, published as a crawl.due job
            jobs = 0
            while time.monotonic() < deadline and not jobs:
                jobs = asyncio.run(_crawl_jobs(nats_server.url))
                time.sleep(0.2)
            assert jobs == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    assert code == 0, log.read_text(errors="replace")[-3000:]
