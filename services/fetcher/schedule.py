"""When each portal is crawled: recrawl slots, denser around the legal deadlines, and the
scheduler loop that turns slots into `crawl.due.<portal>` work items.

Departments must publish by 31 January and governments by 31 March (条例 §50; report-format.md
§8 "Timing"), so from 1 January until two weeks after its deadline a portal is visited every
`dense_recrawl_hours` instead of every `recrawl_hours`. Slots are aligned to the interval plus
a stable per-portal offset (spreading thousands of portals over the interval instead of all at
midnight). A job's Msg-Id is `<portal>:<slot>`, so any number of scheduler replicas publishing
the same slot inside the stream's duplicate window produce one job; the last published slot
per portal is also kept in the `fetch_state` KV bucket (`slot.<portal>`) so a restarted
scheduler does not re-publish a slot it already did. The process that runs the loop:
scheduler_app.py.

Settings read: none (the registry and the JetStream context are passed in).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from datetime import UTC, datetime, timedelta, timezone

from services.fetcher.registry import Portal, Registry
from shared.events import CrawlDue, encode, subject_token

log = logging.getLogger("nianbao.scheduler")
CST = timezone(timedelta(hours=8))  # deadlines are Beijing dates
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
DENSE_TAIL = timedelta(days=14)  # late reports cluster just after the deadline
DEADLINE = {"department": (1, 31), "government": (3, 31)}
TICK_S = 30.0


def deadline(kind: str, report_year: int) -> datetime:
    """End of the legal deadline day (Beijing time) for the report on `report_year`."""
    month, day = DEADLINE.get(kind, DEADLINE["government"])
    return datetime(report_year + 1, month, day, 23, 59, 59, tzinfo=CST)


def is_dense(portal: Portal, at: datetime) -> bool:
    """Inside 1 Jan … deadline + two weeks of the current publishing season."""
    local = at.astimezone(CST)
    start = datetime(local.year, 1, 1, tzinfo=CST)
    return start <= local <= deadline(portal.kind, local.year - 1) + DENSE_TAIL


def interval(portal: Portal, at: datetime) -> timedelta:
    hours = portal.dense_recrawl_hours if is_dense(portal, at) else portal.recrawl_hours
    return timedelta(hours=hours)


def offset(portal: Portal, step: timedelta) -> timedelta:
    """Stable per-portal phase within one interval."""
    h = int.from_bytes(hashlib.sha256(portal.id.encode()).digest()[:8], "big")
    return timedelta(seconds=h % max(1, int(step.total_seconds())))


def slot_start(portal: Portal, at: datetime) -> datetime:
    """Start of the slot containing `at`."""
    step = interval(portal, at)
    base = EPOCH + offset(portal, step)
    n = (at - base) // step
    return base + n * step


def next_due(portal: Portal, after: datetime) -> datetime:
    return slot_start(portal, after) + interval(portal, after)


def slot_id(start: datetime) -> str:
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def due_jobs(registry: Registry, at: datetime, published: dict[str, str]) -> list[CrawlDue]:
    """Jobs for every enabled portal whose current slot has not been published yet."""
    jobs = []
    for portal in registry:
        if not portal.enabled:
            continue
        slot = slot_id(slot_start(portal, at))
        if published.get(portal.id) != slot:
            jobs.append(CrawlDue(portal=portal.id, slot=slot, reason="schedule"))
    return jobs


def crawl_msg_id(job: CrawlDue) -> str:
    return f"{job.portal}:{job.slot}"


def crawl_subject(portal_id: str) -> str:
    return f"crawl.due.{subject_token(portal_id)}"


class Scheduler:
    """Publishes crawl.due jobs for due slots; safe to run as several replicas."""

    def __init__(self, js, registry: Registry, *, kv=None, clock=None):
        self.js = js
        self.registry = registry
        self.kv = (
            kv  # the fetch_state KeyValue (optional): remembers published slots across restarts
        )
        self.clock = clock or (lambda: datetime.now(UTC))
        self.published: dict[str, str] = {}

    async def load(self) -> None:
        if self.kv is None:
            return
        for portal in self.registry:
            try:
                entry = await self.kv.get(f"slot.{portal.id}")
            except Exception:  # noqa: BLE001 - KeyNotFound, or the bucket unreachable: republish
                continue
            if entry.value:
                self.published[portal.id] = entry.value.decode()

    async def tick(self) -> list[CrawlDue]:
        """Publish what is due now; returns the jobs published (duplicates included)."""
        jobs = due_jobs(self.registry, self.clock(), self.published)
        for job in jobs:
            job = CrawlDue(
                portal=job.portal, slot=job.slot, reason=job.reason, emitted_at=time.time()
            )
            await self.js.publish(
                crawl_subject(job.portal), encode(job), headers={"Nats-Msg-Id": crawl_msg_id(job)}
            )
            self.published[job.portal] = job.slot
            if self.kv is not None:
                await self.kv.put(f"slot.{job.portal}", job.slot.encode())
        return jobs

    async def run(self, stop: asyncio.Event | None = None, tick_s: float = TICK_S) -> None:
        stop = stop or asyncio.Event()
        await self.load()
        while not stop.is_set():
            try:
                jobs = await self.tick()
                if jobs:
                    log.info("scheduled %d crawl job(s)", len(jobs))
            except Exception as exc:  # noqa: BLE001 - a broker blip must not end the loop
                log.warning("scheduler tick failed: %s", exc)
            try:
                await asyncio.wait_for(stop.wait(), tick_s)
            except TimeoutError:
                pass
