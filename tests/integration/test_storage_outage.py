"""Stores that go away and come back: calls raise StoreUnavailable (transient → nak with delay),
ping fails, and the same store object works again once the server is back — nothing to restart."""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from shared.config import load
from shared.errors import StoreUnavailable, TransientError
from shared.storage.base import ObjectMeta
from shared.storage.factory import open_object_store, open_search_store
from tests.support.storing import event

SETTINGS = load(
    env={"NIANBAO_S3_ACCESS_KEY": "k", "NIANBAO_S3_SECRET_KEY": "s", "NIANBAO_STORE_TIMEOUT_S": "1"}
)


def test_store_unavailable_is_transient():
    assert issubclass(StoreUnavailable, TransientError)


@pytest.mark.postgres
@pytest.mark.slow
async def test_postgres_stopped_then_restarted(fresh_pg):
    store = await open_search_store(fresh_pg.url, SETTINGS, migrate=True)
    try:
        assert await store.upsert(event("before")) is True
        fresh_pg.stop()
        with pytest.raises(StoreUnavailable):
            await store.ping()
        with pytest.raises(StoreUnavailable):
            await store.upsert(event("during"))
        with pytest.raises(StoreUnavailable):
            await store.search("许可")
        fresh_pg.start()
        await store.ping()
        assert await store.upsert(event("during")) is True
        assert await store.count() == 2
    finally:
        await store.close()


@pytest.mark.postgres
async def test_postgres_down_at_start_opens_and_reports_unready(fresh_pg):
    fresh_pg.stop()
    store = await open_search_store(fresh_pg.url, SETTINGS)
    try:
        with pytest.raises(StoreUnavailable):
            await store.ping()
        fresh_pg.start()
        with pytest.raises(StoreUnavailable, match="nianbao migrate"):
            await store.ping()  # reachable now, but not migrated
        await store.migrate()
        await store.ping()
    finally:
        await store.close()


async def test_sqlite_locked_by_another_writer_then_released(tmp_path):
    path = tmp_path / "index.db"
    store = await open_search_store(f"sqlite:///{path}?timeout=0.2", SETTINGS)
    try:
        assert await store.upsert(event("before")) is True
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StoreUnavailable, match="locked"):
            await store.upsert(event("during"))
        other.execute("ROLLBACK")
        other.close()
        assert await store.upsert(event("during")) is True
        assert await store.count() == 2
    finally:
        await store.close()


@pytest.mark.s3
@pytest.mark.slow
async def test_s3_stopped_then_restarted(fresh_moto):
    url = f"s3://raw-{uuid.uuid4().hex[:8]}?endpoint={fresh_moto.endpoint}&secure=false"
    store = await open_object_store(url, SETTINGS)
    meta = ObjectMeta(key="", size=0)
    try:
        assert await store.put_if_absent("raw/before", b"1", meta) is True
        fresh_moto.stop()
        with pytest.raises(StoreUnavailable):
            await store.ping()
        with pytest.raises(StoreUnavailable):
            await store.put_if_absent("raw/during", b"2", meta)
        with pytest.raises(StoreUnavailable):
            await store.get("raw/before")
        fresh_moto.start()  # moto keeps no state: the bucket is created again on demand
        await store.ping()
        assert await store.put_if_absent("raw/during", b"2", meta) is True
        assert await store.get("raw/during") == b"2"
    finally:
        await store.close()
