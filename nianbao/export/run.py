"""One export: stream the matching reports out of a search store into a writer.

The store yields reports a chunk at a time (keyset pagination on doc_id, SQLite and PostgreSQL
alike); each chunk becomes rows of the four tables and is written before the next is read, so
memory stays that of one chunk. `progress(done, total)` is called after every chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nianbao.export import columns as cols
from nianbao.export.writers import FTS_TABLE, open_writer
from shared.storage.segment import segment

CHUNK = 500


@dataclass
class Summary:
    reports: int = 0
    cells: int = 0
    findings: int = 0


async def export(
    store: Any,
    fmt: str,
    output: Path,
    *,
    query: str = "",
    filters: dict[str, Any] | None = None,
    chunk: int = CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> Summary:
    filters = {k: v for k, v in (filters or {}).items() if v is not None}
    total = await store.export_count(query, **filters)
    writer = open_writer(fmt, output)
    searchable = fmt == "sqlite"
    summary = Summary()
    try:
        writer.begin("reports", cols.report_columns())
        writer.begin("cells", cols.CELLS)
        writer.begin("findings", cols.FINDINGS)
        writer.begin("dictionary", cols.DICTIONARY)
        writer.write("dictionary", cols.dictionary_rows())
        if searchable:
            writer.begin(FTS_TABLE, (("doc_id", "str"), ("segmented", "str")))
        async for batch in store.export_batches(query, chunk=chunk, body=searchable, **filters):
            reports, cells, findings = [], [], []
            for stored in batch:
                rows = cols.rows_of(stored)
                reports.append(rows.report)
                cells += rows.cells
                findings += rows.findings
            writer.write("reports", reports)
            writer.write("cells", cells)
            writer.write("findings", findings)
            if searchable:
                writer.write(FTS_TABLE, [(s["doc_id"], segment(s["body"])) for s in batch])
            summary.reports += len(reports)
            summary.cells += len(cells)
            summary.findings += len(findings)
            if progress is not None:
                progress(summary.reports, total)
    finally:
        writer.close()
    return summary
