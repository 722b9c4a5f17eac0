"""`nianbao topology` and `nianbao serve` as processes against a real nats-server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from nianbao.embedded.natsd import free_port

pytestmark = pytest.mark.nats


def _nianbao(*args, env=None, **kw):
    return subprocess.run(
        [sys.executable, "-m", "nianbao.cli.main", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
        **kw,
    )


def test_topology_check_fails_before_apply_and_passes_after(nats_server):
    before = _nianbao("topology", "check", "--nats-url", nats_server.url)
    applied = _nianbao("topology", "apply", "--nats-url", nats_server.url)
    after = _nianbao("topology", "check", "--nats-url", nats_server.url)
    assert before.returncode == 1 and "drift: stream DOCS missing" in before.stderr
    assert applied.returncode == 0 and "created stream DOCS" in applied.stdout
    assert after.returncode == 0 and after.stdout.strip() == "topology matches"


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


@pytest.mark.slow
def test_serve_parser_reports_ready_then_drift_then_stops_on_sigterm(nats_server, tmp_path):
    assert _nianbao("topology", "apply", "--nats-url", nats_server.url).returncode == 0
    port = free_port()
    env = {
        **os.environ,
        "NIANBAO_NATS_URL": nats_server.url,
        "NIANBAO_HTTP_PORT": str(port),
        "NIANBAO_DATA_DIR": str(tmp_path / "data"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "nianbao.cli.main", "serve", "parser"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline and status != 200:
            try:
                status, _ = _get(f"http://127.0.0.1:{port}/readyz")
            except OSError:
                time.sleep(0.2)
        assert status == 200
        assert _get(f"http://127.0.0.1:{port}/healthz")[0] == 200
        metrics = _get(f"http://127.0.0.1:{port}/metrics")[1]
        assert 'nianbao_consumer_pending{consumer="parser"}' in metrics
        # the code now wants another max_deliver: readiness fails and says why
        drift = _nianbao(
            "topology", "check", "--nats-url", nats_server.url, env={"NIANBAO_MAX_DELIVER": "9"}
        )
        assert drift.returncode == 1
        _nianbao(
            "topology", "apply", "--nats-url", nats_server.url, env={"NIANBAO_MAX_DELIVER": "9"}
        )
        status, body = _get(f"http://127.0.0.1:{port}/readyz")
        assert status == 503 and "max_deliver: want 6, have 9" in body
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    assert code == 0
