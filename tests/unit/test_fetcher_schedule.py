"""services/fetcher/schedule.py: recrawl slots, denser around the legal deadlines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.fetcher.registry import Portal, Registry
from services.fetcher.schedule import (
    crawl_msg_id,
    crawl_subject,
    deadline,
    due_jobs,
    interval,
    is_dense,
    next_due,
    slot_start,
)

GOV = Portal(
    id="gov",
    name="某县人民政府",
    list_urls=["http://a.gov.cn/"],
    kind="government",
    recrawl_hours=24,
    dense_recrawl_hours=4,
)
DEPT = Portal(
    id="dept",
    name="某县财政局",
    list_urls=["http://b.gov.cn/"],
    kind="department",
    recrawl_hours=24,
    dense_recrawl_hours=4,
)


def at(y, m, d, h=0):
    return datetime(y, m, d, h, tzinfo=UTC)


def test_deadlines_are_31_january_for_departments_and_31_march_for_governments_of_the_next_year():
    assert deadline("department", 2025).date().isoformat() == "2026-01-31"
    assert deadline("government", 2025).date().isoformat() == "2026-03-31"


def test_the_dense_season_runs_from_new_year_to_two_weeks_after_the_deadline():
    assert is_dense(GOV, at(2026, 1, 2)) and is_dense(GOV, at(2026, 4, 10))
    assert not is_dense(GOV, at(2026, 4, 20)) and not is_dense(GOV, at(2025, 12, 30))
    assert is_dense(DEPT, at(2026, 2, 10)) and not is_dense(DEPT, at(2026, 3, 1))
    assert interval(GOV, at(2026, 3, 1)) == timedelta(hours=4)
    assert interval(GOV, at(2026, 6, 1)) == timedelta(hours=24)


def test_slots_are_stable_inside_an_interval_and_advance_by_it():
    t = at(2026, 6, 1, 10)
    start = slot_start(GOV, t)
    assert start <= t < start + timedelta(hours=24)
    assert slot_start(GOV, start + timedelta(hours=23, minutes=59)) == start
    assert next_due(GOV, t) == start + timedelta(hours=24)


def test_portals_get_different_phases_so_they_are_not_all_due_at_once():
    phases = {
        slot_start(Portal(id=f"p{i}", name="x", list_urls=["http://a/"]), at(2026, 6, 1)).time()
        for i in range(20)
    }
    assert len(phases) > 15


def test_due_jobs_skip_slots_already_published_and_disabled_portals():
    registry = Registry(
        [GOV, DEPT, Portal(id="off", name="x", list_urls=["http://c/"], enabled=False)]
    )
    t = at(2026, 6, 1, 10)
    jobs = due_jobs(registry, t, {})
    assert [j.portal for j in jobs] == ["gov", "dept"]
    published = {j.portal: j.slot for j in jobs}
    assert due_jobs(registry, t + timedelta(minutes=5), published) == []
    assert [j.portal for j in due_jobs(registry, t + timedelta(hours=25), published)] == [
        "gov",
        "dept",
    ]


def test_msg_id_names_portal_and_slot_so_replicas_publish_one_job():
    job = due_jobs(Registry([GOV]), at(2026, 6, 1), {})[0]
    assert crawl_msg_id(job) == f"gov:{job.slot}"
    assert job.slot.endswith("Z") and crawl_subject("bj.dongcheng") == "crawl.due.bj_dongcheng"
