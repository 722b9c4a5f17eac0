"""nianbao.datadir: the run lock and the broker record that `nianbao run` leaves for the others."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from nianbao.datadir import (
    BROKER_FILE,
    DataDirBusy,
    RunLock,
    forget_broker,
    read_broker,
    write_broker,
)


def test_a_second_lock_on_the_same_data_dir_is_refused_naming_the_holder(tmp_path):
    write_broker(tmp_path, "nats://127.0.0.1:4222")
    with RunLock(tmp_path):
        with pytest.raises(DataDirBusy) as refused:
            RunLock(tmp_path).acquire()
    message = str(refused.value)
    assert f"pid {os.getpid()}" in message
    assert "broker nats://127.0.0.1:4222" in message
    assert "--data-dir" in message


def test_the_lock_is_free_again_after_release_and_after_its_process_died(tmp_path):
    RunLock(tmp_path).acquire().release()
    # a process that takes the lock and dies without releasing it: the kernel drops the flock
    code = f"from nianbao.datadir import RunLock; RunLock({str(tmp_path)!r}).acquire(); import os; os._exit(0)"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    with RunLock(tmp_path) as lock:
        assert lock.path.read_text().strip() == str(os.getpid())


def test_the_broker_record_round_trips_and_only_its_writer_forgets_it(tmp_path):
    write_broker(tmp_path, "nats://127.0.0.1:4333", "http://127.0.0.1:8333")
    record = read_broker(tmp_path)
    assert record is not None
    assert (record.url, record.monitor_url, record.pid) == (
        "nats://127.0.0.1:4333",
        "http://127.0.0.1:8333",
        os.getpid(),
    )
    assert record.alive
    (tmp_path / BROKER_FILE).write_text(json.dumps({"url": "nats://x:1", "pid": 1}))
    forget_broker(tmp_path)  # pid 1 wrote it, not us: kept
    assert read_broker(tmp_path).url == "nats://x:1"
    write_broker(tmp_path, "nats://127.0.0.1:4333")
    forget_broker(tmp_path)
    assert read_broker(tmp_path) is None


def test_a_record_whose_run_has_ended_says_so(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    (tmp_path / BROKER_FILE).write_text(
        json.dumps({"url": "nats://127.0.0.1:4222", "pid": int(dead)})
    )
    assert read_broker(tmp_path).alive is False


def test_an_unreadable_record_is_no_record(tmp_path):
    (tmp_path / BROKER_FILE).write_text("{half")
    assert read_broker(tmp_path) is None
