"""What `nianbao run` leaves in its data dir for the other commands: where its broker listens
(`broker.json`) and a lock (`run.lock`) that keeps a second `nianbao run` off the same store.

Two nats-servers on one JetStream store directory corrupt it, so the lock is taken before
anything starts; it is an fcntl.flock, released by the kernel when the process dies (a SIGKILLed
run never leaves a stale lock). The broker record is written once the broker answers and removed
on a clean stop; a record whose pid is gone is still read (its nats-server may have outlived a
killed run) and the failure message then says that the run has ended.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

BROKER_FILE = "broker.json"
LOCK_FILE = "run.lock"


class DataDirBusy(RuntimeError):
    """Another `nianbao run` holds this data dir."""


@dataclass(frozen=True)
class BrokerRecord:
    url: str
    monitor_url: str | None
    pid: int
    path: Path

    @property
    def alive(self) -> bool:
        """Whether the `nianbao run` that wrote this record is still running."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # someone else's process: it exists
            return True
        return True


def write_broker(data_dir: str | Path, url: str, monitor_url: str | None = None) -> Path:
    """Record the broker URL atomically (a reader never sees half a file)."""
    path = Path(data_dir) / BROKER_FILE
    tmp = path.with_suffix(".json.tmp")
    record = {"url": url, "monitor_url": monitor_url, "pid": os.getpid()}
    tmp.write_text(json.dumps(record) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def read_broker(data_dir: str | Path) -> BrokerRecord | None:
    """The record of the run on this data dir, or None when there is none (or it is unreadable)."""
    path = Path(data_dir) / BROKER_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return BrokerRecord(
            url=str(raw["url"]),
            monitor_url=raw.get("monitor_url"),
            pid=int(raw.get("pid", 0)),
            path=path,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def forget_broker(data_dir: str | Path) -> None:
    """Remove the record, if it is ours (a second run refused by the lock must not remove it)."""
    record = read_broker(data_dir)
    if record is not None and record.pid == os.getpid():
        with contextlib.suppress(FileNotFoundError):
            record.path.unlink()


class RunLock:
    """An exclusive, non-blocking flock on `<data_dir>/run.lock`; the holder's pid is written in."""

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "?"
            os.close(fd)
            record = read_broker(self.data_dir)
            broker = f", broker {record.url}" if record else ""
            raise DataDirBusy(
                f"{self.data_dir} is in use by another `nianbao run` (pid {holder}{broker}):"
                " stop it first, or give this one another --data-dir"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
