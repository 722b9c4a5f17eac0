"""Who has not published: for each registered agency and report year, was its report found,
when, and was it late. This is what auditors ask for first.

Six outcomes, each resting on what was seen (never on a guess):
- `on_time`          found, published (stated, else first seen) by the deadline;
- `late`             found, and the date the CMS/page states is after the deadline;
- `first_seen_late`  found, no stated date, first seen by nianbao after the deadline (nianbao may
                     simply have come late: not proof of lateness);
- `unreachable`      not found, but the column lists it and the link answers 404/410 (`url`,
                     `since` when it was first dead: crawl facts in the index);
- `not_found`        nothing listed for the year and the deadline has passed (when the column
                     states more documents than were reached, `coverage` says so: the report may
                     be among those the crawl could not list);
- `not_due`          nothing yet, the deadline is ahead.

A report for year Y is due by 31 January Y+1 (departments) or 31 March Y+1 (governments). The
publication date is the one the CMS encodes in the article URL when there is one (TRS
`tYYYYMMDD_`), else the time nianbao first stored it — so a portal first crawled after the
deadline is not blamed for nianbao's own lateness when its URLs carry dates.

Sources: the fetcher's URL state (`fetch_state` KV: what was found on each portal, by the
year in the link title) or the search store (what was parsed and indexed, by portal and year).

Reads no settings.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import msgspec

from services.fetcher.registry import Portal, Registry
from services.fetcher.schedule import CST, deadline
from shared import metrics

STATUSES = ("on_time", "late", "first_seen_late", "unreachable", "not_found", "not_due")


class DeadLink(msgspec.Struct, frozen=True):
    """A listed report link answering 404/410 (the index's dead_links)."""

    portal: str
    url: str
    status: int
    since: float  # unix seconds: first answered so
    report_year: int | None = None
    title: str | None = None
    companion: str | None = None


class PortalCoverage(msgspec.Struct, frozen=True):
    """The last crawl's list coverage of a portal (the index's portal_coverage)."""

    declared: int | None
    reached: int
    unit: str = "documents"


class Sighting(msgspec.Struct, frozen=True):
    """One report of a portal for a year, as found."""

    portal: str
    year: int
    found_at: float  # unix seconds: first stored by nianbao
    url: str = ""
    title: str = ""
    published: str | None = None  # YYYY-MM-DD, from the CMS when known
    # the agency the report itself names (its 发布机构 / title), when it was parsed; the registry
    # only knows the portal, and a portal may publish for another agency than its own name
    agency_name: str | None = None


class AuditRow(msgspec.Struct, frozen=True):
    portal: str
    agency: str  # the registry's name of the portal (kept under this key: read by scripts)
    division_code: str
    level: str
    kind: str
    year: int
    deadline: str  # YYYY-MM-DD (Beijing)
    status: str  # one of STATUSES
    reports: int = 0
    published: str | None = None  # earliest publication date seen
    found_at: str | None = None  # ISO time nianbao first stored it
    url: str | None = None  # of the earliest report
    title: str | None = None
    # what `published` rests on: "stated_date" (the CMS / page states it) or "first_seen" (only
    # when nianbao first stored it — found after the deadline is then not proof of lateness)
    basis: str | None = None
    since: str | None = None  # unreachable: ISO time the listed link was first seen dead
    http_status: int | None = None  # unreachable: 404 or 410
    declared: int | None = None  # the column's stated size at the last crawl (None: not stated)
    reached: int | None = None  # what that crawl reached (in `unit`)
    unit: str | None = None  # documents | pages
    # the agency the found report names itself (parsed from the document; None when nothing was
    # found or the document was not read: the fetch state knows links, not contents)
    agency_name: str | None = None


def published_at(s: Sighting) -> datetime:
    if s.published:
        y, m, d = (int(x) for x in s.published.split("-"))
        return datetime(y, m, d, 12, 0, tzinfo=CST)
    return datetime.fromtimestamp(s.found_at, UTC)


def audit(
    registry: Registry,
    sightings: list[Sighting],
    year: int,
    now: datetime,
    *,
    dead: list[DeadLink] = (),  # type: ignore[assignment]
    coverage: dict[str, PortalCoverage] | None = None,
) -> list[AuditRow]:
    """One row per registered portal (agency) for `year`."""
    by_portal: dict[str, list[Sighting]] = {}
    for s in sightings:
        if s.year == year:
            by_portal.setdefault(s.portal, []).append(s)
    dead_by_portal: dict[str, list[DeadLink]] = {}
    for d in sorted(dead, key=lambda d: d.since):
        if d.report_year == year and not d.companion:
            dead_by_portal.setdefault(d.portal, []).append(d)
    coverage = coverage or {}
    return [
        _row(
            p,
            sorted(by_portal.get(p.id, []), key=published_at),
            year,
            now,
            dead_by_portal.get(p.id, []),
            coverage.get(p.id),
        )
        for p in registry
    ]


def _row(
    p: Portal,
    found: list[Sighting],
    year: int,
    now: datetime,
    dead: list[DeadLink],
    cov: PortalCoverage | None,
) -> AuditRow:
    due = deadline(p.kind, year)
    base: dict = dict(
        portal=p.id,
        agency=p.name,
        division_code=p.division_code,
        level=p.level,
        kind=p.kind,
        year=year,
        deadline=due.date().isoformat(),
    )
    if cov is not None:
        base.update(declared=cov.declared, reached=cov.reached, unit=cov.unit)
    if not found:
        if dead:
            gone = dead[0]
            return AuditRow(
                **base,
                status="unreachable",
                url=gone.url,
                title=gone.title,
                since=datetime.fromtimestamp(gone.since, UTC).isoformat(timespec="seconds"),
                http_status=gone.status,
            )
        return AuditRow(**base, status="not_found" if now > due else "not_due")
    first = found[0]
    when = published_at(first)
    if when <= due:
        status = "on_time"
    else:
        status = "late" if first.published else "first_seen_late"
    return AuditRow(
        **base,
        status=status,
        reports=len(found),
        published=first.published or when.astimezone(CST).date().isoformat(),
        found_at=datetime.fromtimestamp(first.found_at, UTC).isoformat(timespec="seconds"),
        url=first.url,
        title=first.title,
        basis="stated_date" if first.published else "first_seen",
        agency_name=first.agency_name,
    )


def export_metric(rows: list[AuditRow], year: int) -> None:
    """nianbao_reports_missing{year, late}: late="false" overdue with no readable report
    (not_found, unreachable), "true" found late (late, first_seen_late)."""
    missing = sum(r.status in ("not_found", "unreachable") for r in rows)
    late = sum(r.status in ("late", "first_seen_late") for r in rows)
    metrics.REPORTS_MISSING.labels(str(year), "false").set(missing)
    metrics.REPORTS_MISSING.labels(str(year), "true").set(late)


async def sightings_from_state(state, year: int | None = None) -> list[Sighting]:
    """Reports found by the fetcher (a stored version of a URL whose title names a year).

    Companions (解读, 图片版) are not the report itself and do not count."""
    out = []
    async for _key, rec in state.records():
        if not rec.found or rec.report_year is None or rec.companion or rec.status == "duplicate":
            continue
        if year is not None and rec.report_year != year:
            continue
        out.append(
            Sighting(
                rec.portal,
                rec.report_year,
                rec.first_found,
                rec.url,
                rec.title or "",
                rec.published,
            )
        )
    return out


async def sightings_from_search(
    store, registry: Registry, year: int, limit: int = 1000
) -> list[Sighting]:
    """Reports parsed and indexed for each portal in `year` (the report year the parser read)."""
    out = []
    for portal in registry:
        for hit in await store.search("", portal=portal.id, year=year, limit=limit):
            meta = await store.get_report(hit["doc_id"]) or {}
            meta = meta.get("meta", meta)
            fetched = meta.get("fetched_at") or meta.get("indexed_at") or 0.0
            published = meta.get("publish_date")
            out.append(
                Sighting(
                    portal.id,
                    year,
                    float(fetched),
                    hit.get("url") or "",
                    hit.get("title") or "",
                    _date_only(published),
                    hit.get("agency_name") or None,
                )
            )
    return out


async def dead_from_state(state) -> list[DeadLink]:
    """Listed report links the fetch state records as answering 404/410 (attachments aside)."""
    out = []
    async for _key, rec in state.records():
        if rec.status == "gone" and rec.gone_since and not rec.parent_url:
            out.append(
                DeadLink(
                    portal=rec.portal,
                    url=rec.url,
                    status=rec.gone_status or 404,
                    since=rec.gone_since,
                    report_year=rec.report_year,
                    title=rec.title,
                    companion=rec.companion,
                )
            )
    return out


async def crawl_facts(store) -> tuple[list[DeadLink], dict[str, PortalCoverage]]:
    """Dead links and list coverage the fetcher keeps in the index (search store)."""
    dead = [
        DeadLink(
            portal=r["portal"],
            url=r["url"],
            status=int(r["status"]),
            since=float(r["since"]),
            report_year=r.get("report_year"),
            title=r.get("title"),
            companion=r.get("companion"),
        )
        for r in await store.dead_links()
    ]
    coverage = {
        portal: PortalCoverage(r.get("declared"), int(r["reached"]), r.get("unit") or "documents")
        for portal, r in (await store.coverage()).items()
    }
    return dead, coverage


def _date_only(value: str | None) -> str | None:
    """YYYY-MM-DD from '2024-03-01…' or '2024年3月1日'; None otherwise."""
    match = re.match(
        r"\s*((?:19|20)\d{2})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})", value or ""
    )
    if not match:
        return None
    y, m, d = (int(g) for g in match.groups())
    return f"{y:04d}-{m:02d}-{d:02d}" if 1 <= m <= 12 and 1 <= d <= 31 else None
