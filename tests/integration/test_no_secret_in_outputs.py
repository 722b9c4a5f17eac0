"""No credential in any output: a secret planted in every URL nianbao takes (search store, object
store, NATS) never appears in what the commands print or log — their errors, their tracebacks,
`serve`'s banner and its logs — while the rest of the URL still does, so the operator can see
which URL was meant."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from shared.redact import redact, redact_url

SECRET = "pl4nted-S3CRET"


def nianbao(*args: str, env: dict[str, str], timeout: float = 60) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "nianbao.cli.main", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=timeout,
    )
    return done.stdout + done.stderr


def test_a_mistyped_search_scheme_names_the_url_without_its_password(tmp_path):
    out = nianbao(
        "search",
        "许可",
        env={
            "NIANBAO_SEARCH": f"postgresql+asyncpg://nianbao:{SECRET}@db.example:5432/x",
            "NIANBAO_DATA_DIR": str(tmp_path),
        },
    )
    assert SECRET not in out
    assert "postgresql+asyncpg://nianbao:***@db.example:5432/x" in out


def test_a_mistyped_object_store_scheme_in_objects_verify_hides_the_password(tmp_path):
    out = nianbao(
        "objects",
        "verify",
        env={
            "NIANBAO_OBJECT_STORE": f"s4://admin:{SECRET}@minio:9000/raw",
            "NIANBAO_DATA_DIR": str(tmp_path),
        },
    )
    assert SECRET not in out and "s4://admin:***@minio:9000/raw" in out


@pytest.mark.nats
@pytest.mark.slow
def test_serve_prints_and_logs_the_broker_and_store_urls_without_their_passwords(
    nats_server, tmp_path
):
    # nats-server without authorization accepts a connection that sends credentials
    host_port = nats_server.url.split("://", 1)[1]
    nats_url = f"nats://reader:{SECRET}@{host_port}"
    assert nianbao("topology", "apply", "--nats-url", nats_url, env={}).count(SECRET) == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "nianbao.cli.main", "serve", "indexer", "--nats-url", nats_url],
        env={
            **os.environ,
            # a search store that cannot be opened: its error is logged with a traceback
            "NIANBAO_SEARCH": f"postgresql://nianbao:{SECRET}@127.0.0.1:1/nianbao",
            "NIANBAO_STORE_TIMEOUT_S": "1",
            "NIANBAO_LOG_LEVEL": "DEBUG",
            "NIANBAO_DATA_DIR": str(tmp_path),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        time.sleep(8)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert f"nats://reader:***@{host_port}" in out
    assert SECRET not in out


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:pw@h:5432/db", "postgresql://u:***@h:5432/db"),
        ("nats://u:pw@h:4222", "nats://u:***@h:4222"),
        ("nats://token@h:4222", "nats://token@h:4222"),  # a bare user name is not a secret…
        (
            "s3://b?endpoint=m:9000&secret_key=pw&secure=false",
            "s3://b?endpoint=m:9000&secret_key=***&secure=false",
        ),
        ("https://a.gov.cn/x?id=3", "https://a.gov.cn/x?id=3"),
        ("sqlite:///var/lib/nianbao/index.db", "sqlite:///var/lib/nianbao/index.db"),
    ],
)
def test_redact_url_masks_passwords_and_secret_parameters_only(url, shown):
    assert redact_url(url) == shown


def test_redact_finds_urls_inside_text_such_as_a_traceback():
    text = f"ValueError: cannot connect to 'postgresql://u:{SECRET}@h/db' (refused)\n"
    assert redact(text) == "ValueError: cannot connect to 'postgresql://u:***@h/db' (refused)\n"


@pytest.mark.parametrize(
    "factory",
    [
        "services.fetcher.app",
        "services.fetcher.scheduler_app",
        "services.parser.app",
        "services.validator.app",
        "services.indexer.app",
    ],
)
def test_a_stage_built_for_faststream_run_logs_at_its_level_without_passwords(factory, tmp_path):
    # `faststream run --factory services.<stage>.app:create_app` bypasses the nianbao command,
    # so the factory itself sets up logging and the redaction
    code = (
        f"from {factory} import create_app; create_app(); import logging;"
        " logging.getLogger('nianbao.test').debug('store %s is down', sys.argv[1])"
    )
    done = subprocess.run(
        [sys.executable, "-c", "import sys; " + code, f"postgresql://nianbao:{SECRET}@db/x"],
        capture_output=True,
        text=True,
        env={**os.environ, "NIANBAO_LOG_LEVEL": "DEBUG", "NIANBAO_DATA_DIR": str(tmp_path)},
        timeout=60,
    )
    out = done.stdout + done.stderr
    assert "DEBUG nianbao.test: store postgresql://nianbao:***@db/x is down" in out
    assert SECRET not in out
