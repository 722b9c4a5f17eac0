"""Issue #18 item 5: `nianbao run` allows the fetcher exactly its sample portal's host:port, not
every port of 127.0.0.1, and its embedded nats-server dies with it — also when the run is
SIGKILLed, so the next run does not start a second broker on the same store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from services.fetcher.http import AllowList, ForbiddenAddress, HttpFetcher
from shared.config import load
from shared.errors import RedirectError
from tests.support.fakeportal import FakePortal, Reply

CLEAN_ENV = {
    k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_") and k != "NATS_URL"
}


def test_an_allow_list_entry_with_a_port_allows_that_port_only():
    allowed = AllowList(["127.0.0.1:8000", "[::1]:9000", "10.0.0.5"])
    assert allowed.allows("127.0.0.1", 8000) and not allowed.allows("127.0.0.1", 8001)
    assert allowed.allows("::1", 9000) and not allowed.allows("::1", 22)
    assert allowed.allows("10.0.0.5", 5432)  # a bare host: every port, as before


async def test_a_portal_allowed_by_host_and_port_cannot_redirect_to_another_local_port():
    with FakePortal() as portal, FakePortal() as local_service:
        local_service.add("/admin", Reply(body=b"secret admin page"))
        portal.add("/go", Reply(302, headers={"Location": local_service.url + "/admin"}))
        fetcher = HttpFetcher(load(env={}, allow_private_hosts=[f"127.0.0.1:{portal.port}"]))
        try:
            with pytest.raises(RedirectError, match="to a forbidden address"):
                await fetcher.get(portal.url + "/go")
            with pytest.raises(ForbiddenAddress):  # nor be fetched directly
                await fetcher.check_address(local_service.url + "/admin")
        finally:
            await fetcher.close()
        assert [h.path for h in portal.hits()] == ["/go"]
        assert local_service.hits() == []


def _pids_of(needle: str) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if needle in cmdline and "nats-server" in cmdline:
                pids.append(int(proc.name))
    return pids


@pytest.mark.nats
@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl PR_SET_PDEATHSIG")
def test_the_embedded_broker_dies_with_a_sigkilled_run_and_the_run_trusts_only_its_portal(
    tmp_path,
):
    data = tmp_path / "state"
    run = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nianbao.cli.main",
            "run",
            "--follow",
            "--plain",
            "--data-dir",
            str(data),
        ],  # fmt: skip
        cwd=tmp_path,
        env=CLEAN_ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    store = str(data / "nats")
    try:
        deadline = time.monotonic() + 90
        while not ((data / "broker.json").exists() and (data / "portal.port").exists()):
            assert run.poll() is None and time.monotonic() < deadline, run.stdout.read()  # type: ignore[union-attr]
            time.sleep(0.2)
        brokers = _pids_of(store)
        assert len(brokers) == 1
        port = int((data / "portal.port").read_text())
        assert json.loads((data / "broker.json").read_text())["url"].startswith("nats://")
    finally:
        run.kill()  # SIGKILL: no cleanup code of the run's runs
        run.communicate(timeout=30)
    deadline = time.monotonic() + 15
    while _pids_of(store) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _pids_of(store) == []
    assert port > 0
