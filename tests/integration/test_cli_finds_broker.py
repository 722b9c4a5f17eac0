"""Issue #17 item 1 as an operator meets it: `nianbao run --follow` in one terminal, then
`nianbao dlq list` / `topology check` in another with no flags; a second run on the same data
dir is refused; without a broker, one line says what was tried and where to look."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nianbao.embedded.natsd import free_port

pytestmark = pytest.mark.nats

CLEAN_ENV = {
    k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_") and k != "NATS_URL"
}


def _nianbao(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nianbao.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**CLEAN_ENV, **(env or {})},
        timeout=120,
    )


def _wait_for(path: Path, proc: subprocess.Popen, seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, f"{path} not written in {seconds}s"
        time.sleep(0.2)


def test_commands_in_another_terminal_find_the_broker_of_nianbao_run_without_flags(tmp_path):
    # one portal, disabled: the run crawls nothing and stays idle
    (tmp_path / "none.toml").write_text(
        '[[portal]]\nid = "off"\nname = "off"\nlist_urls = ["http://127.0.0.1:9/"]\nenabled = false\n'
    )
    run = subprocess.Popen(
        [sys.executable, "-m", "nianbao.cli.main", "run", "--follow", "--no-portal", "--plain"],
        cwd=tmp_path,
        env={**CLEAN_ENV, "NIANBAO_PORTALS": str(tmp_path / "none.toml")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    record = tmp_path / ".nianbao" / "broker.json"
    try:
        _wait_for(record, run)
        listed = _nianbao("dlq", "list", cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr
        assert listed.stderr.strip().endswith("0 dead letter(s)")
        checked = _nianbao("topology", "check", cwd=tmp_path)
        assert (checked.returncode, checked.stdout.strip()) == (0, "topology matches")
        as_json = _nianbao("topology", "check", "--json", cwd=tmp_path)
        assert json.loads(as_json.stdout) == {"changes": [], "drift": [], "matches": True}
        # the same from anywhere, naming the data dir
        elsewhere = _nianbao("dlq", "list", "--data-dir", str(tmp_path / ".nianbao"), cwd=Path("/"))
        assert elsewhere.returncode == 0, elsewhere.stderr

        second = _nianbao("run", "--no-portal", "--no-crawl", cwd=tmp_path)
        assert second.returncode == 1
        assert "is in use by another `nianbao run`" in second.stderr
        assert record.exists()  # the refused run left the first one's record alone
    finally:
        run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=90)
    assert run.returncode == 0, err
    assert not record.exists()
    after = _nianbao("dlq", "list", cwd=tmp_path)
    assert after.returncode == 3
    assert after.stderr.count("\n") == 1, after.stderr
    assert "cannot reach the broker at nats://127.0.0.1:4222" in after.stderr
    assert "no broker recorded in .nianbao/broker.json" in after.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ("dlq", "list"),
        ("topology", "check"),
        ("replay", "doc.fetched", "--dry-run", "--no-progress"),
        ("reprocess", "--stale", "--dry-run", "--no-progress"),
    ],
)
def test_every_broker_command_fails_in_one_line_naming_the_url_and_its_source(tmp_path, argv):
    url = f"nats://127.0.0.1:{free_port()}"
    failed = _nianbao(*argv, cwd=tmp_path, env={"NATS_URL": url})
    assert failed.returncode == 3
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1, failed.stderr
    assert f"cannot reach the broker at {url} (connection refused)" in lines[0]
    assert "from NATS_URL" in lines[0]


def test_serve_says_where_it_connects_and_stops_on_sigterm_while_connecting(tmp_path):
    url = f"nats://127.0.0.1:{free_port()}"
    serve = subprocess.Popen(
        [sys.executable, "-m", "nianbao.cli.main", "serve", "parser", "--nats-url", url],
        cwd=tmp_path,
        env=CLEAN_ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = serve.stderr.readline()
    assert f"connecting to the broker at {url} (from --nats-url)" in first
    serve.send_signal(signal.SIGTERM)
    started = time.monotonic()
    _, rest = serve.communicate(timeout=30)
    assert serve.returncode == 0
    assert time.monotonic() - started < 10
    assert f"stopped while still connecting to {url}" in rest
    assert "Traceback" not in rest
