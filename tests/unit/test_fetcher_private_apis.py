"""The private httpx/httpcore API the fetcher relies on, guarded: an upgrade that removes or
changes it fails here, naming it, instead of silently bypassing the connect-time address check.

services/fetcher/http.py `guarded_transport` replaces `httpx.AsyncHTTPTransport._pool` with a
pool on GuardedBackend (httpx has no public hook for the network backend)."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import httpcore
import httpx
import pytest

from services.fetcher.http import AllowList, ForbiddenAddress, guarded_transport

ROOT = Path(__file__).resolve().parents[2]
PRIVATE_API = (
    "httpx.AsyncHTTPTransport._pool (replaced by services/fetcher/http.py guarded_transport)"
)


def _pins() -> dict[str, str]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return {m[1]: m[2] for d in deps if (m := re.match(r"([A-Za-z0-9_.-]+)==([^\s;]+)", d))}


@pytest.mark.parametrize("name", ["httpx", "httpcore"])
def test_httpx_and_httpcore_are_pinned_and_the_pinned_versions_are_installed(name):
    pins = _pins()
    assert name in pins, f"{name} must be pinned in pyproject.toml: we use {PRIVATE_API}"
    installed = importlib.metadata.version(name)
    assert installed == pins[name], (
        f"{name} {installed} installed, {pins[name]} pinned: check {PRIVATE_API} still exists "
        "and means the same, then move the pin"
    )


def test_httpx_transport_still_keeps_its_connection_pool_in_the_private_pool_attribute():
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    pool = getattr(transport, "_pool", None)
    assert isinstance(pool, httpcore.AsyncConnectionPool), (
        f"{PRIVATE_API} is gone or changed type ({type(pool).__name__}): "
        "the fetcher's connect-time private-address check would not be used"
    )


async def test_a_request_through_the_guarded_transport_is_refused_at_connect_time():
    # Proves httpx still sends requests through the replaced pool: without it, httpx would try
    # to connect to 127.0.0.1 and fail with a ConnectError instead
    async with httpx.AsyncClient(transport=guarded_transport(AllowList(()))) as client:
        with pytest.raises(ForbiddenAddress, match="127.0.0.1"):
            await client.get("http://127.0.0.1:9/")
