"""The nats-server configuration of deploy/k8s (nats.conf + the generated auth.conf), moved onto
loopback: same settings, users, permissions and TLS, with local ports, directories, certificates
and passwords. Nothing else changes, so what runs in the tests is what runs in the cluster."""

from __future__ import annotations

import os
import re
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.embedded.natsd import find_binary, free_port
from tests.support.deploy_tools import load_tool
from tests.support.tls import Certs

ROOT = Path(__file__).resolve().parents[2]


def base_config() -> tuple[str, str]:
    """(nats.conf, auth.conf) as the base renders them."""
    objects = load_tool("kustomize").render(ROOT / "deploy" / "k8s" / "base")
    data = {o["metadata"]["name"]: o.get("data", {}) for o in objects if o["kind"] == "ConfigMap"}
    return data["nats-config"]["nats.conf"], data["nats-auth"]["auth.conf"]


def users() -> list[str]:
    return [u["user"] for u in load_tool("access").users()]


def passwords() -> dict[str, str]:
    """A password per NATS user (what Secret nianbao-nats-users holds in a cluster)."""
    return {user: f"pw-{user}-{os.getpid()}" for user in users()}


def password_env(pw: dict[str, str]) -> dict[str, str]:
    access = load_tool("access")
    return {access.password_variable(user): p for user, p in pw.items()}


@dataclass
class Ports:
    client: int = field(default_factory=free_port)
    monitor: int = field(default_factory=free_port)
    cluster: int = field(default_factory=free_port)


def local_conf(conf: str, i: int, ports: list[Ports], home: Path, certs: Certs) -> str:
    """The k8s config with this host's ports, routes, directories and certificates. With one
    server, its cluster block (routes to servers that do not exist here) is left out."""
    mine = ports[i]
    conf = conf.replace("port: 4222", f"port: {mine.client}", 1)
    conf = conf.replace("http_port: 8222", f"http_port: {mine.monitor}", 1)
    if len(ports) == 1:
        conf = re.sub(r"\ncluster \{.*?\n\}\n", "\n", conf, flags=re.S)
        assert "routes" not in conf
    conf = conf.replace("port: 6222", f"port: {mine.cluster}", 1)
    conf = re.sub(
        r"nats://nats-(\d)\.nats-headless:6222",
        lambda m: f"nats://127.0.0.1:{ports[int(m.group(1))].cluster}",
        conf,
    )
    conf = conf.replace("/data/jetstream", str(home / "jetstream"))
    conf = conf.replace("/var/run/nats/nats.pid", str(home / "nats.pid"))
    conf = conf.replace("/etc/nats/tls/tls.crt", str(certs.cert))
    conf = conf.replace("/etc/nats/tls/tls.key", str(certs.key))
    conf = conf.replace("/etc/nats/tls/ca.crt", str(certs.ca))
    assert "/etc/nats" not in conf and "/data" not in conf.replace(str(home), "")
    return conf


def ready(monitor: int) -> bool:
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{monitor}/healthz?js-enabled-only=true", timeout=2
        ) as r:
            return r.status == 200
    except OSError:
        return False


def start(
    tmp_path: Path, n: int, certs: Certs, pw: dict[str, str], deadline_s: float = 60
) -> tuple[list[Ports], list[subprocess.Popen], list[Path]]:
    """`n` servers of the k8s config, ready; the caller stops them (`stop`)."""
    conf, auth = base_config()
    ports = [Ports() for _ in range(n)]
    procs: list[subprocess.Popen] = []
    logs: list[Path] = []
    try:
        for i in range(n):
            home = tmp_path / f"nats-{i}"
            home.mkdir()
            (home / "nats.conf").write_text(local_conf(conf, i, ports, home, certs))
            (home / "auth.conf").write_text(auth)  # `include auth.conf`: next to nats.conf
            logs.append(home / "log")
            with logs[-1].open("w") as log:
                procs.append(
                    subprocess.Popen(
                        [find_binary(), "-c", str(home / "nats.conf")],
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        env={**os.environ, "SERVER_NAME": f"nats-{i}", **password_env(pw)},
                    )
                )
        end = time.monotonic() + deadline_s
        while not all(ready(p.monitor) for p in ports):
            assert all(p.poll() is None for p in procs), "a nats-server exited: " + "\n".join(
                log.read_text() for log in logs
            )
            assert time.monotonic() < end, "the nats-servers did not become ready"
            time.sleep(0.3)
    except BaseException:
        stop(procs)
        raise
    return ports, procs, logs


def stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
