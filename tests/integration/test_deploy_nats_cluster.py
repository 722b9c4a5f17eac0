"""The NATS configuration of deploy/k8s/base/nats.yaml, run for real: three nats-servers on
loopback (same config, ports and routes moved to free local ones) form a JetStream cluster,
`nianbao topology apply` creates R3 streams on it, and publishing keeps working with one server
down — what the PodDisruptionBudget (maxUnavailable 1) promises during a node drain."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nats
import pytest

from nianbao.embedded.natsd import find_binary, free_port

pytestmark = pytest.mark.nats

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_S = 60


def _base_nats_conf() -> str:
    spec = importlib.util.spec_from_file_location(
        "deploy_kustomize_lite", ROOT / "deploy/tools/kustomize_lite.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    objects = module.render(ROOT / "deploy" / "k8s" / "base")
    return next(o for o in objects if o["metadata"]["name"] == "nats-config")["data"]["nats.conf"]


def _local_conf(conf: str, i: int, ports: list[dict[str, int]], home: Path) -> str:
    """The k8s config with this host's ports, routes and directories; nothing else changes."""
    mine = ports[i]
    conf = conf.replace("port: 4222", f"port: {mine['client']}", 1)
    conf = conf.replace("http_port: 8222", f"http_port: {mine['monitor']}", 1)
    conf = conf.replace("port: 6222", f"port: {mine['cluster']}", 1)
    conf = re.sub(
        r"nats://nats-(\d)\.nats-headless:6222",
        lambda m: f"nats://127.0.0.1:{ports[int(m.group(1))]['cluster']}",
        conf,
    )
    conf = conf.replace("/data/jetstream", str(home / "jetstream"))
    conf = conf.replace("/var/run/nats/nats.pid", str(home / "nats.pid"))
    return conf


def _ready(monitor: int) -> bool:
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{monitor}/healthz?js-enabled-only=true", timeout=2
        ) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.fixture
def cluster(tmp_path):
    conf = _base_nats_conf()
    ports = [
        {"client": free_port(), "monitor": free_port(), "cluster": free_port()} for _ in range(3)
    ]
    procs: list[subprocess.Popen] = []
    try:
        for i in range(3):
            home = tmp_path / f"nats-{i}"
            home.mkdir()
            (home / "nats.conf").write_text(_local_conf(conf, i, ports, home))
            log = (home / "log").open("w")
            procs.append(
                subprocess.Popen(
                    [find_binary(), "-c", str(home / "nats.conf")],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env={**os.environ, "SERVER_NAME": f"nats-{i}"},
                )
            )
        end = time.monotonic() + DEADLINE_S
        while not all(_ready(p["monitor"]) for p in ports):
            assert time.monotonic() < end, "the cluster did not become ready"
            assert all(p.poll() is None for p in procs), "a nats-server exited"
            time.sleep(0.3)
        yield [f"nats://127.0.0.1:{p['client']}" for p in ports], procs
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def _nianbao(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NIANBAO_NATS_URL": url, "NIANBAO_STREAM_REPLICAS": "3"}
    return subprocess.run(
        [sys.executable, "-m", "nianbao.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_topology_creates_r3_streams_on_the_k8s_nats_config_and_survives_losing_a_server(cluster):
    urls, procs = cluster
    end = time.monotonic() + DEADLINE_S
    while (applied := _nianbao("topology", "apply", url=urls[0])).returncode != 0:
        # the JetStream meta leader may still be in election right after the servers are up
        assert time.monotonic() < end, applied.stderr
        time.sleep(1)
    assert _nianbao("topology", "check", url=urls[0]).returncode == 0

    async def exercise() -> tuple[int, int, int]:
        nc = await nats.connect(servers=urls, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
        try:
            js = nc.jetstream()
            info = await js.stream_info("DOCS")
            peers = len(info.cluster.replicas or []) + 1  # the leader plus its followers
            first = await js.publish(
                "doc.indexed.cluster-test", b"{}", headers={"Nats-Msg-Id": "one"}
            )
            victim = next(i for i, u in enumerate(urls) if str(nc.connected_url.port) not in u)
            procs[victim].terminate()
            procs[victim].wait(15)
            second = None
            for _ in range(50):  # a new stream leader may have to be elected: retry, never drop
                try:
                    second = await js.publish(
                        "doc.indexed.cluster-test", b"{}", headers={"Nats-Msg-Id": "two"}
                    )
                    break
                except (nats.errors.TimeoutError, nats.js.errors.NoStreamResponseError):
                    await asyncio.sleep(0.5)
            assert second is not None, (
                "DOCS stopped accepting messages with one server of three down"
            )
            return info.config.num_replicas, peers, second.seq - first.seq
        finally:
            await nc.close()

    replicas, peers, gap = asyncio.run(exercise())
    assert (replicas, peers, gap) == (3, 3, 1)
