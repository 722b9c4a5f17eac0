"""SQLite schema 4: cells are one (key, rid) b-tree; a schema-3 file is migrated in place when
opened, keeping every value, and a re-indexed report leaves none of its old cells behind."""

from __future__ import annotations

import sqlite3

from services.parser import parse
from services.validator import validate
from shared.events import DocFetched, DocRef, DocValidated
from shared.report import status_of
from shared.storage.sqlite import SCHEMA_VERSION, SqliteSearchStore

# the cells table as schema 3 wrote it (raw text, unit and note stored; a second index by key)
CELLS_V3 = """
DROP TABLE cells;
CREATE TABLE cells (
    rid INTEGER NOT NULL, key INTEGER NOT NULL, value REAL, kind TEXT NOT NULL, raw TEXT NOT NULL,
    unit TEXT, note TEXT, PRIMARY KEY (rid, key)
) WITHOUT ROWID;
CREATE INDEX cells_by_key ON cells(key, rid, value);
"""


def validated(data: bytes, doc: str, version: str = "v1", fetched_at: float = 1.0) -> DocValidated:
    report = parse(data)
    findings = list(validate(report))
    ref = DocRef(
        doc_id=doc,
        version=version,
        portal="p",
        url=f"http://example.gov.cn/{doc}",
        object_key=f"raw/{version}",
    )
    return DocValidated(
        ref=ref,
        report=report,
        findings=findings,
        status=status_of(findings),
        validator_version="v1",
        fetched=DocFetched(ref=ref, size=len(data), fetched_at=fetched_at),
    )


def cell_rows(path) -> list[tuple]:
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute("SELECT rid, key, value, kind FROM cells ORDER BY rid, key").fetchall()
    finally:
        conn.close()


async def test_a_schema_3_file_is_migrated_with_every_cell_and_sum_kept(tmp_path, seeds):
    path = tmp_path / "i.db"
    data = next(iter(seeds.values()))
    store = SqliteSearchStore(str(path))
    await store.upsert(validated(data, "a"))
    before_report = await store.get_report("a")
    before_sum = await store.sum_cells("applications", "new_received", "total")
    await store.close()
    rows = cell_rows(path)
    conn = sqlite3.connect(str(path))  # turn the file back into what schema 3 wrote
    conn.executescript(CELLS_V3)
    conn.executemany("INSERT INTO cells VALUES (?, ?, ?, ?, '', NULL, NULL)", rows)
    conn.execute("PRAGMA user_version=3")
    conn.commit()
    conn.close()

    store = SqliteSearchStore(str(path))
    assert await store.get_report("a") == before_report
    assert await store.sum_cells("applications", "new_received", "total") == before_sum
    await store.close()
    conn = sqlite3.connect(str(path))
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
    assert {"dead_links", "portal_coverage"} <= {
        r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    assert [r[1] for r in conn.execute("PRAGMA table_info(cells)")] == [
        "rid",
        "key",
        "value",
        "kind",
    ]
    assert (
        conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'cells_by_key'").fetchone()[0]
        == 0
    )
    conn.close()
    assert cell_rows(path) == rows


async def test_a_new_version_replaces_all_the_cells_of_the_old_one(tmp_path, seeds):
    path = tmp_path / "i.db"
    first, second = list(seeds.values())[:2]
    store = SqliteSearchStore(str(path))
    await store.upsert(validated(first, "a", "v1", fetched_at=1.0))
    await store.upsert(validated(second, "b", "v1", fetched_at=1.0))
    b_cells = [r for r in cell_rows(path) if r[0] == 2]
    await store.upsert(validated(second, "a", "v2", fetched_at=2.0))
    await store.close()
    a_cells = [r for r in cell_rows(path) if r[0] == 1]
    assert len(a_cells) == len(b_cells)
    assert [r[1:] for r in a_cells] == [r[1:] for r in b_cells]


async def test_a_report_reads_back_its_cells_raw_text_and_notes(tmp_path, seeds):
    event = validated(
        next(v for k, v in seeds.items() if k.startswith("000")), "a"
    )  # has a missing cell
    store = SqliteSearchStore(str(tmp_path / "i.db"))
    await store.upsert(event)
    got = (await store.get_report("a"))["tables"]
    await store.close()
    for tbl, table in event.report.tables.items():
        for row, cols in (table or {}).items():
            for col, cell in cols.items():
                assert got[tbl][row][col]["raw"] == cell.raw
                assert got[tbl][row][col]["kind"] == cell.kind
                assert got[tbl][row][col].get("note") == cell.note
    assert any(
        c.note for t in event.report.tables.values() for r in (t or {}).values() for c in r.values()
    )


async def test_a_database_locked_at_start_is_waited_for_not_fatal(tmp_path):
    # another stage's first open holds the write lock while it creates the schema (slow machine)
    import asyncio
    import threading

    path = tmp_path / "index.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN EXCLUSIVE")
    threading.Timer(1.5, lambda: other.execute("COMMIT")).start()
    store = await asyncio.wait_for(SqliteSearchStore(str(path), timeout_s=0.2).open(), 30)
    assert await store.search("") == []
    await store.close()
    other.close()
