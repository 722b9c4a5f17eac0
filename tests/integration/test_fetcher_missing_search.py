"""services/fetcher/missing.py from the search store (shared/storage/sqlite.py's
SqliteSearchStore, for real): what was parsed and indexed per portal and report year decides who
is missing or late."""

from __future__ import annotations

from datetime import UTC, datetime

from services.fetcher.missing import audit, sightings_from_search
from services.fetcher.registry import Portal, Registry
from shared.events import DocFetched, DocRef, DocValidated
from shared.report import ParsedReport
from shared.storage.factory import open_search_store


def validated(portal: str, doc: str, year: int, publish_date: str | None) -> DocValidated:
    ref = DocRef(
        doc_id=doc * 64,
        version="v" * 64,
        portal=portal,
        url=f"http://{portal}.gov.cn/{doc}.html",
        object_key="raw/" + "v" * 64,
    )
    report = ParsedReport(
        report_year=year,
        agency_name="某单位",
        title=f"某单位{year}年政府信息公开工作年度报告",
        publish_date=publish_date,
    )
    fetched = DocFetched(ref=ref, size=1, fetched_at=datetime(2024, 5, 1, tzinfo=UTC).timestamp())
    return DocValidated(ref=ref, report=report, findings=[], status="valid", fetched=fetched)


async def audit_of(tmp_path, indexed: list[DocValidated], portals: str) -> dict:
    """The 2023 audit (as of 1 June 2024) of `portals` (one-letter ids) over an index holding
    `indexed`, keyed by portal."""
    store = await open_search_store(f"sqlite:///{tmp_path / 'index.db'}")
    try:
        for event in indexed:
            await store.upsert(event)
        registry = Registry(
            [
                Portal(id=p, name=f"{p}县人民政府", list_urls=[f"http://{p}.gov.cn/"])
                for p in portals
            ]
        )
        sightings = await sightings_from_search(store, registry, 2023)
    finally:
        await store.close()
    return {r.portal: r for r in audit(registry, sightings, 2023, datetime(2024, 6, 1, tzinfo=UTC))}


async def test_indexed_reports_decide_who_is_on_time_first_seen_late_or_not_found(tmp_path):
    rows = await audit_of(
        tmp_path,
        [
            validated("a", "1", 2023, "2024年3月1日"),
            validated("b", "2", 2023, None),  # no date in the report: nianbao's fetch time
            validated("c", "3", 2022, "2023-01-20"),  # another year
        ],
        "abc",
    )
    assert (rows["a"].status, rows["a"].published) == ("on_time", "2024-03-01")
    assert (rows["b"].status, rows["b"].published) == ("first_seen_late", "2024-05-01")
    assert rows["c"].status == "not_found"


async def test_a_found_report_is_shown_under_the_agency_it_names_beside_the_portal(tmp_path):
    rows = await audit_of(tmp_path, [validated("a", "1", 2023, "2024年3月1日")], "ab")
    assert (rows["a"].agency, rows["a"].agency_name) == ("a县人民政府", "某单位")
    assert (rows["b"].agency, rows["b"].agency_name) == ("b县人民政府", None)  # nothing read
