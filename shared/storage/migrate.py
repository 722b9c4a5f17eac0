"""Versioned schema migrations of the PostgreSQL search store.

Migrations are the files `shared/storage/migrations/NNN_name.sql`, applied in order of NNN, each
in its own transaction, and recorded in `schema_migrations (version, name, applied_at)`. A session
advisory lock keeps two migrators (two replicas starting at once) from applying the same file
twice. Files are never edited once released: a change is a new file.

Settings read: none.
"""

from __future__ import annotations

from importlib import resources

import asyncpg

MIGRATION_LOCK = 0x6E69616E62616F  # "nianbao": one migrator at a time


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration file, in order."""
    out = []
    for f in resources.files("shared.storage.migrations").iterdir():
        if f.name.endswith(".sql"):
            num, _, rest = f.name.partition("_")
            out.append((int(num), rest.removesuffix(".sql"), f.read_text(encoding="utf-8")))
    return sorted(out)


def latest_version() -> int:
    return migrations()[-1][0]


async def current(conn: asyncpg.Connection) -> int:
    """The highest migration applied; 0 for an empty database."""
    if await conn.fetchval("SELECT to_regclass('schema_migrations')") is None:
        return 0
    return await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations")


async def apply(conn: asyncpg.Connection) -> list[int]:
    """Apply the pending migrations; return the versions applied (empty when up to date)."""
    applied: list[int] = []
    # lock first: even CREATE TABLE IF NOT EXISTS races with itself in PostgreSQL
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY,"
            " name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r[0] for r in await conn.fetch("SELECT version FROM schema_migrations")}
        for version, name, sql in migrations():
            if version in done:
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", version, name
                )
            applied.append(version)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
    return applied
