"""The NATS configuration of deploy/k8s/base/nats.yaml, run for real: three nats-servers on
loopback (same config, users and TLS; ports, routes and certificates moved to local ones) form a
JetStream cluster over mutually verified TLS routes,
`nianbao topology apply` creates R3 streams on it, and publishing keeps working with one server
down — what the PodDisruptionBudget (maxUnavailable 1) promises during a node drain."""

from __future__ import annotations

import asyncio
import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

import nats
import pytest

from tests.support import k8s_nats
from tests.support.tls import make_certs

pytestmark = pytest.mark.nats

DEADLINE_S = 60


@pytest.fixture
def cluster(tmp_path):
    certs = make_certs(tmp_path / "tls", ("nats", "*.nats-headless"))
    pw = k8s_nats.passwords()
    ports, procs, _ = k8s_nats.start(tmp_path, 3, certs, pw, DEADLINE_S)
    try:
        urls = [f"tls://ops:{pw['ops']}@127.0.0.1:{p.client}" for p in ports]
        yield urls, procs, certs
    finally:
        k8s_nats.stop(procs)


def _nianbao(*args: str, url: str, ca: Path) -> subprocess.CompletedProcess:
    # SSL_CERT_FILE: how the pods trust the cluster CA (Python's default context reads it)
    env = {
        **os.environ,
        "NIANBAO_NATS_URL": url,
        "NIANBAO_STREAM_REPLICAS": "3",
        "SSL_CERT_FILE": str(ca),
    }
    return subprocess.run(
        [sys.executable, "-m", "nianbao.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_topology_creates_r3_streams_on_the_k8s_nats_config_and_survives_losing_a_server(cluster):
    urls, procs, certs = cluster
    end = time.monotonic() + DEADLINE_S
    while (applied := _nianbao("topology", "apply", url=urls[0], ca=certs.ca)).returncode != 0:
        # the JetStream meta leader may still be in election right after the servers are up
        assert time.monotonic() < end, applied.stderr
        time.sleep(1)
    assert _nianbao("topology", "check", url=urls[0], ca=certs.ca).returncode == 0

    async def exercise() -> tuple[int, int, int]:
        nc = await nats.connect(
            servers=urls,
            tls=ssl.create_default_context(cafile=str(certs.ca)),
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.2,
        )
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
