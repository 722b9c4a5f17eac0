"""`nianbao serve scheduler` as its pod runs it: /healthz and /readyz for the probes, and
/metrics carrying nianbao_reports_missing from the fetch_state bucket."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime

import pytest

from nianbao.embedded.natsd import free_port

pytestmark = pytest.mark.nats

REGISTRY = """
[[portal]]
id = "gov-quiet"
name = "某某县人民政府"
division_code = "110101"
level = "county"
kind = "government"
list_urls = ["https://www.example.gov.cn/zwgk/zfxxgk/zfxxgknb/index.html"]
"""


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_scheduler_serves_probes_and_exports_overdue_reports(nats_server, tmp_path):
    (tmp_path / "portals.toml").write_text(REGISTRY, encoding="utf-8")
    port = free_port()
    env = {
        **os.environ,
        "NIANBAO_NATS_URL": nats_server.url,
        "NIANBAO_HTTP_HOST": "127.0.0.1",
        "NIANBAO_HTTP_PORT": str(port),
        "NIANBAO_DATA_DIR": str(tmp_path / "data"),
        "NIANBAO_PORTALS": str(tmp_path / "portals.toml"),
        "NIANBAO_MISSING_INTERVAL_S": "1",
    }
    applied = subprocess.run(
        [sys.executable, "-m", "nianbao.cli.main", "topology", "apply"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert applied.returncode == 0, applied.stderr
    proc = subprocess.Popen(
        [sys.executable, "-m", "nianbao.cli.main", "serve", "scheduler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    # last year's report of a government is due by 31 March of this year; nothing was found
    year = datetime.now(UTC).year - 1
    overdue = datetime.now(UTC) > datetime(year + 1, 3, 31, 16, tzinfo=UTC)
    series = f'nianbao_reports_missing{{late="false",year="{year}"}} {1.0 if overdue else 0.0}'
    try:
        deadline = time.monotonic() + 60
        metrics = ""
        while time.monotonic() < deadline and series not in metrics:
            try:
                metrics = _get(f"http://127.0.0.1:{port}/metrics")[1]
            except OSError:
                pass
            time.sleep(0.3)
        assert series in metrics
        assert _get(f"http://127.0.0.1:{port}/healthz")[0] == 200
        assert _get(f"http://127.0.0.1:{port}/readyz")[0] == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
        stderr = proc.stderr.read()
    assert code == 0, stderr
