"""Shared fixtures. Real-server fixtures live in tests/support/servers.py and are imported here."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = ROOT / "nianbao" / "samples" / "seeds"


@pytest.fixture(scope="session")
def seeds() -> dict[str, bytes]:
    """The five seed reports, as bytes, keyed by file name."""
    return {p.name: p.read_bytes() for p in sorted(SEEDS_DIR.glob("*.txt"))}


from tests.support.servers import *  # noqa: E402,F401,F403  (real-server fixtures: nats_server)
from tests.support.servers_pg import *  # noqa: E402,F401,F403  (real-server fixtures: postgres_url, s3_endpoint)
