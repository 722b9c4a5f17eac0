"""The embedded search store: one SQLite file (WAL, one writer) with FTS5 over segmented text.

Tables: `reports` (one row per doc_id: the latest version and its metadata), `report_docs` (its
body and ParsedReport JSON, apart so that scans over `reports` stay on small rows), `reports_fts`
(FTS5, rowid = reports.id, text cut by rjieba — see segment.py), `cells` (every cell of every
table: its kind and, for numbers only, its value, so sums never count a blank as 0), `findings`,
and `versions` (every version ever indexed per doc_id). Cells and findings point at `reports.id`,
and cells name their (table, row, col) through the small `cell_keys` table. `cells` is one b-tree
keyed (key, rid): a cell's values across reports are one range (sums), and a report's ~200 cells
cost one insert each — their raw text, unit and note are read back from report_json, not stored
twice (schema 4: −0.35 ms of indexer CPU per report against a second index, measured). An upsert
is one transaction: the old rows of the doc are deleted and the new ones inserted, so readers see
either version, never a mix. A schema-3 file is migrated in place when opened.

sqlite3 calls run in a worker thread (`asyncio.to_thread`) behind one lock: the event loop never
waits on disk, and there is exactly one writer. `database is locked` after the busy timeout, and
other errors that may heal, become StoreUnavailable (the indexer naks and retries).

URL: `sqlite:///abs/path/index.db` (`sqlite:///:memory:` for throwaway use); query parameter
`timeout=<seconds>` overrides the busy timeout.
Settings read (via factory.py): store_timeout_s.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

from shared import metrics
from shared.errors import StoreUnavailable
from shared.events import DocValidated
from shared.report import ParsedReport
from shared.storage import queries as q
from shared.storage.segment import fts5_match

T = TypeVar("T")
SCHEMA_VERSION = 5

# 3 → 4: cells slimmed to one b-tree by (key, rid); raw, unit and note are read from report_json.
MIGRATE_3_TO_4 = """
CREATE TABLE cells_v4 (
    rid INTEGER NOT NULL,
    key INTEGER NOT NULL,
    value REAL,
    kind TEXT NOT NULL,
    PRIMARY KEY (key, rid)
) WITHOUT ROWID;
INSERT INTO cells_v4 SELECT rid, key, value, kind FROM cells;
DROP TABLE cells;
ALTER TABLE cells_v4 RENAME TO cells;
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL UNIQUE,
    version TEXT NOT NULL,
    portal TEXT NOT NULL,
    url TEXT NOT NULL,
    object_key TEXT NOT NULL,
    agency TEXT,
    agency_name TEXT,
    division_code TEXT,
    level TEXT,
    year INTEGER,
    format TEXT NOT NULL,
    status TEXT NOT NULL,
    title TEXT,
    publish_date TEXT,
    fetched_at REAL,
    indexed_at REAL NOT NULL,
    parser_version TEXT NOT NULL,
    validator_version TEXT NOT NULL,
    source_modality TEXT NOT NULL,
    content_type TEXT,
    n_findings INTEGER NOT NULL
);
-- the bulky part of a report, apart: scans over `reports` (facets, sums by year) stay on small rows
CREATE TABLE IF NOT EXISTS report_docs (
    id INTEGER PRIMARY KEY,  -- reports.id
    body TEXT NOT NULL,
    report_json BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_year_agency ON reports(year, agency);
CREATE INDEX IF NOT EXISTS reports_agency_year ON reports(agency, year);
CREATE INDEX IF NOT EXISTS reports_agency_name_year ON reports(agency_name, year);
CREATE INDEX IF NOT EXISTS reports_status ON reports(status);
CREATE VIRTUAL TABLE IF NOT EXISTS reports_fts USING fts5(segmented, tokenize = 'unicode61');
CREATE TABLE IF NOT EXISTS cell_keys (
    id INTEGER PRIMARY KEY,
    tbl TEXT NOT NULL,
    row TEXT NOT NULL,
    col TEXT NOT NULL,
    UNIQUE (tbl, row, col)
);
CREATE TABLE IF NOT EXISTS cells (
    rid INTEGER NOT NULL,  -- reports.id
    key INTEGER NOT NULL,  -- cell_keys.id
    value REAL,  -- numbers only
    kind TEXT NOT NULL,  -- number, blank, na_dash, … (raw text, unit and note: report_docs.report_json)
    PRIMARY KEY (key, rid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS findings (
    rid INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    message TEXT NOT NULL,
    cells TEXT NOT NULL,
    tags TEXT NOT NULL,
    PRIMARY KEY (rid, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS findings_rule ON findings(rule, rid);
-- crawl facts (schema 5): what `nianbao missing` needs after the crawl's broker is gone
CREATE TABLE IF NOT EXISTS dead_links (
    url TEXT PRIMARY KEY,  -- canonical URL a list page links and that answers 404/410
    portal TEXT NOT NULL,
    status INTEGER NOT NULL,
    title TEXT,
    report_year INTEGER,
    companion TEXT,
    since REAL NOT NULL,  -- first answered so (unix seconds)
    last_checked REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_links_portal_year ON dead_links(portal, report_year);
CREATE TABLE IF NOT EXISTS portal_coverage (
    portal TEXT PRIMARY KEY,
    declared INTEGER,  -- NULL: the column states no size
    reached INTEGER NOT NULL,
    unit TEXT NOT NULL,  -- documents | pages
    checked_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    doc_id TEXT NOT NULL,
    version TEXT NOT NULL,
    first_indexed_at REAL NOT NULL,
    last_indexed_at REAL NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (doc_id, version)
) WITHOUT ROWID;
"""

_HEALABLE = ("locked", "unable to open", "disk i/o", "disk is full", "busy")


def _wrap(exc: sqlite3.Error) -> Exception:
    if isinstance(exc, sqlite3.OperationalError) and any(m in str(exc).lower() for m in _HEALABLE):
        return StoreUnavailable(f"sqlite: {exc}")
    return exc


OPEN_WAIT_S = 60.0  # how long open() waits out a locked database before giving up


class SqliteSearchStore:
    def __init__(self, path: str, *, timeout_s: float = 5.0) -> None:
        self.path = path
        self.timeout_s = timeout_s
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._keys: dict[tuple[str, str, str], int] = {}  # cell_keys cache, guarded by _lock
        self._conn: sqlite3.Connection | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"SqliteSearchStore({self.path!r})"

    # --- plumbing ------------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if self._closed:
            raise RuntimeError("search store is closed")
        if self._conn is None:
            conn = sqlite3.connect(
                self.path, timeout=self.timeout_s, isolation_level=None, check_same_thread=False
            )
            conn.row_factory = sqlite3.Row
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(
                    "PRAGMA synchronous=NORMAL"
                )  # WAL: durable at checkpoints, never corrupt
                conn.execute(
                    "PRAGMA cache_size=-65536"
                )  # 64 MiB: the default 2 MiB thrashes on sums
                if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                    _create_or_migrate(conn, self.path)
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def _run_sync(self, op: str, fn: Callable[[sqlite3.Connection], T]) -> T:
        started = time.perf_counter()
        with self._lock:
            try:
                conn = self._connect()
                return fn(conn)
            except sqlite3.Error as exc:
                if self._conn is not None and self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                    self._keys.clear()  # ids cached inside the rolled-back transaction may be gone
                raise _wrap(exc) from exc
            finally:
                metrics.STORE_SECONDS.labels("sqlite", op).observe(time.perf_counter() - started)

    async def _run(self, op: str, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.to_thread(self._run_sync, op, fn)

    async def open(self) -> SqliteSearchStore:
        """Connect (creating or migrating the schema). A database another stage holds locked —
        its own first open migrating the schema on a slow machine, a backup — is waited for, up
        to OPEN_WAIT_S, as a message is retried: a stage must not die of a lock at start."""
        deadline = time.monotonic() + OPEN_WAIT_S
        while True:
            try:
                await self._run("open", lambda conn: None)
                return self
            except StoreUnavailable:
                if time.monotonic() >= deadline:
                    raise
                await asyncio.sleep(0.25)

    # --- writing -------------------------------------------------------------------------------
    async def upsert(self, event: DocValidated) -> bool:
        rows = q.rows_of(event)
        changed = await self._run("upsert", lambda conn: _upsert_many(conn, self._keys, [rows]))
        return changed[0]

    async def upsert_many(self, events: list[DocValidated]) -> list[bool]:
        """Upsert a batch in one transaction; result i is what upsert(events[i]) would return."""
        batch = [q.rows_of(e) for e in events]
        return await self._run("upsert_many", lambda conn: _upsert_many(conn, self._keys, batch))

    # --- reading -------------------------------------------------------------------------------
    async def search(
        self,
        query: str = "",
        *,
        limit: int = 20,
        offset: int = 0,
        **filters: Any,
    ) -> list[dict]:
        where, params = _where(q.check_filters(filters))
        match = fts5_match(query)
        cols = "r.doc_id, r.version, r.title, r.agency, r.agency_name, r.year, r.status, r.format, r.url, r.n_findings"
        if match:
            sql = (
                f"SELECT {cols}, r.id, -bm25(reports_fts) AS score FROM reports_fts"
                " JOIN reports r ON r.id = reports_fts.rowid"
                f" WHERE reports_fts MATCH ? {where} ORDER BY bm25(reports_fts), r.doc_id LIMIT ? OFFSET ?"
            )
            params = [match, *params, limit, offset]
        else:
            sql = (
                f"SELECT {cols}, r.id, NULL AS score FROM reports r WHERE 1=1 {where}"
                " ORDER BY r.year DESC, r.agency, r.doc_id LIMIT ? OFFSET ?"
            )
            params = [*params, limit, offset]

        def run(conn: sqlite3.Connection) -> list[dict]:
            out = [dict(r) for r in conn.execute(sql, params)]
            for d in out:  # bodies of the page only, not of every match
                body = conn.execute(
                    "SELECT body FROM report_docs WHERE id = ?", (d.pop("id"),)
                ).fetchone()
                d["snippet"] = q.snippet(body[0] if body else "", query)
            return out

        return await self._run("search", run)

    async def facets(self, query: str = "", **filters: Any) -> dict[str, dict]:
        where, params = _where(q.check_filters(filters))
        match = fts5_match(query)
        if match:
            matching = (
                "SELECT r.id, r.year, COALESCE(r.agency_name, r.agency) AS agency, r.status, r.format FROM reports_fts JOIN reports r ON r.id = reports_fts.rowid"
                f" WHERE reports_fts MATCH ? {where}"
            )
            params = [match, *params]
        else:
            matching = f"SELECT r.id, r.year, COALESCE(r.agency_name, r.agency) AS agency, r.status, r.format FROM reports r WHERE 1=1 {where}"

        def run(conn: sqlite3.Connection) -> dict[str, dict]:
            out: dict[str, dict] = {}
            for name in ("year", "agency", "status", "format"):
                sql = f"WITH m AS ({matching}) SELECT {name} AS k, count(*) AS n FROM m GROUP BY k ORDER BY n DESC, k IS NULL, k"
                out[name] = {r["k"]: r["n"] for r in conn.execute(sql, params)}
            sql = (
                f"WITH m AS ({matching}) SELECT f.rule AS k, count(DISTINCT f.rid) AS n"
                " FROM findings f JOIN m ON m.id = f.rid GROUP BY k ORDER BY n DESC, k IS NULL, k"
            )
            out["rule"] = {r["k"]: r["n"] for r in conn.execute(sql, params)}
            return {k: out[k] for k in q.FACETS}

        return await self._run("facets", run)

    async def sum_cells(
        self, table: str, row: str, col: str, *, group_by: str | None = "year", **filters: Any
    ) -> dict:
        group = q.check_group_by(group_by)
        where, params = _where(q.check_filters(filters))
        key = q.group_column(group) if group else "'all'"
        # Two passes beat one LEFT JOIN (4× at 20k reports): the reports per group from the small
        # reports table, and the sums driven by the cell's key range of the cells b-tree, which
        # visits reports in id order instead of probing once per report.
        count_sql = f"SELECT {key} AS k, count(*) AS n FROM reports r WHERE 1=1 {where} GROUP BY k"
        sum_sql = (
            f"SELECT {key} AS k, count(c.value) AS numbers, sum(c.value) AS total"
            " FROM cells c CROSS JOIN reports r ON r.id = c.rid"
            f" WHERE c.key IN ({q.sum_keys_sql(('?', '?', '?', '?'))}) {where} GROUP BY k"
        )

        def run(conn: sqlite3.Connection) -> dict:
            counts = {r["k"]: r["n"] for r in conn.execute(count_sql, params)}
            sums = {
                r["k"]: (r["total"], r["numbers"])
                for r in conn.execute(sum_sql, [*q.sum_keys_args(table, row, col), *params])
            }
            order = sorted(counts, key=lambda k: (k is None, k))
            return {k: q.sum_entry(*sums.get(k, (None, 0)), counts[k]) for k in order}

        return await self._run("sum_cells", run)

    async def _read_apart(self, op: str, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn` on a read-only connection of its own with a small page cache: a long scan (an
        export of every report) neither holds the writer's lock between chunks nor fills the
        store's 64 MiB cache, so its memory stays that of one chunk (WAL: it reads a snapshot
        while the indexer writes). A `:memory:` store has only the one connection."""
        if self.path == ":memory:":
            return await self._run(op, fn)

        def run() -> T:
            started = time.perf_counter()
            conn = sqlite3.connect(
                Path(self.path).resolve().as_uri() + "?mode=ro",
                uri=True,
                timeout=self.timeout_s,
                check_same_thread=False,
            )
            conn.row_factory = sqlite3.Row
            try:
                conn.execute("PRAGMA cache_size=-4096")  # 4 MiB
                return fn(conn)
            except sqlite3.Error as exc:
                raise _wrap(exc) from exc
            finally:
                conn.close()
                metrics.STORE_SECONDS.labels("sqlite", op).observe(time.perf_counter() - started)

        await self._run("open", lambda conn: None)  # the schema exists (created or migrated)
        return await asyncio.to_thread(run)

    async def export_count(self, query: str = "", **filters: Any) -> int:
        """How many reports `export_batches` with the same arguments yields."""
        sql, params = _export_where(query, filters)

        def run(conn: sqlite3.Connection) -> int:
            return int(
                conn.execute(f"SELECT count(*) FROM reports r WHERE 1=1 {sql}", params).fetchone()[
                    0
                ]
            )

        return await self._run("export_count", run)

    async def export_batches(
        self, query: str = "", *, chunk: int = 500, body: bool = False, **filters: Any
    ) -> AsyncIterator[list[dict]]:
        """The matching reports in doc_id order, `chunk` at a time (keyset pagination: memory
        stays that of one chunk however many match). Each: META_FIELDS, `report_json` and
        `findings` (dicts, in order); `body` when asked."""
        sql, params = _export_where(query, filters)
        cols = ", ".join(f"r.{f}" for f in q.META_FIELDS) + ", r.id, d.report_json"
        cols += ", d.body" if body else ""
        # INDEXED BY the doc_id index (SQLite's name for the UNIQUE constraint's): with a filter
        # such as year = ? the planner took reports_year_agency, then joined and sorted every
        # matching report for each page of 500 — quadratic (0.8 s a page at 10,000 reports of
        # one year; the whole stream now 0.7 s). Walking doc_ids in order reads each row once.
        page = (
            f"SELECT {cols} FROM reports r INDEXED BY sqlite_autoindex_reports_1"
            f" JOIN report_docs d ON d.id = r.id WHERE r.doc_id > ? {sql} ORDER BY r.doc_id LIMIT ?"
        )
        after = ""
        while True:

            def run(conn: sqlite3.Connection, after: str = after) -> list[dict]:
                rows = [dict(r) for r in conn.execute(page, [after, *params, chunk])]
                by_id = {r.pop("id"): r for r in rows}
                for r in rows:
                    r["findings"] = []
                if by_id:
                    marks = ",".join("?" * len(by_id))
                    for f in conn.execute(
                        "SELECT rid, rule, severity, message, cells, tags FROM findings"
                        f" WHERE rid IN ({marks}) ORDER BY rid, seq",
                        list(by_id),
                    ):
                        by_id[f[0]]["findings"].append(
                            q.finding_dict(f[1], f[2], f[3], q.loads(f[4]), q.loads(f[5]))
                        )
                return rows

            rows = await self._read_apart("export", run)
            if not rows:
                return
            yield rows
            if len(rows) < chunk:
                return
            after = rows[-1]["doc_id"]

    async def get_report(self, doc_id: str) -> dict | None:
        return await self._run("get_report", lambda conn: _get_report(conn, doc_id))

    async def previous_report(self, agency: str, year: int) -> ParsedReport | None:
        """The report of `agency` (registry or printed name) for `year - 1`, if indexed."""
        args = (agency, year - 1, agency, year - 1, agency)
        row = await self._run(
            "previous_report", lambda conn: conn.execute(PREVIOUS_REPORT_SQL, args).fetchone()
        )
        return q.decode_report(row["report_json"]) if row else None

    async def resolve(self, prefix: str, limit: int = 2) -> list[str]:
        """doc_ids starting with `prefix` (the CLI shows short ids)."""
        sql = "SELECT doc_id FROM reports WHERE doc_id >= ? AND substr(doc_id, 1, ?) = ? ORDER BY doc_id LIMIT ?"
        args = (prefix, len(prefix), prefix, limit)
        return await self._run("resolve", lambda conn: [r[0] for r in conn.execute(sql, args)])

    async def count(self) -> int:
        return await self._run(
            "count", lambda conn: conn.execute("SELECT count(*) FROM reports").fetchone()[0]
        )

    async def content_fingerprint(self) -> str:
        def run(conn: sqlite3.Connection) -> str:
            conn.create_function("nb_hash", 1, _hash32, deterministic=True)
            reports = conn.execute(
                "SELECT count(*), coalesce(sum(nb_hash(doc_id || '|' || version || '|' || status"
                " || '|' || parser_version || '|' || validator_version || '|' || indexed_at"
                " || '|' || id || '|' || n_findings)), 0) FROM reports"
            ).fetchone()
            findings = conn.execute(
                "SELECT count(*), coalesce(sum(nb_hash(rid || '|' || seq || '|' || rule || '|'"
                " || severity || '|' || message || '|' || cells || '|' || tags)), 0) FROM findings"
            ).fetchone()
            return q.fingerprint_of(tuple(reports), tuple(findings))

        return await self._read_apart("content_fingerprint", run)

    async def stale(self, parser_version: str, validator_version: str) -> list[str]:
        sql = "SELECT doc_id FROM reports WHERE parser_version != ? OR validator_version != ? ORDER BY doc_id"
        args = (parser_version, validator_version)
        return await self._run("stale", lambda conn: [r[0] for r in conn.execute(sql, args)])

    async def load_reports(self, doc_ids: list[str]) -> dict[str, ParsedReport]:
        """doc_id → ParsedReport (source_url filled from the index when empty), one query."""

        def run(conn: sqlite3.Connection) -> dict[str, ParsedReport]:
            out: dict[str, ParsedReport] = {}
            for start in range(0, len(doc_ids), 500):  # SQLite's bound-parameter limit
                part = doc_ids[start : start + 500]
                sql = (
                    "SELECT r.doc_id, r.url, d.report_json FROM reports r"
                    f" JOIN report_docs d ON d.id = r.id WHERE r.doc_id IN ({','.join('?' * len(part))})"
                )
                for row in conn.execute(sql, part):
                    out[row[0]] = q.with_source(q.decode_report(row[2]), row[1])
            return out

        return await self._read_apart("load_reports", run)

    async def replace_duplicate_findings(self, year: int, findings: dict[str, list[Any]]) -> int:
        """Replace the X-* findings of `year`'s reports with `findings` in one transaction."""
        prepared = {doc_id: q.cross_finding_rows(found) for doc_id, found in findings.items()}

        def run(conn: sqlite3.Connection) -> int:
            conn.execute("BEGIN IMMEDIATE")
            touched = {
                r[0]
                for r in conn.execute(
                    "SELECT f.rid FROM findings f JOIN reports r ON r.id = f.rid"
                    " WHERE f.rule >= ? AND f.rule < ? AND r.year = ?",
                    (q.CROSS_RULE_LOW, q.CROSS_RULE_HIGH, year),
                )
            }
            conn.executemany(
                "DELETE FROM findings WHERE rid = ? AND rule >= ? AND rule < ?",
                [(rid, q.CROSS_RULE_LOW, q.CROSS_RULE_HIGH) for rid in touched],
            )
            written = 0
            for doc_id, rows in prepared.items():
                row = conn.execute(
                    "SELECT id FROM reports WHERE doc_id = ? AND year = ?", (doc_id, year)
                ).fetchone()
                if row is None or not rows:
                    continue  # re-indexed into another year, or gone, since it was read
                conn.executemany(
                    "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(row[0], *values) for values in rows],
                )
                touched.add(row[0])
                written += len(rows)
            conn.executemany(
                "UPDATE reports SET n_findings = (SELECT count(*) FROM findings WHERE rid = ?)"
                " WHERE id = ?",
                [(rid, rid) for rid in touched],
            )
            conn.execute("COMMIT")
            return written

        written = await self._run("replace_duplicate_findings", run)
        metrics.ROWS_WRITTEN.labels("findings").inc(written)
        return written

    # --- crawl facts (dead links, list coverage): written by the fetcher, read by `missing` -----
    async def put_dead_link(self, link: dict) -> None:
        """Record a listed URL answering 404/410; `since` stays the first time it did."""
        args = (
            link["url"], link["portal"], int(link["status"]), link.get("title"),
            link.get("report_year"), link.get("companion"), link["since"], link["last_checked"],
        )  # fmt: skip
        await self._run("put_dead_link", lambda conn: conn.execute(q.PUT_DEAD_LINK_SQLITE, args))

    async def clear_dead_link(
        self, url: str, checked_at: float | None = None, portal: str = ""
    ) -> None:
        """The URL answered at `checked_at` (None: now): no longer dead, unless found dead after
        that check (its row stays as a tombstone: an older dead fact cannot revive it)."""
        at = time.time() if checked_at is None else float(checked_at)
        args = (url, portal, at, at)
        await self._run(
            "clear_dead_link", lambda conn: conn.execute(q.CLEAR_DEAD_LINK_SQLITE, args)
        )

    async def dead_links(self, portal: str | None = None) -> list[dict]:
        """The listed links answering 404/410 (links that answer again are left out)."""
        sql = (
            f"SELECT * FROM dead_links WHERE {q.DEAD_LINKS_WHERE}"
            + (" AND portal = ?" if portal else "")
            + " ORDER BY url"
        )
        args = (portal,) if portal else ()
        return await self._run(
            "dead_links", lambda conn: [dict(r) for r in conn.execute(sql, args)]
        )

    async def put_coverage(self, row: dict) -> None:
        args = (row["portal"], row.get("declared"), row["reached"], row["unit"], row["checked_at"])
        await self._run("put_coverage", lambda conn: conn.execute(q.PUT_COVERAGE_SQLITE, args))

    async def coverage(self) -> dict[str, dict]:
        """portal → {declared, reached, unit, checked_at} of its last crawl."""
        sql = "SELECT * FROM portal_coverage ORDER BY portal"
        return await self._run(
            "coverage", lambda conn: {r["portal"]: dict(r) for r in conn.execute(sql)}
        )

    async def ping(self) -> None:
        await self._run("ping", lambda conn: conn.execute("SELECT 1").fetchone())

    async def close(self) -> None:
        def shut() -> None:
            with self._lock:
                self._closed = True
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None

        await asyncio.to_thread(shut)


# --- SQL helpers ---------------------------------------------------------------------------------


def _execute_each(conn: sqlite3.Connection, script: str) -> None:
    """The statements of `script` inside the caller's transaction (executescript would COMMIT it
    first). Our scripts have no `;` inside literals or comments."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _create_or_migrate(conn: sqlite3.Connection, path: str) -> None:
    """Create the schema, or bring a version-3 file to 5 (4 → 5 only adds the crawl-fact tables,
    IF NOT EXISTS like every statement of SCHEMA), in one write transaction: processes
    opening the same file at once queue on BEGIN IMMEDIATE and the later ones find it done."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        have = conn.execute("PRAGMA user_version").fetchone()[0]
        if 0 < have < 3:
            raise RuntimeError(
                f"{path} has search schema {have} from a pre-release build (now {SCHEMA_VERSION}):"
                " delete it and run `nianbao reprocess` to rebuild the index"
            )
        if have == 3:
            _execute_each(conn, MIGRATE_3_TO_4)
        if have < SCHEMA_VERSION:
            _execute_each(conn, SCHEMA)  # every statement is IF NOT EXISTS
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _where(filters: dict[str, Any]) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    for name, value in filters.items():
        if name == "rule":
            op, value = q.rule_pattern(value)
            parts.append(f"EXISTS (SELECT 1 FROM findings f WHERE f.rule {op} AND f.rid = r.id)")
            params.append(value)
        elif name == "severity":
            parts.append("EXISTS (SELECT 1 FROM findings f WHERE f.severity = ? AND f.rid = r.id)")
            params.append(value)
        elif name == "agency":
            op, value = q.agency_pattern(value)
            parts.append(f"(r.agency {op} OR r.agency_name {op})")
            params += [value, value]
        else:
            parts.append(f"r.{name} = ?")
            params.append(value)
    return "".join(" AND " + p for p in parts), params


def _export_where(query: str, filters: dict[str, Any]) -> tuple[str, list[Any]]:
    where, params = _where(q.check_filters(filters))
    match = fts5_match(query)
    if match:
        where += " AND r.id IN (SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?)"
        params.append(match)
    return where, params


def _upsert_many(conn: sqlite3.Connection, keys: dict, batch: list[q.Rows]) -> list[bool]:
    """All of `batch` in one transaction (one fsync): the bulk path of a re-index."""
    conn.execute("BEGIN IMMEDIATE")
    changed = [_write(conn, keys, rows) for rows in batch]
    conn.execute("COMMIT")
    for rows, c in zip(batch, changed, strict=True):
        if c:
            metrics.ROWS_WRITTEN.labels("reports").inc()
            metrics.ROWS_WRITTEN.labels("cells").inc(len(rows.cells))
            metrics.ROWS_WRITTEN.labels("findings").inc(len(rows.findings))
    return changed


def _write(conn: sqlite3.Connection, keys: dict, rows: q.Rows) -> bool:
    r = rows.report
    cur = conn.execute(
        "SELECT id, version, parser_version, validator_version, fetched_at FROM reports WHERE doc_id = ?",
        (r.doc_id,),
    ).fetchone()
    stored = dict(cur) if cur else None
    if q.is_noop(stored, rows) or q.is_stale_replay(stored, rows):
        return False
    values = (
        r.doc_id, r.version, r.portal, r.url, r.object_key, r.agency, r.agency_name, r.division_code,
        r.level, r.year, r.format, r.status, r.title, r.publish_date, r.fetched_at, r.indexed_at,
        r.parser_version, r.validator_version, r.source_modality, r.content_type, r.n_findings,
    )  # fmt: skip
    if stored:
        rid = stored["id"]
        conn.execute("DELETE FROM reports_fts WHERE rowid = ?", (rid,))
        # cells are keyed (key, rid): delete key by key (a few hundred seeks, only on a new version)
        conn.execute(
            "DELETE FROM cells WHERE key IN (SELECT id FROM cell_keys) AND rid = ?", (rid,)
        )
        conn.execute("DELETE FROM findings WHERE rid = ?", (rid,))
        conn.execute(
            f"UPDATE reports SET ({_REPORT_COLS}) = ({_QMARKS}) WHERE id = ?", (*values, rid)
        )
    else:
        rid = conn.execute(
            f"INSERT INTO reports ({_REPORT_COLS}) VALUES ({_QMARKS})", values
        ).lastrowid
    conn.execute(
        "INSERT OR REPLACE INTO report_docs VALUES (?, ?, ?)", (rid, r.body, r.report_json)
    )
    conn.execute("INSERT INTO reports_fts (rowid, segmented) VALUES (?, ?)", (rid, r.segmented))
    conn.executemany(
        "INSERT INTO cells VALUES (?, ?, ?, ?)",
        [(rid, _key_id(conn, keys, c.tbl, c.row, c.col), c.value, c.kind) for c in rows.cells],
    )
    conn.executemany(
        "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (rid, i, f.rule, f.severity, f.message, q.dumps(f.cells), q.dumps(f.tags))
            for i, f in enumerate(rows.findings)
        ],
    )
    conn.execute(
        "INSERT INTO versions VALUES (?, ?, ?, ?, ?) ON CONFLICT (doc_id, version)"
        " DO UPDATE SET last_indexed_at = excluded.last_indexed_at, status = excluded.status",
        (r.doc_id, r.version, r.indexed_at, r.indexed_at, r.status),
    )
    return True


def _key_id(conn: sqlite3.Connection, cache: dict, tbl: str, row: str, col: str) -> int:
    """cell_keys.id of (tbl, row, col), created on first use; there are only a few hundred."""
    key = (tbl, row, col)
    found = cache.get(key)
    if found is None:
        conn.execute("INSERT OR IGNORE INTO cell_keys (tbl, row, col) VALUES (?, ?, ?)", key)
        found = conn.execute(
            "SELECT id FROM cell_keys WHERE tbl = ? AND row = ? AND col = ?", key
        ).fetchone()[0]
        cache[key] = found
    return found


# previous_report: a UNION of two index lookups. With `agency = ? OR agency_name = ?` SQLite
# searched by year alone and read every report of that year, per validated report (O(reports)).
# Parameters: agency, year, agency, year, agency.
PREVIOUS_REPORT_SQL = (
    "SELECT d.report_json FROM ("
    "SELECT id, agency, fetched_at, doc_id FROM reports WHERE agency = ? AND year = ?"
    " UNION SELECT id, agency, fetched_at, doc_id FROM reports WHERE agency_name = ? AND year = ?"
    ") r JOIN report_docs d ON d.id = r.id"
    " ORDER BY (r.agency = ?) DESC, r.fetched_at DESC, r.doc_id LIMIT 1"
)


_REPORT_FIELDS = (
    "doc_id version portal url object_key agency agency_name division_code level year format status"
    " title publish_date fetched_at indexed_at parser_version validator_version source_modality"
    " content_type n_findings"
).split()
_REPORT_COLS = ", ".join(_REPORT_FIELDS)
_QMARKS = ", ".join("?" for _ in _REPORT_FIELDS)


def _get_report(conn: sqlite3.Connection, doc_id: str) -> dict | None:
    row = conn.execute("SELECT * FROM reports WHERE doc_id = ?", (doc_id,)).fetchone()
    if row is None:
        return None
    meta = {k: row[k] for k in q.META_FIELDS}
    findings = [
        q.finding_dict(
            f["rule"], f["severity"], f["message"], q.loads(f["cells"]), q.loads(f["tags"])
        )
        for f in conn.execute("SELECT * FROM findings WHERE rid = ? ORDER BY seq", (row["id"],))
    ]
    versions = [
        dict(v)
        for v in conn.execute(
            "SELECT version, first_indexed_at, last_indexed_at, status FROM versions"
            " WHERE doc_id = ? ORDER BY first_indexed_at, version",
            (doc_id,),
        )
    ]
    doc = conn.execute("SELECT report_json FROM report_docs WHERE id = ?", (row["id"],)).fetchone()
    # the cells as written (raw text, unit, note) are in the report itself
    cells = sorted(q.cell_rows(q.decode_report(doc[0])), key=lambda c: (c.tbl, c.row, c.col))
    return q.report_dict(meta, [c._asdict() for c in cells], findings, versions, doc[0])


def _hash32(text: str | None) -> int:
    return int.from_bytes(hashlib.blake2b((text or "").encode(), digest_size=4).digest(), "big")
