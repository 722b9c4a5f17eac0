"""The web view: Datasette over a SQLite snapshot of the index (nianbao/export, format sqlite),
with the views, metadata and plugin of this package.

`build_snapshot` exports the search store (SQLite or PostgreSQL) into a fresh file and adds the
views; `create` returns the Datasette serving it read-only (immutable: no write can reach it, and
Datasette may cache counts).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from nianbao.web.metadata import DB, VIEWS, metadata

META_TABLE = "nianbao_snapshot"  # key → value: what the snapshot was built from


async def build_snapshot(store: Any, path: Path, fingerprint: str | None = None, **kw: Any) -> int:
    """Export every report of `store` into `path` (replaced atomically) with the views added and
    the index's `fingerprint` (store.content_fingerprint(), taken before the export began:
    a change made during the export makes the next comparison differ, never the reverse)."""
    from nianbao.export.run import export

    tmp = path.with_name(path.stem + ".new.db")
    summary = await export(store, "sqlite", tmp, **kw)
    add_views(tmp)
    if fingerprint is not None:
        conn = sqlite3.connect(tmp)
        try:
            conn.execute(f"CREATE TABLE {META_TABLE} (key TEXT PRIMARY KEY, value TEXT)")
            conn.executemany(
                f"INSERT INTO {META_TABLE} VALUES (?, ?)",
                [("fingerprint", fingerprint), ("reports", str(summary.reports))],
            )
            conn.commit()
        finally:
            conn.close()
    tmp.replace(path)
    return summary.reports


def snapshot_fingerprint(path: Path) -> str | None:
    """The index fingerprint `path` was built from; None for no file, an older snapshot or one
    from `nianbao export --format sqlite`."""
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute(
                f"SELECT value FROM {META_TABLE} WHERE key = 'fingerprint'"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def add_views(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        for name, sql in VIEWS.items():
            conn.execute(f"DROP VIEW IF EXISTS {name}")
            conn.execute(f"CREATE VIEW {name} AS {sql}")
        conn.commit()
    finally:
        conn.close()


def create(db: Path, *, objects_url: str | None = None, settings: Any = None) -> Any:
    from datasette.app import Datasette

    from nianbao.web import plugin

    plugin.OBJECTS.update(url=objects_url, settings=settings)
    from datasette.database import Database

    if not _has_views(db):
        add_views(db)
    ds = Datasette(
        metadata=metadata(),
        settings={
            "default_page_size": 50,
            "sql_time_limit_ms": 5000,
            "max_returned_rows": 2000,
            "allow_download": False,
        },  # fmt: skip
    )
    # immutable: opened read-only, whatever the file is called its URLs say /web/…
    ds.add_database(Database(ds, path=str(db), is_mutable=False), name=DB)
    from datasette.plugins import pm

    if pm.get_plugin("nianbao-web") is None:
        pm.register(plugin, name="nianbao-web")
    return ds


def _has_views(db: Path) -> bool:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return (
            conn.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'v_rule_failure_rates'"
            ).fetchone()
            is not None
        )
    finally:
        conn.close()
