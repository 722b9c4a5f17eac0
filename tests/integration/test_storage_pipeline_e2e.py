"""The end-to-end run (`nianbao run` over the sample portal) once more on the production backends:
raw bytes in S3 (minio SDK → moto_server) and the index in PostgreSQL, migrated at start-up."""

from __future__ import annotations

import io
import uuid

import asyncpg
import pytest

from nianbao.launcher import RunOptions, run
from shared.config import load
from shared.storage.factory import open_object_store, open_search_store
from tests.integration.test_pipeline_e2e import _check_seeds

pytestmark = [pytest.mark.nats, pytest.mark.postgres, pytest.mark.s3, pytest.mark.slow]


@pytest.mark.timeout(300)
async def test_sample_portal_indexed_through_s3_and_postgres(
    tmp_path, seeds, s3_endpoint, postgres_url
):
    settings = load(
        env={"NIANBAO_S3_ACCESS_KEY": "e2e-key", "NIANBAO_S3_SECRET_KEY": "e2e-secret"},
        data_dir=str(tmp_path / "data"),
        object_store=f"s3://raw-{uuid.uuid4().hex[:8]}?endpoint={s3_endpoint}&secure=false",
        search=postgres_url,
        search_migrate=True,
        min_delay_s=0.0,
        nak_delays_s=[0.5, 1.0],
    )
    result = await run(settings, RunOptions(live=False, timeout_s=200), out=io.StringIO())
    assert result.idle
    assert result.indexed == len(seeds) == 5
    assert not (tmp_path / "data" / "objects").exists()  # nothing fell back to the file store
    assert not (tmp_path / "data" / "index.db").exists()

    store = await open_search_store(settings=settings)
    objects = await open_object_store(settings=settings)
    try:
        rows = await store.search("", limit=50)
        assert await store.count() == 5
        indexed = {r["title"]: await store.get_report(r["doc_id"]) for r in rows}
        await _check_seeds(seeds, indexed, objects)
        for report in indexed.values():
            head = await objects.head(report["object_key"])
            assert head.size > 0 and head.source_url == report["url"]
    finally:
        await store.close()
        await objects.close()

    conn = await asyncpg.connect(postgres_url)
    try:
        per_year = await conn.fetchval("SELECT sum(reports) FROM v_reports_per_year_region")
        assert per_year == 5
        assert await conn.fetchval("SELECT count(*) FROM v_publication_timeliness") == 5
    finally:
        await conn.close()
