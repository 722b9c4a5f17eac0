"""SQLite previous_report: the agency is matched by registry name or printed name, through two
index lookups (not a scan of the year), and the registry match wins."""

from __future__ import annotations

import sqlite3

from shared.events import DocFetched, DocRef, DocValidated
from shared.report import ParsedReport
from shared.storage.sqlite import PREVIOUS_REPORT_SQL, SqliteSearchStore


def event(
    doc: str, year: int, printed: str, registry: str | None, fetched_at: float = 1.0
) -> DocValidated:
    ref = DocRef(
        doc_id=doc,
        version="v1",
        portal="p",
        url=f"http://example.gov.cn/{doc}",
        object_key="raw/v1",
    )
    fetched = DocFetched(ref=ref, size=1, agency=registry, fetched_at=fetched_at)
    report = ParsedReport(format_version="2021", report_year=year, agency_name=printed, title=doc)
    return DocValidated(
        ref=ref, report=report, findings=[], status="valid", validator_version="v1", fetched=fetched
    )


async def test_the_registry_agency_wins_over_a_printed_name_match(tmp_path):
    store = SqliteSearchStore(str(tmp_path / "i.db"))
    await store.upsert(event("printed", 2020, printed="甲局", registry="乙局", fetched_at=9.0))
    await store.upsert(
        event("registry", 2020, printed="甲局（印）", registry="甲局", fetched_at=1.0)
    )
    assert (await store.previous_report("甲局", 2021)).title == "registry"
    await store.close()


async def test_a_printed_name_alone_is_found(tmp_path):
    store = SqliteSearchStore(str(tmp_path / "i.db"))
    await store.upsert(event("only", 2020, printed="丙局", registry=None))
    await store.upsert(event("next-year", 2021, printed="丙局", registry=None))
    assert (await store.previous_report("丙局", 2021)).title == "only"
    assert await store.previous_report("丙局", 2020) is None
    await store.close()


async def test_the_lookup_uses_the_agency_indexes_not_a_scan_of_the_year(tmp_path):
    store = SqliteSearchStore(str(tmp_path / "i.db"))
    await store.upsert(event("a", 2020, printed="丁局", registry=None))
    await store.close()
    conn = sqlite3.connect(str(tmp_path / "i.db"))
    plan = " | ".join(
        r[3]
        for r in conn.execute(
            "EXPLAIN QUERY PLAN " + PREVIOUS_REPORT_SQL, ("丁局", 2019, "丁局", 2019, "丁局")
        )
    )
    conn.close()
    assert "reports_agency_year" in plan and "reports_agency_name_year" in plan


async def test_group_by_agency_and_the_agency_facet_show_the_agency_that_wrote_the_report(tmp_path):
    store = SqliteSearchStore(str(tmp_path / "i.db"))
    await store.upsert(event("a", 2021, printed="某某县教育局", registry="某某县人民政府"))
    await store.upsert(event("b", 2021, printed="某某县财政局", registry="某某县人民政府"))
    await store.upsert(event("c", 2021, printed=None, registry="某某县人民政府"))
    sums = await store.sum_cells("applications", "new_received", "total", group_by="agency")
    assert set(sums) == {"某某县教育局", "某某县财政局", "某某县人民政府"}
    facets = await store.facets(None)
    assert facets["agency"] == {"某某县教育局": 1, "某某县财政局": 1, "某某县人民政府": 1}
    await store.close()
