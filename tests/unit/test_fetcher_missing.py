"""services/fetcher/missing.py: who has not published for a year, and who was late."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import REGISTRY

from services.fetcher.missing import (
    DeadLink,
    PortalCoverage,
    Sighting,
    audit,
    dead_from_state,
    export_metric,
    sightings_from_state,
)
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


def test_nothing_found_is_not_found_once_the_deadline_passed_and_not_due_before():
    rows = rows_at(datetime(2026, 2, 15, tzinfo=UTC))
    assert rows["dept-missing"].status == "not_found"  # departments: 31 January
    assert rows["gov-none"].status == "not_due"  # governments: 31 March
    assert rows_at(datetime(2026, 4, 2, tzinfo=UTC))["gov-none"].status == "not_found"


def test_without_a_cms_date_first_seen_after_the_deadline_is_first_seen_late_not_late():
    row = audit(
        REGISTRY_,
        [Sighting("gov-ok", 2025, FOUND_AT, "http://a/x", "t")],
        2025,
        datetime(2026, 6, 1, tzinfo=UTC),
    )[0]
    assert (row.status, row.published, row.basis) == ("first_seen_late", "2026-05-01", "first_seen")


def test_a_listed_report_answering_404_is_unreachable_with_its_url_and_since_when():
    since = datetime(2026, 4, 10, 8, tzinfo=UTC).timestamp()
    dead = [
        DeadLink("gov-none", "http://d/t20260320_9.html", 404, since, 2025, "丁县2025年年报"),
        DeadLink("gov-none", "http://d/jd.html", 404, since, 2025, "解读", "解读"),  # a companion
        DeadLink("dept-missing", "http://c/old.html", 410, since, 2024, "丙县2024年年报"),
    ]
    cov = {"dept-missing": PortalCoverage(20, 10, "documents")}
    rows = {
        r.portal: r
        for r in audit(
            REGISTRY_, [], 2025, datetime(2026, 6, 1, tzinfo=UTC), dead=dead, coverage=cov
        )
    }
    gone = rows["gov-none"]
    assert (gone.status, gone.url, gone.http_status, gone.since) == (
        "unreachable",
        "http://d/t20260320_9.html",
        404,
        "2026-04-10T08:00:00+00:00",
    )
    # another year's dead link does not count; the incomplete column is shown beside not_found
    row = rows["dept-missing"]
    assert (row.status, row.declared, row.reached, row.unit) == ("not_found", 20, 10, "documents")


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


async def test_dead_links_from_the_state_are_listed_reports_answering_404_or_410_since_first_seen():
    state = MemoryUrlState()
    await state.put(
        "1" * 64,
        UrlRecord(url="http://d/a.html", portal="gov-none", report_year=2025, status="gone",
                  reason="not_found", gone_since=FOUND_AT, gone_status=410),
    )  # fmt: skip
    await state.put(
        "2" * 64,
        UrlRecord(
            url="http://d/a.pdf",
            portal="gov-none",
            report_year=2025,
            status="gone",
            gone_since=FOUND_AT,
            parent_url="http://d/a.html",
        ),
    )  # fmt: skip  (an attachment: its page is what the column lists)
    await state.put("3" * 64, UrlRecord(url="http://d/b.html", portal="gov-none", status="emitted"))
    assert await dead_from_state(state) == [
        DeadLink("gov-none", "http://d/a.html", 410, FOUND_AT, 2025, None, None)
    ]
