"""Real PostgreSQL and S3 (moto_server) for the store tests, each on a random loopback port.

PostgreSQL: a throwaway cluster from Debian's binaries (/usr/lib/postgresql/15/bin): initdb in a
temp dir, started with pg_ctl on 127.0.0.1 (no unix socket), trust auth, removed after. initdb
refuses to run as root, so as root the binaries run as `nobody` (runuser) in a dir chowned to it.
S3: `.venv/bin/moto_server` as a separate process — a real S3 HTTP endpoint for the minio SDK.

Fixtures:
    pg_server      session: one cluster; tests get their own database via `postgres_url`
    postgres_url   function: postgresql://… of a fresh, empty database
    s3_endpoint    session: host:port of a moto_server (tests use their own bucket names)
    fresh_pg / fresh_moto  function: a private server a test may stop and restart (outage tests)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from nianbao.embedded.natsd import free_port

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
MOTO = Path(sys.executable).with_name("moto_server")


def _as_db_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "nobody", "--", *cmd] if os.geteuid() == 0 else cmd


class PgServer:
    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists():
            pytest.skip(f"PostgreSQL binaries not found in {PG_BIN} (apt-get install postgresql)")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="nianbao-pg-"))
        self.data = self.dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "nobody", "nogroup")
            self.dir.chmod(0o700)
        self._run([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                   "-E", "UTF8", "--locale=C", "--no-sync"])  # fmt: skip
        self.start()

    def _run(self, cmd: list[str]) -> None:
        subprocess.run(_as_db_user(cmd), check=True, capture_output=True, cwd=self.dir)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        opts = f"-p {self.port} -h 127.0.0.1 -k '' -c fsync=off -c max_connections=60"
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", opts,
                   "-l", str(self.dir / "log"), "-w", "-t", "60", "start"])  # fmt: skip

    def stop(self) -> None:
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def create_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        subprocess.run(
            [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-d", "postgres", "-qc", f"CREATE DATABASE {name}"],
            check=True, capture_output=True,
        )  # fmt: skip
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def destroy(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.dir, ignore_errors=True)


class MotoServer:
    def __init__(self) -> None:
        if not MOTO.exists():
            pytest.skip("moto_server not installed (pip install 'moto[server]')")
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.start()

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [str(MOTO), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://{self.endpoint}/moto-api/", timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@pytest.fixture(scope="session")
def pg_server():
    server = PgServer()
    yield server
    server.destroy()


@pytest.fixture
def postgres_url(pg_server: PgServer) -> str:
    return pg_server.create_database()


@pytest.fixture
def fresh_pg():
    server = PgServer()
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def s3_endpoint():
    server = MotoServer()
    yield server.endpoint
    server.stop()


@pytest.fixture
def fresh_moto():
    server = MotoServer()
    yield server
    server.stop()
