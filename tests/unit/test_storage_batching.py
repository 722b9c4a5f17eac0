"""Group commit over a real SQLite search store: concurrent upserts share a transaction, and every
caller still gets its own answer (changed / unchanged / its own error)."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from shared.errors import StoreUnavailable
from shared.events import DocRef, DocValidated
from shared.report import Cell, ParsedReport, Section
from shared.storage.batching import GroupCommit
from shared.storage.sqlite import SqliteSearchStore


def event(doc: str, version: str = "v1", raw: object = "3") -> DocValidated:
    ref = DocRef(
        doc_id=doc,
        version=version,
        portal="p",
        url=f"http://example.gov.cn/{doc}",
        object_key=f"raw/{version}",
    )
    report = ParsedReport(
        format_version="2021",
        report_year=2021,
        agency_name=f"{doc}局",
        title=f"{doc}局2021年报告",
        tables={"applications": {"new_received": {"total": Cell(kind="number", value=3, raw=raw)}}},
        sections={
            "overview": Section(
                title_raw="一、总体情况", text="行政许可", title_canonical="总体情况"
            )
        },
    )
    return DocValidated(ref=ref, report=report, findings=[], status="valid", validator_version="v1")


@pytest.fixture
async def store(tmp_path):
    s = SqliteSearchStore(str(tmp_path / "index.db"), timeout_s=0.2)
    await s.open()
    yield s
    await s.close()


async def test_concurrent_upserts_are_written_in_fewer_transactions_than_reports(store):
    grouped = GroupCommit(store, max_batch=4)
    results = await asyncio.gather(*(grouped.upsert(event(f"d{i}")) for i in range(8)))
    assert results == [True] * 8
    assert await store.count() == 8
    assert sum(grouped.batches) == 8 and len(grouped.batches) < 8
    assert max(grouped.batches) <= 4


async def test_each_caller_learns_whether_its_own_report_changed(store):
    grouped = GroupCommit(store, max_batch=4)
    await grouped.upsert(event("old"))
    results = await asyncio.gather(
        grouped.upsert(event("old")),
        grouped.upsert(event("new")),
        grouped.upsert(event("old", version="v2")),
    )
    assert results == [False, True, True]
    assert (await store.get_report("old"))["version"] == "v2"


async def test_one_bad_report_fails_alone_and_the_others_of_its_batch_are_indexed(store):
    grouped = GroupCommit(store, max_batch=4)
    results = await asyncio.gather(
        grouped.upsert(event("a")),
        grouped.upsert(event("bad", raw=None)),
        grouped.upsert(event("b")),
        return_exceptions=True,
    )
    assert results[0] is True and results[2] is True
    assert isinstance(results[1], TypeError)
    assert await store.get_report("bad") is None
    assert await store.count() == 2


async def test_a_locked_database_fails_every_caller_of_the_batch_as_unavailable(store, tmp_path):
    grouped = GroupCommit(store, max_batch=4)
    await grouped.upsert(event("first"))  # schema created, first batch done
    blocker = sqlite3.connect(str(tmp_path / "index.db"), isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        results = await asyncio.gather(
            *(grouped.upsert(event(f"d{i}")) for i in range(3)), return_exceptions=True
        )
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert [type(r) for r in results] == [StoreUnavailable] * 3
    assert await grouped.upsert(event("d0")) is True  # healed: the retry goes through


async def test_a_cancelled_caller_does_not_stop_the_others_of_its_batch(store):
    grouped = GroupCommit(store, max_batch=4)
    first = asyncio.create_task(grouped.upsert(event("a")))
    second = asyncio.create_task(grouped.upsert(event("b")))
    await asyncio.sleep(0)
    first.cancel()
    assert await second is True
    assert (await store.get_report("b"))["version"] == "v1"


async def test_other_store_methods_pass_through(store):
    grouped = GroupCommit(store, max_batch=2)
    await grouped.upsert(event("a"))
    assert await grouped.count() == 1
    assert [r["doc_id"] for r in await grouped.search("许可")] == ["a"]
