"""nianbao.cli.connection: which broker a command tries, and the one line it prints when absent."""

from __future__ import annotations

import asyncio

import pytest

from nianbao.cli.connection import BrokerUnreachable, connect, resolve
from nianbao.datadir import write_broker
from nianbao.embedded.natsd import free_port


def test_the_flag_wins_then_nianbao_nats_url_then_nats_url_then_the_record(tmp_path):
    write_broker(tmp_path, "nats://127.0.0.1:5001")
    env = {"NIANBAO_NATS_URL": "nats://a:1", "NATS_URL": "nats://b:2"}
    data = str(tmp_path)
    assert resolve("nats://flag:9", data, env).url == "nats://flag:9"
    assert resolve(None, data, env).source == "NIANBAO_NATS_URL"
    assert resolve(None, data, {"NATS_URL": "nats://b:2"}).url == "nats://b:2"
    recorded = resolve(None, data, {})
    assert (recorded.url, recorded.source) == ("nats://127.0.0.1:5001", "record")


def test_the_data_dir_comes_from_the_flag_or_nianbao_data_dir(tmp_path):
    write_broker(tmp_path, "nats://127.0.0.1:5002")
    assert resolve(None, None, {"NIANBAO_DATA_DIR": str(tmp_path)}).url == "nats://127.0.0.1:5002"
    default = resolve(None, str(tmp_path / "elsewhere"), {})
    assert (default.url, default.source) == ("nats://127.0.0.1:4222", "default")


def test_an_absent_broker_is_one_line_naming_the_url_and_where_to_look(tmp_path):
    target = resolve(f"nats://127.0.0.1:{free_port()}", str(tmp_path), {})
    with pytest.raises(BrokerUnreachable) as failed:
        asyncio.run(connect(target.url))
    line = target.unreachable(failed.value.reason)
    assert "\n" not in line
    assert line.startswith(f"cannot reach the broker at {target.url} (connection refused)")
    assert "from --nats-url" in line


def test_the_default_names_the_record_file_it_did_not_find(tmp_path):
    line = resolve(None, str(tmp_path), {}).unreachable("connection refused")
    assert f"no broker recorded in {tmp_path}/broker.json" in line
    assert "nianbao run" in line


def test_a_record_of_an_ended_run_says_the_run_has_ended(tmp_path):
    (tmp_path / "broker.json").write_text('{"url": "nats://127.0.0.1:1", "pid": 999999999}')
    line = resolve(None, str(tmp_path), {}).unreachable("connection refused")
    assert "by nianbao run pid 999999999, which has ended" in line
    assert f"nianbao run --data-dir {tmp_path}" in line
