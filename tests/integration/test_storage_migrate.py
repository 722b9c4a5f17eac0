"""PostgreSQL schema migrations: ordered, recorded, applied once even by racing migrators."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from shared.storage.factory import open_search_store
from shared.storage.migrate import latest_version, migrations

pytestmark = pytest.mark.postgres


def test_migrations_are_numbered_without_gaps():
    assert [v for v, _, _ in migrations()] == list(range(1, latest_version() + 1))


async def test_racing_migrators_apply_each_migration_once(postgres_url):
    stores = [await open_search_store(postgres_url) for _ in range(3)]
    try:
        results = await asyncio.gather(*(s.migrate() for s in stores))
        assert sorted(v for r in results for v in r) == list(range(1, latest_version() + 1))
        conn = await asyncpg.connect(postgres_url)
        try:
            rows = await conn.fetch("SELECT version, name FROM schema_migrations ORDER BY version")
            assert [(r["version"], r["name"]) for r in rows] == [(v, n) for v, n, _ in migrations()]
            views = {
                r[0]
                for r in await conn.fetch(
                    "SELECT viewname FROM pg_views WHERE schemaname = 'public'"
                )
            }
            assert {"v_reports_per_year_region", "v_publication_timeliness", "v_timeliness_by_year",
                    "v_rule_failure_rates", "v_applications_by_level"} <= views  # fmt: skip
        finally:
            await conn.close()
    finally:
        for s in stores:
            await s.close()
