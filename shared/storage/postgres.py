"""The production search store: PostgreSQL through an asyncpg pool.

Same facts and the same query API as the SQLite store (rows come from queries.rows_of): full text
as `tsvector` = to_tsvector('simple', rjieba-segmented text) under a GIN index, cells in a typed
long table (`value numeric`, exact sums of 万元 amounts), findings, versions, the ParsedReport as
JSONB. The schema is versioned SQL under migrations/ (applied by migrate.py), run by
`nianbao migrate` or at open time when asked; an unmigrated database fails ping().

An upsert is one transaction under a per-doc advisory lock (two indexer replicas on the same doc
serialise); cells and findings go in with COPY. Connection failures, a server shutting down or
refusing connections become StoreUnavailable; the pool drops broken connections and reconnects
when the server is back.

URL: postgresql://user:pass@host:port/db[?pool_max=n] (other query parameters go to asyncpg).
Settings read (via factory.py): store_timeout_s, search_migrate.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

from shared import metrics
from shared.errors import StoreUnavailable
from shared.events import DocValidated
from shared.report import ParsedReport
from shared.storage import migrate
from shared.storage import queries as q
from shared.storage.segment import query_tokens

T = TypeVar("T")
_NUL = re.compile(r"(?<!\\)\\u0000")  # jsonb refuses NUL; the report keeps everything else

_UNAVAILABLE = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.TransactionRollbackError,  # deadlock / serialization: retrying is the cure
    asyncpg.exceptions.ReadOnlySQLTransactionError,  # connected to a standby during a failover
)


def _split_url(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query))
    pool_max = int(params.pop("pool_max", "10"))
    return urlunsplit(parts._replace(query=urlencode(params))), pool_max


def _ts(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


def _epoch(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


class PostgresSearchStore:
    def __init__(self, pool: asyncpg.Pool, *, timeout_s: float, label: str) -> None:
        self.pool = pool
        self._keys: dict[tuple[str, str, str], int] = {}  # cell_keys, only ids already committed
        self.timeout_s = timeout_s
        self._label = label

    def __repr__(self) -> str:  # the URL may hold a password: show host and db only
        return f"PostgresSearchStore({self._label})"

    @classmethod
    async def connect(
        cls, url: str, *, timeout_s: float = 5.0, migrate: bool = False
    ) -> PostgresSearchStore:
        dsn, pool_max = _split_url(url)
        parts = urlsplit(url)
        pool = asyncpg.create_pool(
            dsn,
            min_size=0,
            max_size=pool_max,
            timeout=timeout_s,
            command_timeout=max(timeout_s, 30.0),
        )
        try:
            await pool  # min_size=0: opens no connection, so a server that is down now is fine
        except _UNAVAILABLE as exc:
            raise StoreUnavailable(f"postgres: {exc}") from exc
        store = cls(pool, timeout_s=timeout_s, label=f"{parts.hostname}:{parts.port}{parts.path}")
        if migrate:
            await store.migrate()
        return store

    # --- plumbing ------------------------------------------------------------------------------
    async def _run(self, op: str, fn: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        started = time.perf_counter()
        try:
            async with self.pool.acquire(timeout=self.timeout_s) as conn:
                return await fn(conn)
        except _UNAVAILABLE as exc:
            raise StoreUnavailable(f"postgres {op}: {type(exc).__name__}: {exc}") from exc
        except asyncpg.InterfaceError as exc:
            if "closed" in str(exc) or "connection" in str(exc):  # pool connection broke mid-call
                raise StoreUnavailable(f"postgres {op}: {exc}") from exc
            raise
        finally:
            metrics.STORE_SECONDS.labels("postgres", op).observe(time.perf_counter() - started)

    # --- schema --------------------------------------------------------------------------------
    async def migrate(self) -> list[int]:
        """Apply pending migrations (each in its own transaction); return the versions applied."""
        return await self._run("migrate", migrate.apply)

    async def schema_version(self) -> int:
        return await self._run("schema_version", migrate.current)

    # --- writing -------------------------------------------------------------------------------
    async def _ensure_keys(self, conn: asyncpg.Connection, batch: list[q.Rows]) -> dict:
        """cell_keys ids for every cell of `batch`, creating new ones in their own (committed)
        statement so that the cache never holds an id of a rolled-back transaction."""
        missing = {(c.tbl, c.row, c.col) for rows in batch for c in rows.cells} - self._keys.keys()
        if missing:
            tbls, rws, cols = (list(x) for x in zip(*missing, strict=True))
            await conn.execute(
                "INSERT INTO cell_keys (tbl, row, col) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])"
                " ON CONFLICT DO NOTHING",
                tbls, rws, cols,
            )  # fmt: skip
            for r in await conn.fetch("SELECT id, tbl, row, col FROM cell_keys"):
                self._keys[(r["tbl"], r["row"], r["col"])] = r["id"]
        return self._keys

    async def upsert(self, event: DocValidated) -> bool:
        rows = q.rows_of(event)

        async def run(conn: asyncpg.Connection) -> bool:
            keys = await self._ensure_keys(conn, [rows])
            async with conn.transaction():
                return await _upsert(conn, keys, rows)

        changed = await self._run("upsert", run)
        if changed:
            metrics.ROWS_WRITTEN.labels("reports").inc()
            metrics.ROWS_WRITTEN.labels("cells").inc(len(rows.cells))
            metrics.ROWS_WRITTEN.labels("findings").inc(len(rows.findings))
        return changed

    async def upsert_many(self, events: list[DocValidated]) -> list[bool]:
        """Upsert a batch in one transaction, cells and findings of all changed reports in one COPY
        each; result i is what upsert(events[i]) would return."""
        batch = [q.rows_of(e) for e in events]

        async def run(conn: asyncpg.Connection) -> list[bool]:
            keys = await self._ensure_keys(conn, batch)
            async with conn.transaction():
                changed = [await _write_report(conn, rows) for rows in batch]
                await _copy_children(
                    conn, keys, [rows for rows, c in zip(batch, changed, strict=True) if c]
                )
                return changed

        changed = await self._run("upsert_many", run)
        for rows, c in zip(batch, changed, strict=True):
            if c:
                metrics.ROWS_WRITTEN.labels("reports").inc()
                metrics.ROWS_WRITTEN.labels("cells").inc(len(rows.cells))
                metrics.ROWS_WRITTEN.labels("findings").inc(len(rows.findings))
        return changed

    # --- reading -------------------------------------------------------------------------------
    async def search(
        self, query: str = "", *, limit: int = 20, offset: int = 0, **filters: Any
    ) -> list[dict]:
        args: list[Any] = []
        text = " ".join(query_tokens(query))
        where = _where(q.check_filters(filters), args)
        cols = "r.doc_id, r.version, r.title, r.agency, r.agency_name, r.year, r.status, r.format, r.url, r.n_findings, r.body"
        if text:
            args.append(text)
            tsq = f"plainto_tsquery('simple', ${len(args)})"
            sql = (
                f"SELECT {cols}, ts_rank(r.tsv, {tsq}) AS score FROM reports r"
                f" WHERE r.tsv @@ {tsq} {where} ORDER BY score DESC, r.doc_id"
            )
        else:
            sql = f"SELECT {cols}, NULL::float8 AS score FROM reports r WHERE true {where} ORDER BY r.year DESC NULLS LAST, r.agency, r.doc_id"
        args += [limit, offset]
        sql += f" LIMIT ${len(args) - 1} OFFSET ${len(args)}"

        async def run(conn: asyncpg.Connection) -> list[dict]:
            out = []
            for r in await conn.fetch(sql, *args):
                d = dict(r)
                d["snippet"] = q.snippet(d.pop("body"), query)
                if d["score"] is not None:
                    d["score"] = float(d["score"])
                out.append(d)
            return out

        return await self._run("search", run)

    def _matching(self, query: str, filters: dict[str, Any], args: list[Any]) -> str:
        where = _where(q.check_filters(filters), args)
        text = " ".join(query_tokens(query))
        if text:
            args.append(text)
            where += f" AND r.tsv @@ plainto_tsquery('simple', ${len(args)})"
        return f"SELECT r.doc_id, r.year, COALESCE(r.agency_name, r.agency) AS agency, r.status, r.format FROM reports r WHERE true {where}"

    async def facets(self, query: str = "", **filters: Any) -> dict[str, dict]:
        args: list[Any] = []
        matching = self._matching(query, filters, args)

        async def run(conn: asyncpg.Connection) -> dict[str, dict]:
            out: dict[str, dict] = {name: {} for name in ("year", "agency", "status", "format")}
            # one pass over the matches for the four plain facets
            sql = (
                f"WITH m AS ({matching}) SELECT year, agency, status, format,"
                " GROUPING(year) = 0 AS by_year, GROUPING(agency) = 0 AS by_agency,"
                " GROUPING(status) = 0 AS by_status, count(*) AS n FROM m"
                " GROUP BY GROUPING SETS ((year), (agency), (status), (format)) ORDER BY n DESC"
            )
            for r in await conn.fetch(sql, *args):
                name = (
                    "year"
                    if r["by_year"]
                    else "agency"
                    if r["by_agency"]
                    else "status"
                    if r["by_status"]
                    else "format"
                )
                out[name][r[name]] = r["n"]
            for name in out:  # same order as SQLite: count desc, then key
                out[name] = dict(
                    sorted(out[name].items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0]))
                )
            sql = (
                f"WITH m AS ({matching}) SELECT f.rule AS k, count(DISTINCT f.doc_id) AS n"
                " FROM findings f JOIN m ON m.doc_id = f.doc_id GROUP BY k ORDER BY n DESC, k"
            )
            out["rule"] = {r["k"]: r["n"] for r in await conn.fetch(sql, *args)}
            return {k: out[k] for k in q.FACETS}

        return await self._run("facets", run)

    async def sum_cells(
        self, table: str, row: str, col: str, *, group_by: str | None = "year", **filters: Any
    ) -> dict:
        group = q.check_group_by(group_by)
        args: list[Any] = list(q.sum_keys_args(table, row, col))
        where = _where(q.check_filters(filters), args)
        key = q.group_column(group) if group else "'all'"
        keys = q.sum_keys_sql(("$1", "$2", "$3", "$4"))
        sql = (
            f"SELECT {key} AS k, count(*) AS reports, count(c.value) AS numbers, sum(c.value) AS total"
            " FROM reports r LEFT JOIN cells c ON c.doc_id = r.doc_id"
            f" AND c.key IN ({keys})"
            f" WHERE true {where} GROUP BY k ORDER BY k"
        )

        async def run(conn: asyncpg.Connection) -> dict:
            return {
                r["k"]: q.sum_entry(r["total"], r["numbers"], r["reports"])
                for r in await conn.fetch(sql, *args)
            }

        return await self._run("sum_cells", run)

    def _export_where(self, query: str, filters: dict[str, Any], args: list[Any]) -> str:
        where = _where(q.check_filters(filters), args)
        text = " ".join(query_tokens(query))
        if text:
            args.append(text)
            where += f" AND r.tsv @@ plainto_tsquery('simple', ${len(args)})"
        return where

    async def content_fingerprint(self) -> str:
        async def run(conn: asyncpg.Connection) -> str:
            reports = await conn.fetchrow(
                "SELECT count(*), coalesce(sum(hashtext(concat_ws('|', doc_id, version, status,"
                " parser_version, validator_version, indexed_at, n_findings))::bigint), 0)"
                " FROM reports"
            )
            findings = await conn.fetchrow(
                "SELECT count(*), coalesce(sum(hashtext(concat_ws('|', doc_id, seq, rule,"
                " severity, message, cells, tags))::bigint), 0) FROM findings"
            )
            return q.fingerprint_of(tuple(reports), tuple(findings))

        return await self._run("content_fingerprint", run)

    async def export_count(self, query: str = "", **filters: Any) -> int:
        """How many reports `export_batches` with the same arguments yields."""
        args: list[Any] = []
        where = self._export_where(query, filters, args)

        async def run(conn: asyncpg.Connection) -> int:
            return int(
                await conn.fetchval(f"SELECT count(*) FROM reports r WHERE true {where}", *args)
            )

        return await self._run("export_count", run)

    async def export_batches(
        self, query: str = "", *, chunk: int = 500, body: bool = False, **filters: Any
    ) -> AsyncIterator[list[dict]]:
        """The matching reports in doc_id order, `chunk` at a time (keyset pagination on the
        primary key: each page is one index range scan, memory stays that of one chunk). Each:
        META_FIELDS, `report_json` and `findings` (dicts, in order); `body` when asked."""
        args: list[Any] = [""]
        where = self._export_where(query, filters, args)
        args.append(chunk)
        cols = ", ".join(f"r.{f}" for f in q.META_FIELDS) + ", r.report::text AS report_json"
        cols += ", r.body" if body else ""
        page = (
            f"SELECT {cols} FROM reports r WHERE r.doc_id > $1 {where}"
            f" ORDER BY r.doc_id LIMIT ${len(args)}"
        )  # doc_ids are hex digests: every collation orders them alike, the primary key serves
        while True:

            async def run(conn: asyncpg.Connection) -> list[dict]:
                rows = [dict(r) for r in await conn.fetch(page, *args)]
                by_id = {r["doc_id"]: r for r in rows}
                for r in rows:
                    r["fetched_at"] = _epoch(r["fetched_at"])
                    r["indexed_at"] = _epoch(r["indexed_at"])
                    r["findings"] = []
                if by_id:
                    for f in await conn.fetch(
                        "SELECT doc_id, rule, severity, message, cells, tags FROM findings"
                        " WHERE doc_id = ANY($1::text[]) ORDER BY doc_id, seq",
                        list(by_id),
                    ):
                        by_id[f["doc_id"]]["findings"].append(
                            q.finding_dict(
                                f["rule"],
                                f["severity"],
                                f["message"],
                                q.loads(f["cells"]),
                                q.loads(f["tags"]),
                            )
                        )
                return rows

            rows = await self._run("export", run)
            if not rows:
                return
            yield rows
            if len(rows) < chunk:
                return
            args[0] = rows[-1]["doc_id"]

    async def get_report(self, doc_id: str) -> dict | None:
        return await self._run("get_report", lambda conn: _get_report(conn, doc_id))

    async def previous_report(self, agency: str, year: int) -> ParsedReport | None:
        """The report of `agency` (registry or printed name) for `year - 1`, if indexed."""
        sql = (
            "SELECT report::text FROM reports WHERE year = $1 AND (agency = $2 OR agency_name = $2)"
            " ORDER BY (agency = $2) DESC, fetched_at DESC NULLS LAST, doc_id LIMIT 1"
        )
        data = await self._run("previous_report", lambda conn: conn.fetchval(sql, year - 1, agency))
        return q.decode_report(data) if data else None

    async def resolve(self, prefix: str, limit: int = 2) -> list[str]:
        """doc_ids starting with `prefix` (the CLI shows short ids)."""
        sql = "SELECT doc_id FROM reports WHERE doc_id >= $1 AND left(doc_id, $2) = $1 ORDER BY doc_id LIMIT $3"
        rows = await self._run("resolve", lambda conn: conn.fetch(sql, prefix, len(prefix), limit))
        return [r[0] for r in rows]

    async def count(self) -> int:
        return await self._run("count", lambda conn: conn.fetchval("SELECT count(*) FROM reports"))

    async def stale(self, parser_version: str, validator_version: str) -> list[str]:
        sql = "SELECT doc_id FROM reports WHERE parser_version <> $1 OR validator_version <> $2 ORDER BY doc_id"
        rows = await self._run(
            "stale", lambda conn: conn.fetch(sql, parser_version, validator_version)
        )
        return [r[0] for r in rows]

    async def load_reports(self, doc_ids: list[str]) -> dict[str, ParsedReport]:
        """doc_id → ParsedReport (source_url filled from the index when empty), one query."""
        sql = (
            "SELECT doc_id, url, report::text AS report FROM reports WHERE doc_id = ANY($1::text[])"
        )
        rows = await self._run("load_reports", lambda conn: conn.fetch(sql, list(doc_ids)))
        return {r[0]: q.with_source(q.decode_report(r[2]), r[1]) for r in rows}

    async def replace_duplicate_findings(self, year: int, findings: dict[str, list[Any]]) -> int:
        """Replace the X-* findings of `year`'s reports with `findings` in one transaction."""
        records = [
            (doc_id, *values)
            for doc_id, found in findings.items()
            for values in q.cross_finding_rows(found)
        ]
        columns = [list(col) for col in zip(*records, strict=True)] if records else [[]] * 7

        async def run(conn: asyncpg.Connection) -> int:
            async with conn.transaction():
                cleared = await conn.fetch(
                    "DELETE FROM findings f USING reports r WHERE r.doc_id = f.doc_id"
                    " AND f.rule >= $1 AND f.rule < $2 AND r.year = $3 RETURNING f.doc_id",
                    q.CROSS_RULE_LOW, q.CROSS_RULE_HIGH, year,
                )  # fmt: skip
                # only to reports still indexed with that year (re-indexed meanwhile: skipped)
                added = await conn.fetch(
                    "INSERT INTO findings (doc_id, seq, rule, severity, message, cells, tags)"
                    " SELECT x.doc_id, x.seq, x.rule, x.severity, x.message, x.cells::jsonb,"
                    " x.tags::jsonb FROM unnest($1::text[], $2::int[], $3::text[], $4::text[],"
                    " $5::text[], $6::text[], $7::text[])"
                    " AS x(doc_id, seq, rule, severity, message, cells, tags)"
                    " JOIN reports r ON r.doc_id = x.doc_id AND r.year = $8 RETURNING doc_id",
                    *columns, year,
                )  # fmt: skip
                touched = sorted({r[0] for r in cleared} | {r[0] for r in added})
                await conn.execute(
                    "UPDATE reports r SET n_findings = (SELECT count(*) FROM findings f"
                    " WHERE f.doc_id = r.doc_id) WHERE r.doc_id = ANY($1::text[])",
                    touched,
                )
                return len(added)

        written = await self._run("replace_duplicate_findings", run)
        metrics.ROWS_WRITTEN.labels("findings").inc(written)
        return written

    # --- crawl facts (dead links, list coverage): written by the fetcher, read by `missing` -----
    async def put_dead_link(self, link: dict) -> None:
        """Record a listed URL answering 404/410; `since` stays the first time it did."""
        args = (
            link["url"], link["portal"], int(link["status"]), link.get("title"),
            link.get("report_year"), link.get("companion"), float(link["since"]),
            float(link["last_checked"]),
        )  # fmt: skip
        await self._run("put_dead_link", lambda conn: conn.execute(q.PUT_DEAD_LINK_PG, *args))

    async def clear_dead_link(
        self, url: str, checked_at: float | None = None, portal: str = ""
    ) -> None:
        """The URL answered at `checked_at` (None: now): no longer dead, unless found dead after
        that check (its row stays as a tombstone: an older dead fact cannot revive it)."""
        at = time.time() if checked_at is None else float(checked_at)
        await self._run(
            "clear_dead_link",
            lambda conn: conn.execute(q.CLEAR_DEAD_LINK_PG, url, portal, at, at),
        )

    async def dead_links(self, portal: str | None = None) -> list[dict]:
        """The listed links answering 404/410 (links that answer again are left out)."""
        sql = (
            f"SELECT * FROM dead_links WHERE {q.DEAD_LINKS_WHERE}"
            + (" AND portal = $1" if portal else "")
            + " ORDER BY url"
        )
        rows = await self._run(
            "dead_links", lambda conn: conn.fetch(sql, *([portal] if portal else []))
        )
        return [dict(r) for r in rows]

    async def put_coverage(self, row: dict) -> None:
        args = (
            row["portal"], row.get("declared"), int(row["reached"]), row["unit"],
            float(row["checked_at"]),
        )  # fmt: skip
        await self._run("put_coverage", lambda conn: conn.execute(q.PUT_COVERAGE_PG, *args))

    async def coverage(self) -> dict[str, dict]:
        """portal → {declared, reached, unit, checked_at} of its last crawl."""
        sql = "SELECT * FROM portal_coverage ORDER BY portal"
        rows = await self._run("coverage", lambda conn: conn.fetch(sql))
        return {r["portal"]: dict(r) for r in rows}

    async def ping(self) -> None:
        have = await self.schema_version()
        need = migrate.latest_version()
        if have < need:
            raise StoreUnavailable(
                f"postgres schema is at migration {have}, code needs {need}: run `nianbao migrate`"
            )

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.pool.close(), timeout=self.timeout_s)
        except (TimeoutError, *_UNAVAILABLE):
            self.pool.terminate()


# --- SQL helpers ---------------------------------------------------------------------------------


def _where(filters: dict[str, Any], args: list[Any]) -> str:
    parts: list[str] = []
    for name, value in filters.items():
        if name == "rule":
            op, value = q.rule_pattern(value, param=f"${len(args) + 1}")
            args.append(value)
            parts.append(
                f"EXISTS (SELECT 1 FROM findings f WHERE f.rule {op} AND f.doc_id = r.doc_id)"
            )
        elif name == "severity":
            args.append(value)
            parts.append(
                f"EXISTS (SELECT 1 FROM findings f WHERE f.severity = ${len(args)} AND f.doc_id = r.doc_id)"
            )
        elif name == "agency":
            op, value = q.agency_pattern(value, param=f"${len(args) + 1}")
            args.append(value)
            parts.append(f"(r.agency {op} OR r.agency_name {op})")
        else:
            args.append(value)
            parts.append(f"r.{name} = ${len(args)}")
    return "".join(" AND " + p for p in parts)


_REPORT_FIELDS = (
    "doc_id version portal url object_key agency agency_name division_code level year format status"
    " title publish_date fetched_at indexed_at parser_version validator_version source_modality"
    " content_type n_findings body tsv report"
).split()
_INSERT = (
    f"INSERT INTO reports ({', '.join(_REPORT_FIELDS)}) VALUES ("
    + ", ".join(
        "to_tsvector('simple', $23)"
        if f == "tsv"
        else "$24::jsonb"
        if f == "report"
        else f"${i + 1}"
        for i, f in enumerate(_REPORT_FIELDS)
    )
    + ") ON CONFLICT (doc_id) DO UPDATE SET "
    + ", ".join(f"{f} = excluded.{f}" for f in _REPORT_FIELDS if f != "doc_id")
)


async def _upsert(conn: asyncpg.Connection, keys: dict, rows: q.Rows) -> bool:
    changed = await _write_report(conn, rows)
    if changed:
        await _copy_children(conn, keys, [rows])
    return changed


async def _write_report(conn: asyncpg.Connection, rows: q.Rows) -> bool:
    """The report row and its version; old cells and findings deleted. Caller holds a transaction."""
    r = rows.report
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", r.doc_id)
    stored = await conn.fetchrow(
        "SELECT version, parser_version, validator_version, extract(epoch FROM fetched_at)::float8 AS fetched_at"
        " FROM reports WHERE doc_id = $1",
        r.doc_id,
    )
    stored = dict(stored) if stored else None
    if q.is_noop(stored, rows) or q.is_stale_replay(stored, rows):
        return False
    if stored:
        await conn.execute("DELETE FROM cells WHERE doc_id = $1", r.doc_id)
        await conn.execute("DELETE FROM findings WHERE doc_id = $1", r.doc_id)
    await conn.execute(
        _INSERT,
        r.doc_id, r.version, r.portal, r.url, r.object_key, r.agency, r.agency_name, r.division_code,
        r.level, r.year, r.format, r.status, r.title, r.publish_date, _ts(r.fetched_at),
        _ts(r.indexed_at), r.parser_version, r.validator_version, r.source_modality, r.content_type,
        r.n_findings, r.body, r.segmented, _NUL.sub("", r.report_json.decode()),
    )  # fmt: skip
    await conn.execute(
        "INSERT INTO versions VALUES ($1, $2, $3, $3, $4) ON CONFLICT (doc_id, version)"
        " DO UPDATE SET last_indexed_at = excluded.last_indexed_at, status = excluded.status",
        r.doc_id, r.version, _ts(r.indexed_at), r.status,
    )  # fmt: skip
    return True


async def _copy_children(conn: asyncpg.Connection, keys: dict, batch: list[q.Rows]) -> None:
    # a doc twice in one batch: its last written version is the one whose children stay
    batch = list({rows.report.doc_id: rows for rows in batch}.values())
    cells = [
        (rows.report.doc_id, keys[(c.tbl, c.row, c.col)], None if c.value is None else Decimal(repr(c.value)),
         c.kind, c.raw, c.unit, c.note)
        for rows in batch for c in rows.cells
    ]  # fmt: skip
    findings = [
        (rows.report.doc_id, i, f.rule, f.severity, f.message, q.dumps(f.cells), q.dumps(f.tags))
        for rows in batch for i, f in enumerate(rows.findings)
    ]  # fmt: skip
    if cells:
        await conn.copy_records_to_table("cells", records=cells)
    if findings:
        await conn.copy_records_to_table("findings", records=findings)


async def _get_report(conn: asyncpg.Connection, doc_id: str) -> dict | None:
    row = await conn.fetchrow(
        "SELECT *, report::text AS report_text FROM reports WHERE doc_id = $1", doc_id
    )
    if row is None:
        return None
    meta = {k: row[k] for k in q.META_FIELDS}
    meta["fetched_at"] = _epoch(meta["fetched_at"])
    meta["indexed_at"] = _epoch(meta["indexed_at"])
    cells = [
        {**dict(c), "value": None if c["value"] is None else float(c["value"])}
        for c in await conn.fetch(
            "SELECT k.tbl, k.row, k.col, c.value, c.kind, c.raw, c.unit, c.note FROM cells c"
            " JOIN cell_keys k ON k.id = c.key WHERE c.doc_id = $1"
            ' ORDER BY k.tbl COLLATE "C", k.row COLLATE "C", k.col COLLATE "C"',
            doc_id,
        )
    ]
    findings = [
        q.finding_dict(
            f["rule"], f["severity"], f["message"], q.loads(f["cells"]), q.loads(f["tags"])
        )
        for f in await conn.fetch("SELECT * FROM findings WHERE doc_id = $1 ORDER BY seq", doc_id)
    ]
    versions = [
        {"version": v["version"], "first_indexed_at": _epoch(v["first_indexed_at"]),
         "last_indexed_at": _epoch(v["last_indexed_at"]), "status": v["status"]}
        for v in await conn.fetch(
            "SELECT * FROM versions WHERE doc_id = $1 ORDER BY first_indexed_at, version", doc_id
        )
    ]  # fmt: skip
    return q.report_dict(meta, cells, findings, versions, row["report_text"])
