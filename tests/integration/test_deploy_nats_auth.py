"""The NATS users of deploy/k8s, run for real: a nats-server with the base's nats.conf and the
auth.conf generated from shared/topology.py (TLS on, passwords from the environment as in the
pod). Each stage may publish its own outputs and work its own durable, and nothing else."""

from __future__ import annotations

import asyncio
import os
import ssl
import subprocess
import sys
import time

import nats
import pytest
from nats.errors import Error as NatsError

from shared.topology import ACCESS, STAGES
from tests.support import k8s_nats
from tests.support.tls import make_certs

pytestmark = pytest.mark.nats


@pytest.fixture
def server(tmp_path):
    certs = make_certs(tmp_path / "tls", ("nats",))
    pw = k8s_nats.passwords()
    ports, procs, logs = k8s_nats.start(tmp_path, 1, certs, pw)
    try:
        yield f"127.0.0.1:{ports[0].client}", pw, certs, logs[0]
    finally:
        k8s_nats.stop(procs)


async def _connect(server, user: str, errors: list | None = None):
    address, pw, certs, _ = server

    async def on_error(exc: Exception) -> None:
        if errors is not None:
            errors.append(str(exc))

    return await nats.connect(
        f"tls://{address}",
        user=user,
        password=pw[user],
        tls=ssl.create_default_context(cafile=str(certs.ca)),
        error_cb=on_error,
        max_reconnect_attempts=0,
    )


def _apply_topology(server) -> None:
    address, pw, certs, _ = server
    env = {
        **os.environ,
        "NIANBAO_NATS_URL": f"tls://ops:{pw['ops']}@{address}",
        "SSL_CERT_FILE": str(certs.ca),  # as the pods trust the cluster CA
    }
    done = subprocess.run(
        [sys.executable, "-m", "nianbao.cli.main", "topology", "apply"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


async def _received(server, publisher: str, subjects: list[str]) -> tuple[list[str], list[str]]:
    """What an `ops` subscriber on `>` receives when `publisher` publishes `subjects`, and the
    errors the publisher's connection reports."""
    errors: list[str] = []
    watcher = await _connect(server, "ops")
    sub = await watcher.subscribe(">")
    await watcher.flush()
    nc = await _connect(server, publisher, errors)
    try:
        for s in subjects:
            await nc.publish(s, b"{}")
        await nc.flush()
        await watcher.flush()
        got: list[str] = []
        end = time.monotonic() + 2
        while time.monotonic() < end:
            try:
                got.append((await sub.next_msg(timeout=0.2)).subject)
            except TimeoutError:
                if len(got) >= 1 and errors:
                    break
        return got, errors
    finally:
        await nc.close()
        await watcher.close()


def test_the_fetcher_may_publish_doc_fetched_but_not_doc_indexed(server):
    got, errors = asyncio.run(
        _received(server, "fetcher", ["doc.indexed.x", "doc.fetched.x", "crawl.due.x"])
    )
    assert got == ["doc.fetched.x"]
    assert 'nats: permissions violation for publish to "doc.indexed.x"' in errors
    assert 'nats: permissions violation for publish to "crawl.due.x"' in errors


def test_a_wrong_password_and_a_plain_text_connection_are_refused(server):
    address, pw, certs, _ = server

    async def attempt(url: str, **kw) -> str:
        try:
            nc = await nats.connect(url, allow_reconnect=False, connect_timeout=3, **kw)
        except (NatsError, OSError, TimeoutError, ssl.SSLError) as exc:
            return type(exc).__name__ + str(exc)
        await nc.close()
        return "connected"

    tls = ssl.create_default_context(cafile=str(certs.ca))
    wrong = asyncio.run(attempt(f"tls://fetcher:nope@{address}", tls=tls))
    anonymous = asyncio.run(attempt(f"tls://{address}", tls=tls))
    right = asyncio.run(attempt(f"tls://fetcher:{pw['fetcher']}@{address}", tls=tls))
    assert "authorization violation" in wrong.lower(), wrong
    assert "authorization violation" in anonymous.lower(), anonymous
    assert right == "connected"


def test_each_stage_works_its_own_durable_and_publishes_only_its_outputs(server):
    """Through JetStream, as the services do: the fetcher's output is stored in DOCS; the
    parser pulls it from its durable and acks it; the parser's output is stored, another stage's
    is refused; no stage may create or delete a stream."""
    _apply_topology(server)

    async def exercise() -> dict:
        out: dict = {}
        fetcher = await _connect(server, "fetcher")
        parser_errors: list[str] = []
        parser = await _connect(server, "parser", parser_errors)
        try:
            fjs = fetcher.jetstream(timeout=3)
            out["fetched"] = (await fjs.publish("doc.fetched.p1", b"{}")).stream
            pjs = parser.jetstream(timeout=3)
            stage = STAGES["parser"]
            sub = await pjs.pull_subscribe_bind(durable=stage.name, stream=stage.stream)
            msgs = await sub.fetch(1, timeout=5)
            out["pulled"] = [m.subject for m in msgs]
            for m in msgs:
                await m.ack_sync(timeout=3)
            out["pending"] = (await pjs.consumer_info(stage.stream, stage.name)).num_ack_pending
            out["parsed"] = (await pjs.publish("doc.parsed.p1", b"{}")).stream
            for subject in ("doc.indexed.p1", "doc.fetched.p2"):
                try:
                    await pjs.publish(subject, b"{}")
                    out[subject] = "stored"
                except (NatsError, TimeoutError) as exc:
                    out[subject] = type(exc).__name__
            try:
                await pjs.delete_stream("DOCS")
                out["delete"] = "deleted"
            except (NatsError, TimeoutError) as exc:
                out["delete"] = type(exc).__name__
            await parser.flush()
            out["errors"] = parser_errors
        finally:
            await fetcher.close()
            await parser.close()
        return out

    out = asyncio.run(exercise())
    assert out["fetched"] == "DOCS" and out["parsed"] == "DOCS"
    assert out["pulled"] == ["doc.fetched.p1"] and out["pending"] == 0
    assert out["doc.indexed.p1"] != "stored" and out["doc.fetched.p2"] != "stored"
    assert out["delete"] != "deleted"
    # (nats-py lower-cases the server's -ERR text)
    violations = [e.lower() for e in out["errors"] if "permissions violation" in e.lower()]
    assert any('publish to "doc.indexed.p1"' in e for e in violations)
    assert any('publish to "$js.api.stream.delete.docs"' in e for e in violations)


@pytest.mark.parametrize("stage", list(ACCESS))
def test_every_worker_becomes_ready_as_its_own_user_without_a_permission_violation(
    server, stage, tmp_path
):
    """`nianbao serve <stage>` under the stage's user: /readyz (broker, topology check, stores)
    answers 200 and the server logged no violation for that user."""
    import urllib.request

    from nianbao.embedded.natsd import free_port

    _apply_topology(server)
    address, pw, certs, log = server
    port = free_port()
    env = {
        **os.environ,
        "NIANBAO_NATS_URL": f"tls://{stage}:{pw[stage]}@{address}",
        "SSL_CERT_FILE": str(certs.ca),
        "NIANBAO_DATA_DIR": str(tmp_path / "data"),
        "NIANBAO_HTTP_HOST": "127.0.0.1",
        "NIANBAO_HTTP_PORT": str(port),
        "NIANBAO_DLQ_INTERVAL_S": "1",
        "NIANBAO_LAG_INTERVAL_S": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "nianbao.cli.main", "serve", stage],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        end = time.monotonic() + 60
        status = None
        while time.monotonic() < end and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=3) as r:
                    status = r.status
                    break
            except OSError:
                time.sleep(0.5)
        assert status == 200, f"{stage} never became ready"
        time.sleep(2.5)  # a round of the lag and dead-letter gauges, which read the broker too
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0].decode(errors="replace")
    violations = [line for line in log.read_text().splitlines() if "Violation" in line]
    assert violations == [], output[-3000:]
    assert "permissions violation" not in output.lower(), output[-3000:]
