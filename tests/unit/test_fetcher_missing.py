"""services/fetcher/missing.py: who has not published for a year, and who was late."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import REGISTRY

from services.fetcher.missing import Sighting, audit, export_metric, sightings_from_state
from services.fetcher.registry import Portal, Registry
from services.fetcher.state import MemoryUrlState, UrlRecord

REGISTRY_ = Registry(
    [
        Portal(id="gov-ok", name="甲县人民政府", list_urls=["http://a/"], kind="government"),
        Portal(id="gov-late", name="乙县人民政府", list_urls=["http://b/"], kind="government"),
        Portal(id="dept-missing", name="丙县财政局", list_urls=["http://c/"], kind="department"),
        Portal(id="gov-none", name="丁县人民政府", list_urls=["http://d/"], kind="government"),
    ]
)
FOUND_AT = datetime(2026, 5, 1, tzinfo=UTC).timestamp()  # nianbao crawled them in May


def rows_at(now):
    sightings = [
        Sighting(
            "gov-ok", 2025, FOUND_AT, "http://a/t20260320_1.html", "甲县2025年年报", "2026-03-20"
        ),
        Sighting("gov-late", 2025, FOUND_AT, "http://b/x.html", "乙县2025年年报", "2026-04-02"),
        Sighting("gov-late", 2024, FOUND_AT, "http://b/y.html", "乙县2024年年报", "2025-03-02"),
    ]
    return {r.portal: r for r in audit(REGISTRY_, sightings, 2025, now)}


def test_found_before_the_deadline_is_on_time_even_when_nianbao_saw_it_later():
    row = rows_at(datetime(2026, 6, 1, tzinfo=UTC))["gov-ok"]
    assert (row.status, row.published, row.deadline, row.reports) == (
        "on_time",
        "2026-03-20",
        "2026-03-31",
        1,
    )


def test_found_after_the_deadline_is_late_and_other_years_do_not_count():
    rows = rows_at(datetime(2026, 6, 1, tzinfo=UTC))
    assert rows["gov-late"].status == "late" and rows["gov-late"].reports == 1


def test_nothing_found_is_missing_once_the_deadline_passed_and_not_due_before():
    rows = rows_at(datetime(2026, 2, 15, tzinfo=UTC))
    assert rows["dept-missing"].status == "missing"  # departments: 31 January
    assert rows["gov-none"].status == "not_due"  # governments: 31 March
    assert rows_at(datetime(2026, 4, 2, tzinfo=UTC))["gov-none"].status == "missing"


def test_without_a_cms_date_the_first_stored_time_decides():
    row = audit(
        REGISTRY_,
        [Sighting("gov-ok", 2025, FOUND_AT, "http://a/x", "t")],
        2025,
        datetime(2026, 6, 1, tzinfo=UTC),
    )[0]
    assert row.status == "late" and row.published == "2026-05-01"


def test_the_metric_counts_missing_and_late_agencies_per_year():
    export_metric(list(rows_at(datetime(2026, 6, 1, tzinfo=UTC)).values()), 2025)
    assert (
        REGISTRY.get_sample_value("nianbao_reports_missing", {"year": "2025", "late": "false"}) == 2
    )
    assert (
        REGISTRY.get_sample_value("nianbao_reports_missing", {"year": "2025", "late": "true"}) == 1
    )


async def test_sightings_from_state_count_stored_reports_but_not_companions_duplicates_or_failures():
    state = MemoryUrlState()
    base = dict(portal="gov-ok", report_year=2025, first_found=FOUND_AT)
    await state.put(
        "a", UrlRecord(url="http://a/1", status="emitted", published="2026-03-01", **base)
    )
    await state.put("b", UrlRecord(url="http://a/2", companion="解读", status="emitted", **base))
    await state.put("c", UrlRecord(url="http://a/3", status="duplicate", **base))
    await state.put(
        "d", UrlRecord(url="http://a/4", portal="gov-ok", report_year=2025, status="rejected")
    )
    await state.put(
        "e", UrlRecord(url="http://a/5", status="not_modified", **{**base, "report_year": 2024})
    )
    sightings = await sightings_from_state(state, 2025)
    assert [(s.url, s.published) for s in sightings] == [("http://a/1", "2026-03-01")]


def test_every_verdict_on_a_found_report_says_its_basis():
    rows = rows_at(datetime(2026, 6, 1, tzinfo=UTC))
    assert rows["gov-late"].basis == "stated_date"  # late by the date the page states
    first_seen = audit(
        REGISTRY_,
        [Sighting("gov-ok", 2025, FOUND_AT, "http://a/x", "t")],
        2025,
        datetime(2026, 6, 1, tzinfo=UTC),
    )[0]
    assert first_seen.basis == "first_seen"  # only seen after the deadline: not proof of lateness
    assert rows["gov-none"].basis is None  # nothing found, nothing to rest on
