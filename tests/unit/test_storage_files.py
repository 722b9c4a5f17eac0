"""The directory object store: atomic, content-addressed, nothing half-written ever visible."""

from __future__ import annotations

import asyncio
import os

import pytest

from shared.errors import StoreUnavailable
from shared.storage.base import ObjectMeta
from shared.storage.factory import open_object_store
from shared.storage.files import FileObjectStore, check_key


def meta(**kw) -> ObjectMeta:
    return ObjectMeta(key="", size=0, **kw)


async def test_object_lands_at_its_key_under_the_root(tmp_path):
    store = FileObjectStore(tmp_path)
    await store.put_if_absent("raw/abc", b"data", meta(source_url="http://a.gov.cn/x"))
    assert (tmp_path / "raw" / "abc").read_bytes() == b"data"


async def test_no_temporary_files_remain_after_writes(tmp_path):
    store = FileObjectStore(tmp_path)
    await store.put_if_absent("raw/abc", b"data", meta())
    await store.put_if_absent("raw/abc", b"data", meta())
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == ["abc", "abc.meta.json"]


async def test_exactly_one_of_many_racing_writers_creates_the_object(tmp_path):
    store = FileObjectStore(tmp_path)
    results = await asyncio.gather(
        *(store.put_if_absent("raw/k", b"same", meta()) for _ in range(16))
    )
    assert results.count(True) == 1
    assert (tmp_path / "raw" / "k").read_bytes() == b"same"


async def test_losing_writer_does_not_replace_the_metadata(tmp_path):
    store = FileObjectStore(tmp_path)
    await store.put_if_absent("raw/k", b"same", meta(source_url="http://first"))
    await store.put_if_absent("raw/k", b"same", meta(source_url="http://second"))
    assert (await store.head("raw/k")).source_url == "http://first"


async def test_object_without_its_metadata_file_still_has_a_head(tmp_path):
    store = FileObjectStore(tmp_path)
    await store.put_if_absent("raw/k", b"12345", meta(source_url="http://a"))
    (tmp_path / "raw" / "k.meta.json").unlink()
    head = await store.head("raw/k")
    assert (head.key, head.size, head.source_url) == ("raw/k", 5, None)


def test_keys_are_relative_paths_inside_the_store():
    assert check_key("raw/abc") == "raw/abc"
    for bad in ("", "/etc/passwd", "raw/../../x", "raw//x", "./x", "raw\\x", "raw/x.meta.json"):
        with pytest.raises(ValueError):
            check_key(bad)


async def test_presigned_url_is_a_file_url_of_the_object(tmp_path):
    store = FileObjectStore(tmp_path)
    await store.put_if_absent("raw/k", b"x", meta())
    assert await store.presigned_url("raw/k") == (tmp_path / "raw" / "k").as_uri()


async def test_ping_fails_when_the_root_is_gone(tmp_path):
    store = FileObjectStore(tmp_path / "objects")
    await store.ping()
    os.rmdir(tmp_path / "objects")
    with pytest.raises(StoreUnavailable):
        await store.ping()


async def test_disk_full_is_reported_as_unavailable_not_lost(tmp_path, monkeypatch):
    store = FileObjectStore(tmp_path)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(tmp_path))

    monkeypatch.setattr(store, "_put_sync", full)
    with pytest.raises(StoreUnavailable):
        await store.put_if_absent("raw/k", b"x", meta())


async def test_factory_opens_a_file_url(tmp_path):
    store = await open_object_store(f"file://{tmp_path}/objs")
    assert isinstance(store, FileObjectStore)
    assert store.root == tmp_path / "objs"
    with pytest.raises(ValueError):
        await open_object_store("ftp://x")
