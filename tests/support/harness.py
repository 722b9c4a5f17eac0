"""Process helpers of the fault suite: a broker that can be killed, paused and restarted on its
own port and store, and pipeline stages as real `nianbao serve <stage>` subprocesses.

Everything binds to 127.0.0.1; every process started here is stopped by the fixture that owns it
(tests/faults/conftest.py), and every wait has a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nats

from nianbao.embedded.natsd import NatsServer, free_port
from shared import topology
from shared.config import load

ROOT = Path(__file__).resolve().parents[2]


async def until(pred, within: float = 60.0, every: float = 0.1, what: str = "condition"):
    """Poll an async or sync predicate until it is truthy; its value is returned."""
    deadline = time.monotonic() + within
    while True:
        value = pred()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {within}s")
        await asyncio.sleep(every)


class Broker:
    """nats-server with JetStream on a fixed loopback port and store dir, so it can come back."""

    def __init__(self, store_dir: Path) -> None:
        self.server = NatsServer(store_dir=store_dir, port=free_port())

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def pid(self) -> int:
        return self.server.proc.pid

    def start(self) -> Broker:
        # A restart must wait for *this* process's "Server is ready", not the previous one's.
        if self.server.log_path and self.server.log_path.exists():
            self.server.log_path.rename(
                self.server.log_path.with_suffix(f".{time.monotonic_ns()}.log")
            )
        self.server.start(timeout=30)
        return self

    def kill(self) -> None:
        self.server.kill()

    def terminate(self) -> None:
        """SIGTERM: nats-server shuts down cleanly (flushes the store, closes clients)."""
        self.server.stop(timeout=20)

    def pause(self) -> None:
        os.kill(self.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.server.proc is not None and self.server.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGCONT)
        self.server.stop()


def env_of(**settings) -> dict[str, str]:
    """NIANBAO_* variables for a subprocess (lists comma-separated), on top of a clean PATH env."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
    for name, value in settings.items():
        if isinstance(value, list | tuple):
            value = ",".join(str(v) for v in value)
        env["NIANBAO_" + name.upper()] = str(value)
    return env


class Worker:
    """One stage as its own process: `python -m nianbao.cli.main serve <stage>`."""

    def __init__(self, stage: str, settings: dict, log_dir: Path, name: str | None = None) -> None:
        self.stage = stage
        self.name = name or stage
        self.port = free_port()
        self.settings = {**settings, "http_port": self.port}
        self.log = log_dir / f"{self.name}.{time.monotonic_ns()}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Worker:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "nianbao.cli.main", "serve", self.stage],
                env=env_of(**self.settings), cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        return self

    async def started(self, within: float = 60.0) -> Worker:
        """Wait for the line `serve` prints once the service consumes (or fail with its log)."""

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"{self.name} exited {self.proc.returncode}:\n{self.output()[-3000:]}"
                )
            return f"nianbao {self.stage}: consuming" in self.output()

        await until(ready, within, 0.1, f"{self.name} started")
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: int) -> None:
        if self.alive:
            os.kill(self.proc.pid, sig)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(10)

    async def exited(self, within: float) -> int:
        await until(lambda: not self.alive, within, 0.05, f"{self.name} exit")
        return self.proc.returncode

    def stop(self) -> None:
        if not self.alive:
            return
        self.signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()

    # --- its HTTP side ---------------------------------------------------------------------------
    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    async def metric(self, name: str, **labels: str) -> float:
        """Sum of the samples of `name` whose labels include `labels` (0 when absent)."""
        _, text = await asyncio.to_thread(self.get, "/metrics")
        return metric_value(text, name, **labels)

    async def readyz(self) -> int:
        return (await asyncio.to_thread(self.get, "/readyz"))[0]

    def peak_rss(self) -> int:
        """VmHWM of the process in bytes (Linux)."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024


_SAMPLE = re.compile(r"^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$")


def metric_value(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        m = _SAMPLE.match(line)
        if not m or m.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total += float(m.group(3))
    return total


class Pipeline:
    """A broker with the topology, a data dir, and stages as subprocesses; `js` is the test's own
    connection (reconnecting forever, so it outlives broker restarts)."""

    def __init__(self, tmp_path: Path, **settings) -> None:
        self.tmp = tmp_path
        self.broker = Broker(tmp_path / "nats")
        self.settings = {
            "data_dir": str(tmp_path / "data"),
            "nak_delays_s": [0.3, 0.6, 1.0],
            "lag_interval_s": 0.5,
            "dlq_interval_s": 0,
            "graceful_timeout_s": 10,
            "log_level": "WARNING",
            **settings,
        }
        self.workers: list[Worker] = []
        self.nc = None
        self.js = None

    @property
    def config(self):
        return load(env=env_of(**{**self.settings, "nats_url": self.broker.url}))

    async def start(self, *stages: str) -> Pipeline:
        await asyncio.to_thread(self.broker.start)
        self.settings["nats_url"] = self.broker.url
        self.nc = await nats.connect(
            self.broker.url,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.2,
            allow_reconnect=True,
            connect_timeout=2,
        )
        self.js = self.nc.jetstream(timeout=5)
        await topology.apply(self.js, self.config)
        for stage in stages:
            self.spawn(stage)
        await asyncio.gather(*(w.started() for w in self.workers))
        return self

    def spawn(self, stage: str, name: str | None = None, **overrides) -> Worker:
        worker = Worker(stage, {**self.settings, **overrides}, self.tmp / "logs", name).start()
        self.workers.append(worker)
        return worker

    def worker(self, stage: str) -> Worker:
        return next(w for w in reversed(self.workers) if w.stage == stage and w.alive)

    async def close(self) -> None:
        await asyncio.gather(*(asyncio.to_thread(w.stop) for w in self.workers))
        if self.nc is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.nc.close(), 5)
        await asyncio.to_thread(self.broker.stop)


class AckTap:
    """Sees every ack a worker sends for a consumer: nats-py acks by publishing to the delivery's
    reply subject `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<ts>.<pending>`
    (a v2 subject adds domain and account tokens), which any core subscriber may watch. So the
    delivery count, the delivery time (server ns) and the kind (+ACK, -NAK, +TERM, +WPI) of every
    settlement are observed on the wire, not inferred."""

    def __init__(self, nc, stream: str | None = None, consumer: str | None = None) -> None:
        self.nc = nc
        self.stream = stream
        self.consumer = consumer
        self.seen: list[dict] = []
        self._sub = None

    async def start(self) -> AckTap:
        self._sub = await self.nc.subscribe("$JS.ACK.>", cb=self._on)
        await self.nc.flush()
        return self

    async def _on(self, msg) -> None:
        t = msg.subject.split(".")
        tokens = t[2:9] if len(t) == 9 else t[4:11]
        if len(tokens) < 7 or (self.stream, self.consumer) not in (
            (tokens[0], tokens[1]),
            (None, None),
        ):
            return
        body = msg.data.decode(errors="replace")
        self.seen.append(
            {
                "kind": body.split(" ", 1)[0] or "+ACK",
                "body": body,
                "consumer": tokens[1],
                "delivered": int(tokens[2]),
                "stream_seq": int(tokens[3]),
                "ts": int(tokens[5]) / 1e9,
                "at": time.monotonic(),
            }
        )

    def of(self, stream_seq: int, kind: str | None = None) -> list[dict]:
        return [
            s
            for s in self.seen
            if s["stream_seq"] == stream_seq and (kind is None or s["kind"] == kind)
        ]

    def kinds(self, stream_seq: int) -> list[str]:
        return [s["kind"] for s in self.of(stream_seq) if s["kind"] != "+WPI"]

    async def stop(self) -> None:
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
