"""Real-server fixtures: a nats-server with JetStream on a random loopback port."""

from __future__ import annotations

import pytest

from nianbao.embedded.natsd import NatsServer, free_port

__all__ = ["nats_server"]


@pytest.fixture
def nats_server(tmp_path):
    """A fresh nats-server (JetStream, file store under tmp_path); stopped after the test."""
    server = NatsServer(store_dir=tmp_path / "nats", port=free_port()).start()
    try:
        yield server
    finally:
        server.stop()
