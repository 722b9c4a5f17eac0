"""Many synthetic reports written straight into a SQLite search store (no pipeline, no
segmentation): for the export memory test and the export benchmark, where what is measured is
reading them back out."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import msgspec

from shared.report import Cell, ParsedReport
from shared.storage.factory import open_search_store


def small_report(i: int) -> bytes:
    year = 2019 + i % 3
    report = ParsedReport(
        format_version="2019" if year == 2019 else "2021",
        report_year=year,
        agency_name=f"第{i % 997}县人民政府",
        title=f"第{i % 997}县人民政府{year}年政府信息公开工作年度报告",
        tables={"applications": {"new_received": {"total": Cell(value=i % 50, raw=str(i % 50), kind="number"),
                                                  "natural_person": Cell(raw="", kind="blank")}},
                "active_disclosure": None, "review_litigation": None},
    )  # fmt: skip
    return msgspec.json.encode(report)


def fill_sqlite(path: Path, n: int, make=small_report, batch: int = 5000) -> None:
    """`n` reports (doc_id r000000…) with one T3-001 finding on every tenth."""

    async def create() -> None:
        store = await open_search_store(f"sqlite:///{path}")
        await store.close()

    asyncio.run(create())
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    for start in range(0, n, batch):
        ids = range(start, min(n, start + batch))
        conn.executemany(
            "INSERT INTO reports (id, doc_id, version, portal, url, object_key, agency, agency_name,"
            " year, format, status, title, indexed_at, parser_version, validator_version,"
            " source_modality, n_findings) VALUES (?, ?, 'v', 'sample', ?, 'raw/v', ?, ?, ?, ?, ?,"
            " ?, 0, '3', '3', 'text', ?)",
            [(i + 1, f"r{i:07d}", f"http://example.gov.cn/{i}", f"第{i % 997}县人民政府",
              f"第{i % 997}县人民政府", 2019 + i % 3, "2019" if i % 3 == 0 else "2021",
              "invalid" if i % 10 == 0 else "valid", f"第{i % 997}县人民政府年度报告",
              1 if i % 10 == 0 else 0) for i in ids],
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO report_docs (id, body, report_json) VALUES (?, '', ?)",
            [(i + 1, make(i)) for i in ids],
        )
        conn.executemany(
            "INSERT INTO findings (rid, seq, rule, severity, message, cells, tags)"
            " VALUES (?, 0, 'T3-001', 'error', '1 + 0 ≠ 2 + 0', '[\"applications.new_received.total\"]', '[]')",
            [(i + 1,) for i in ids if i % 10 == 0],
        )
    conn.execute("COMMIT")
    conn.close()
