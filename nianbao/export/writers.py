"""Export writers: the same tables (columns.py) into CSV, JSON lines, Parquet, XLSX or SQLite.

A writer is opened on an output path, told each table's columns once (`begin`), handed rows a
chunk at a time (`write`) and closed; none keeps more than the chunk it is writing, so an export
runs in constant memory whatever its size.

- csv / jsonl / parquet: PATH is a directory receiving `reports.*`, `cells.*`, `findings.*`,
  `dictionary.*`. CSV is UTF-8 with a byte-order mark (Excel opens Chinese correctly); an empty
  field is an empty cell, never 0. Lists (a finding's cells) are joined with `;`.
- xlsx: one workbook, one sheet per table (xlsxwriter in constant-memory mode, rows flushed as
  written); a table longer than a sheet's 1,048,576 rows continues on `cells_2`, `cells_3`…
- sqlite: one file with the four tables, foreign keys to `reports(doc_id)`, and the segmented
  text for full-text search when given (the web view's snapshot, nianbao/web/).
"""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Any, Protocol

from nianbao.export.columns import Column

FORMATS = ("csv", "xlsx", "parquet", "jsonl", "sqlite")
_XLSX_ROWS = 1_048_576
_XLSX_TEXT = 32_767  # longest string a cell holds


class Writer(Protocol):
    def begin(self, table: str, columns: tuple[Column, ...]) -> None: ...

    def write(self, table: str, rows: list[tuple]) -> None: ...

    def close(self) -> None: ...


def open_writer(fmt: str, path: Path) -> Writer:
    if fmt == "csv":
        return CsvWriter(path)
    if fmt == "jsonl":
        return JsonlWriter(path)
    if fmt == "parquet":
        return ParquetWriter(path)
    if fmt == "xlsx":
        return XlsxWriter(path)
    if fmt == "sqlite":
        return SqliteWriter(path)
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _joined(value: Any) -> Any:
    return ";".join(value) if isinstance(value, list) else value


def _flat(row: tuple) -> list:
    """A row for a flat format: lists joined, integral floats written as integers (3, not 3.0)."""
    out = []
    for v in row:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        out.append(_joined(v))
    return out


def _flattener(columns: tuple[Column, ...]) -> Any:
    """`_flat` for one table, compiled from its column types: only the float columns are looked
    at for integral values and only the list columns joined (the reports table is ~450 float
    columns, cells 12 mostly text; per-value isinstance calls were 60 % of a CSV export)."""
    floats = [i for i, (_, kind) in enumerate(columns) if kind == "float"]
    lists = [i for i, (_, kind) in enumerate(columns) if kind == "list"]
    if not floats and not lists:
        return lambda row: row

    def flat(row: tuple) -> list:
        out = list(row)
        for i in floats:
            v = out[i]
            if v.__class__ is float and v.is_integer():
                out[i] = int(v)
        for i in lists:
            if out[i] is not None:
                out[i] = ";".join(out[i])
        return out

    return flat


class CsvWriter:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.dir = directory
        self._files: dict[str, Any] = {}
        self._csv: dict[str, Any] = {}
        self._flat: dict[str, Any] = {}

    def begin(self, table: str, columns: tuple[Column, ...]) -> None:
        # the byte-order mark written once by hand: the utf-8-sig codec runs a Python-level
        # encoder on every write
        f = (self.dir / f"{table}.csv").open("w", encoding="utf-8", newline="")
        f.write("\ufeff")
        self._files[table] = f
        self._csv[table] = csv.writer(f)
        self._csv[table].writerow([name for name, _ in columns])
        self._flat[table] = _flattener(columns)

    def write(self, table: str, rows: list[tuple]) -> None:
        self._csv[table].writerows(map(self._flat[table], rows))

    def close(self) -> None:
        for f in self._files.values():
            f.close()


class JsonlWriter:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.dir = directory
        self._files: dict[str, Any] = {}
        self._names: dict[str, list[str]] = {}

    def begin(self, table: str, columns: tuple[Column, ...]) -> None:
        self._files[table] = (self.dir / f"{table}.jsonl").open("w", encoding="utf-8")
        self._names[table] = [name for name, _ in columns]

    def write(self, table: str, rows: list[tuple]) -> None:
        names, f = self._names[table], self._files[table]
        for r in rows:
            f.write(json.dumps(dict(zip(names, r, strict=True)), ensure_ascii=False) + "\n")

    def close(self) -> None:
        for f in self._files.values():
            f.close()


class ParquetWriter:
    """Each chunk of rows is turned into Arrow columns at once (a float is 8 bytes there, ~40 as a
    Python object in a tuple) and those batches are buffered up to ROW_GROUP_BYTES a table, then
    written as one row group: the buffer and its encoding are the export's working memory, the
    same at 10,000 reports as at 100,000. The footer pyarrow keeps until a file is closed grows
    ~0.2 MiB per row group of `reports` (~470 columns; 8 MiB is ~2,200 reports): after
    GROUPS_PER_FILE row groups a table goes on in a new part file (`reports-2.parquet`, … next to
    `reports.parquet`; pandas/pyarrow/DuckDB read them together with a `reports*.parquet` glob),
    so memory stays bounded at a million reports (an export under ~400,000 reports is one file
    per table, as before). 8 MiB, not 16: a flush's peak (buffer plus pages being encoded) is what
    the memory test sees."""

    ROW_GROUP_BYTES = 8 << 20
    GROUPS_PER_FILE = 180  # ≤ ~36 MiB of footer for the widest table

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.dir = directory
        self._writers: dict[str, Any] = {}
        self._schemas: dict[str, Any] = {}
        self._buffers: dict[str, list[Any]] = {}
        self._sizes: dict[str, int] = {}
        self._groups: dict[str, int] = {}
        self._parts: dict[str, int] = {}

    def begin(self, table: str, columns: tuple[Column, ...]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        types = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(),
                 "list": pa.list_(pa.string())}  # fmt: skip
        schema = pa.schema([(name, types[kind]) for name, kind in columns])
        self._schemas[table] = schema
        self._buffers[table] = []
        self._sizes[table] = 0
        self._groups[table] = 0
        self._parts[table] = 1
        self._writers[table] = pq.ParquetWriter(self.dir / f"{table}.parquet", schema)

    def write(self, table: str, rows: list[tuple]) -> None:
        import pyarrow as pa

        if not rows:
            return
        schema = self._schemas[table]
        columns = zip(*rows, strict=True)
        batch = pa.RecordBatch.from_arrays(
            [pa.array(col, type=field.type) for col, field in zip(columns, schema, strict=True)],
            schema=schema,
        )
        self._buffers[table].append(batch)
        self._sizes[table] += batch.nbytes
        if self._sizes[table] >= self.ROW_GROUP_BYTES:
            self._flush(table)

    def _flush(self, table: str) -> None:
        import pyarrow as pa

        batches = self._buffers[table]
        if not batches:
            return
        import pyarrow.parquet as pq

        if self._groups[table] >= self.GROUPS_PER_FILE:  # the footer would go on growing
            self._writers[table].close()
            self._parts[table] += 1
            self._groups[table] = 0
            path = self.dir / f"{table}-{self._parts[table]}.parquet"
            self._writers[table] = pq.ParquetWriter(path, self._schemas[table])
        rows = pa.Table.from_batches(batches, schema=self._schemas[table])
        self._writers[table].write_table(rows, row_group_size=rows.num_rows)
        self._groups[table] += 1
        self._buffers[table], self._sizes[table] = [], 0
        _trim()

    def close(self) -> None:
        for table, w in self._writers.items():
            self._flush(table)
            w.close()


def _trim() -> None:
    """Give freed heap pages back to the system (glibc's malloc_trim). The rows of a chunk are
    built in the store's reader threads and freed in this one; glibc keeps such memory in
    per-thread arenas, and a Parquet export's RSS crept up ~1 MiB per 1,000 reports without
    this (Python's and Arrow's own counts flat). Elsewhere than glibc: nothing to do."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass


class XlsxWriter:
    def __init__(self, path: Path) -> None:
        import xlsxwriter

        path.parent.mkdir(parents=True, exist_ok=True)
        self._book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        self._bold = self._book.add_format({"bold": True})
        self._sheets: dict[str, list[Any]] = {}  # table → [sheet, next row, part, header]

    def begin(self, table: str, columns: tuple[Column, ...]) -> None:
        header = [name for name, _ in columns]
        sheet = self._book.add_worksheet(table)
        sheet.write_row(0, 0, header, self._bold)
        sheet.freeze_panes(1, 0)
        self._sheets[table] = [sheet, 1, 1, header]

    def write(self, table: str, rows: list[tuple]) -> None:
        state = self._sheets[table]
        for r in rows:
            if state[1] >= _XLSX_ROWS:  # a sheet is full: continue on the next part
                state[2] += 1
                state[0] = self._book.add_worksheet(f"{table}_{state[2]}")
                state[0].write_row(0, 0, state[3], self._bold)
                state[1] = 1
            sheet, n = state[0], state[1]
            for c, v in enumerate(_flat(r)):
                if v is None or v == "":
                    continue  # an empty cell stays empty (never 0)
                if isinstance(v, str):
                    sheet.write_string(n, c, v[:_XLSX_TEXT])
                else:
                    sheet.write_number(n, c, v)
            state[1] = n + 1

    def close(self) -> None:
        self._book.close()


FTS_TABLE = "reports_fts"
_SQLITE_INDEXES = (
    "CREATE INDEX IF NOT EXISTS cells_doc ON cells(doc_id)",
    "CREATE INDEX IF NOT EXISTS cells_key ON cells(key, value)",
    "CREATE INDEX IF NOT EXISTS findings_rule ON findings(rule, doc_id)",
    "CREATE INDEX IF NOT EXISTS reports_year_agency ON reports(year, agency_name)",
)
_SQL_TYPES = {"str": "TEXT", "int": "INTEGER", "float": "REAL", "list": "TEXT"}


def _with_joined(row: tuple, lists: list[int]) -> list:
    out = list(row)
    for i in lists:
        if out[i] is not None:
            out[i] = ";".join(out[i])
    return out


class SqliteWriter:
    """The snapshot file: reports keyed by doc_id, cells and findings pointing at it."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.unlink(missing_ok=True)
        self.path, self._tmp = path, tmp
        self.conn = sqlite3.connect(tmp, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=OFF")  # a fresh file, renamed into place when done
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("BEGIN")
        self._insert: dict[str, str] = {}
        self._lists: dict[str, list[int]] = {}

    def begin(self, table: str, columns: tuple[Column, ...]) -> None:
        marks = ", ".join("?" * len(columns))
        self._insert[table] = f'INSERT INTO "{table}" VALUES ({marks})'
        self._lists[table] = [i for i, (_, kind) in enumerate(columns) if kind == "list"]
        if table == FTS_TABLE:  # search text cut into words as the search stores cut it
            self.conn.execute(
                f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(doc_id UNINDEXED, segmented,"
                " tokenize = 'unicode61')"
            )
            return
        defs = []
        for name, kind in columns:
            d = f'"{name}" {_SQL_TYPES[kind]}'
            if name == "doc_id":
                d += " PRIMARY KEY" if table == "reports" else " REFERENCES reports(doc_id)"
            if table == "dictionary" and name == "key":
                d += " PRIMARY KEY"
            defs.append(d)
        if table == "findings":
            defs.append("PRIMARY KEY (doc_id, seq)")
        self.conn.execute(f'CREATE TABLE "{table}" ({", ".join(defs)})')

    def write(self, table: str, rows: list[tuple]) -> None:
        lists = self._lists[table]
        if lists:  # only findings has list columns: the other tables' rows go in as they are
            rows = [_with_joined(r, lists) for r in rows]
        self.conn.executemany(self._insert[table], rows)

    def close(self) -> None:
        for sql in _SQLITE_INDEXES:
            self.conn.execute(sql)
        self.conn.execute("COMMIT")
        self.conn.close()
        self._tmp.replace(self.path)
