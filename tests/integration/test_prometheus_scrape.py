"""A real Prometheus, loaded with deploy/prometheus's rules, scrapes a running `nianbao serve parser`
(real nats-server, real topology); a report goes through the parser and Prometheus answers a query
about the counter that moved, and about the recorded series built from it."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import nats
import pytest
import yaml

from nianbao.embedded.natsd import free_port
from shared.events import (
    DocFetched,
    DocRef,
    doc_id_for,
    encode,
    msg_id,
    object_key_for,
    version_for,
)
from shared.runtime.publish import MSG_ID_HEADER
from shared.storage.base import ObjectMeta
from shared.storage.factory import open_object_store

pytestmark = [pytest.mark.prometheus, pytest.mark.nats]

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
DEADLINE_S = 90  # generous: the machine is shared; nothing here asserts on speed


def _nianbao(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nianbao.cli.main", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
    )


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=3) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def _wait_for(what: str, probe, deadline_s: float = DEADLINE_S):
    """Poll `probe` until it returns something truthy; fail with `what` after the deadline."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            value = probe()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def _query(prom_url: str, expr: str) -> list[dict]:
    status, body = _get(f"{prom_url}/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
    assert status == 200, body
    return json.loads(body)["data"]["result"]


class Process:
    def __init__(self, argv: list[str], env: dict[str, str], log: Path):
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            argv, env={**os.environ, **env}, stdout=self.log, stderr=subprocess.STDOUT
        )

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


@pytest.fixture
def parser_service(nats_server, tmp_path):
    """`nianbao serve parser` as its own process, ready, with /metrics on a random port."""
    env = {
        "NIANBAO_NATS_URL": nats_server.url,
        "NIANBAO_DATA_DIR": str(tmp_path / "data"),
        "NIANBAO_HTTP_HOST": "127.0.0.1",
        "NIANBAO_HTTP_PORT": str(free_port()),
    }
    applied = _nianbao("topology", "apply", env=env)
    assert applied.returncode == 0, applied.stderr
    service = Process(
        [sys.executable, "-m", "nianbao.cli.main", "serve", "parser"], env, tmp_path / "parser.log"
    )
    try:
        url = f"http://127.0.0.1:{env['NIANBAO_HTTP_PORT']}"
        _wait_for("the parser's /readyz", lambda: _get(f"{url}/readyz")[0] == 200)
        yield env, url
    finally:
        assert service.stop() == 0, (tmp_path / "parser.log").read_text()


def _start_prometheus(tmp_path: Path, target: str) -> tuple[Process, str]:
    """Debian's Prometheus with our rule files, scraping `target` (host:port) every second."""
    if not Path(PROMETHEUS).exists():
        pytest.fail("prometheus not installed: .ci/run installs Debian's prometheus package")
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "deploy" / "prometheus" / "rules", rules)
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(rules / "*.yml")],
        # Same job name as deploy/prometheus/prometheus.yml, by static config.
        "scrape_configs": [{"job_name": "nianbao", "static_configs": [{"targets": [target]}]}],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    server = Process(
        [
            PROMETHEUS,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        {},
        tmp_path / "prometheus.log",
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for("Prometheus /-/ready", lambda: _get(f"{url}/-/ready")[0] == 200)
    except BaseException:
        server.stop()
        raise
    return server, url


@pytest.fixture
def prometheus(tmp_path, parser_service):
    _, service_url = parser_service
    server, url = _start_prometheus(tmp_path, service_url.removeprefix("http://"))
    try:
        yield url
    finally:
        server.stop()


async def _publish_seed(env: dict[str, str], data: bytes) -> DocRef:
    version = version_for(data)
    url = "https://www.example.gov.cn/zwgk/zfxxgk/zfxxgknb/202201/t20220128_100001.html"
    ref = DocRef(
        doc_id=doc_id_for(url),
        version=version,
        portal="sample",
        url=url,
        object_key=object_key_for(version),
    )
    store = await open_object_store(f"file://{env['NIANBAO_DATA_DIR']}/objects")
    await store.put_if_absent(
        ref.object_key,
        data,
        ObjectMeta(key=ref.object_key, size=len(data), source_url=url, content_type="text/plain"),
    )
    nc = await nats.connect(env["NIANBAO_NATS_URL"])
    try:
        event = DocFetched(ref=ref, size=len(data), content_type="text/plain; charset=utf-8")
        await nc.jetstream().publish(
            f"doc.fetched.{ref.portal}",
            encode(event),
            headers={MSG_ID_HEADER: msg_id("fetched", ref)},
        )
    finally:
        await nc.close()
    return ref


def _value(result: list[dict]) -> float | None:
    return float(result[0]["value"][1]) if result else None


def test_prometheus_scrapes_the_parser_and_sees_its_message_counter_move(
    prometheus, parser_service, seeds
):
    env, _ = parser_service
    ok = 'nianbao_messages_total{job="nianbao", stage="parser", outcome="ok"}'
    _wait_for(
        "the first scrape of the parser",
        lambda: _value(_query(prometheus, 'up{job="nianbao"}')) == 1,
    )
    assert _value(_query(prometheus, ok)) in (None, 0.0)

    asyncio.run(_publish_seed(env, seeds["000_bac61c4872424ad3.txt"]))

    assert _wait_for(
        "the parser's ok counter in Prometheus", lambda: _value(_query(prometheus, ok)) == 1.0
    )
    # the same counter, seen through the recording rules the dashboards and alerts use
    rate = _wait_for(
        "the recorded per-stage rate",
        lambda: _query(prometheus, 'stage:nianbao_messages:rate5m{stage="parser"}'),
    )
    assert rate[0]["metric"] == {"__name__": "stage:nianbao_messages:rate5m", "stage": "parser"}
    count = _query(prometheus, 'nianbao_processing_seconds_count{job="nianbao", stage="parser"}')
    assert _value(count) == 1.0
    # and every alert rule loaded without an evaluation error
    status, body = _get(f"{prometheus}/api/v1/rules")
    groups = json.loads(body)["data"]["groups"]
    assert {g["name"] for g in groups} == {
        "nianbao.recording",
        "nianbao.pipeline",
        "nianbao.portals",
        "nianbao.quality",
    }
    assert all(r["health"] in ("ok", "unknown") for g in groups for r in g["rules"])


def _free_port_run(n: int) -> int:
    """A base port with `n` consecutive free ports (`nianbao run` serves stage i on base + i)."""
    import socket

    for _ in range(50):
        base = free_port()
        try:
            socks = []
            for i in range(n):
                sock = socket.socket()
                socks.append(sock)
                sock.bind(("127.0.0.1", base + i))
            return base
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    pytest.fail("no run of free ports")


def test_prometheus_scrapes_the_whole_pipeline_of_nianbao_run(tmp_path):
    """`nianbao run` crawls the bundled sample portal through all four stages; every stage's
    counters, the fetcher's portal gauge and the findings reach Prometheus."""
    base = _free_port_run(4)
    env = {
        "NIANBAO_DATA_DIR": str(tmp_path / "data"),
        "NIANBAO_HTTP_HOST": "127.0.0.1",
        "NIANBAO_HTTP_PORT": str(base),
    }
    pipeline = Process(
        [sys.executable, "-m", "nianbao.cli.main", "run", "--follow", "--plain"],
        env,
        tmp_path / "run.log",
    )
    server = None
    try:
        # the four stages share this process's registry: one target sees them all
        _wait_for(
            "the pipeline's /readyz", lambda: _get(f"http://127.0.0.1:{base}/readyz")[0] == 200
        )
        server, prom = _start_prometheus(tmp_path, f"127.0.0.1:{base}")
        indexed = 'sum(nianbao_messages_total{job="nianbao", stage="indexer", outcome="ok"})'
        _wait_for(  # five reports, and the crawl's coverage fact (doc.fact) the indexer wrote
            "five seed reports and the coverage fact indexed, seen by Prometheus",
            lambda: _value(_query(prom, indexed)) == 6.0,
        )
        moved = _query(
            prom, 'sum by (stage) (nianbao_messages_total{job="nianbao", outcome="ok"}) > 0'
        )
        assert {r["metric"]["stage"] for r in moved} == {
            "fetcher",
            "parser",
            "validator",
            "indexer",
        }
        portals = _query(prom, "nianbao_portal_last_success_timestamp_seconds")
        assert len(portals) == 1 and float(portals[0]["value"][1]) > time.time() - 3600
        validated = _query(prom, "sum(nianbao_reports_validated_total)")
        assert _value(validated) == 5.0
        fetched = _query(prom, 'sum(nianbao_fetch_requests_total{status_class="2xx"})')
        assert _value(fetched) > 0
    finally:
        if server is not None:
            server.stop()
        code = pipeline.stop()
    assert code == 0, (tmp_path / "run.log").read_text()[-2000:]
