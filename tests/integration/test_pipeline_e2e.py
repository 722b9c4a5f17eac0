"""End to end, as `nianbao run` does it: nats-server started by the launcher, the sample portal
crawled, every seed report in the index with the cells and findings of parsing the seed itself;
a second run over the same data dir reprocesses nothing."""

from __future__ import annotations

import io

import pytest

from nianbao.launcher import RunOptions, outcomes, run
from services.parser import parse
from services.validator import validate
from shared.config import load
from shared.storage.factory import open_object_store, open_search_store

pytestmark = [pytest.mark.nats, pytest.mark.slow]


# A cell absent from the seed text ("missing") can only be drawn as an empty cell in HTML/DOCX/PDF,
# which reads back as "blank": both carry no value, so they compare equal here.
_EMPTY = {"missing": "empty", "blank": "empty"}


def _cells(tables: dict) -> dict[str, tuple]:
    out = {}
    for tbl, rows in (tables or {}).items():
        for row, cols in (rows or {}).items():
            for col, cell in cols.items():
                value = cell.get("value") if isinstance(cell, dict) else cell.value
                kind = cell.get("kind") if isinstance(cell, dict) else cell.kind
                out[f"{tbl}.{row}.{col}"] = (value, _EMPTY.get(kind, kind))
    return out


def _settings(tmp_path):
    return load(env={}, data_dir=str(tmp_path / "data"), min_delay_s=0.0, nak_delays_s=[0.5, 1.0])


def _ok(before, after, stage):
    return after[stage]["ok"] - before[stage]["ok"]


@pytest.mark.timeout(300)
async def test_sample_portal_crawled_to_index_with_every_seed_right_then_resumes(tmp_path, seeds):
    before = outcomes()
    out = io.StringIO()
    result = await run(_settings(tmp_path), RunOptions(live=False, timeout_s=200), out=out)
    first = outcomes()
    assert result.idle
    # the column states two pages (countPage = 2) and both were read
    assert result.coverage["sample"] == (2, 2, "pages")
    assert "list coverage: sample 2/2 pages\n" in out.getvalue(), out.getvalue()
    assert result.indexed == len(seeds) == 5
    # the two article pages that only link their report (DOCX, PDF) are recorded as not reports
    assert first["parser"]["rejected"] - before["parser"]["rejected"] == 2

    store = await open_search_store(settings=_settings(tmp_path))
    objects = await open_object_store(settings=_settings(tmp_path))
    try:
        rows = await store.search("", limit=50)
        indexed = {r["title"]: await store.get_report(r["doc_id"]) for r in rows}
        await _check_seeds(seeds, indexed, objects)
    finally:
        await store.close()
        await objects.close()

    # the same data dir again: the crawl finds nothing new, no document goes downstream; the
    # indexer's one message is the crawl's coverage fact (doc.fact), written into the index
    again = await run(_settings(tmp_path), RunOptions(live=False, timeout_s=200), out=io.StringIO())
    second = outcomes()
    assert again.idle and again.indexed == 5
    assert _ok(before, first, "indexer") >= 5
    assert [_ok(first, second, s) for s in ("fetcher", "parser", "validator", "indexer")] == [
        1,
        0,
        0,
        1,
    ]
    store = await open_search_store(settings=_settings(tmp_path))
    try:
        coverage = (await store.coverage())["sample"]
    finally:
        await store.close()
    assert (coverage["declared"], coverage["reached"], coverage["unit"]) == (2, 2, "pages")


async def _check_seeds(seeds, indexed, objects):
    for name, data in seeds.items():
        expected = parse(data, source_url=None, content_type="text/plain")
        got = indexed.get(expected.title)
        assert got is not None, f"{name}: {expected.title} not indexed (have {sorted(indexed)})"
        assert got["year"] == expected.report_year, name
        want_cells = _cells(
            {
                k: {
                    r: {c: {"value": v.value, "kind": v.kind} for c, v in cols.items()}
                    for r, cols in (t or {}).items()
                }
                for k, t in expected.tables.items()
            }
        )
        assert _cells(got["tables"]) == want_cells, name
        # findings: those of the document as served (a rendering may add e.g. blank-cell findings)
        served = parse(
            await objects.get(got["object_key"]), source_url=got["url"], content_type=None
        )
        assert sorted(f["rule"] for f in got["findings"]) == sorted(
            f.rule for f in validate(served)
        ), name
        if any(
            c.kind == "missing"
            for t in expected.tables.values()
            for r in (t or {}).values()
            for c in r.values()
        ):
            # seed 000's missing value is served as a short row: still missing (S-003), not a blank
            assert "S-003" in {f["rule"] for f in got["findings"]} and got["status"] == "invalid", (
                name
            )
