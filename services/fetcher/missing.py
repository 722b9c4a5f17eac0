"""Who has not published: for each registered agency and report year, was its report found,
when, and was it late. This is what auditors ask for first.

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

STATUSES = ("on_time", "late", "missing", "not_due")


class Sighting(msgspec.Struct, frozen=True):
    """One report of a portal for a year, as found."""

    portal: str
    year: int
    found_at: float  # unix seconds: first stored by nianbao
    url: str = ""
    title: str = ""
    published: str | None = None  # YYYY-MM-DD, from the CMS when known


class AuditRow(msgspec.Struct, frozen=True):
    portal: str
    agency: str
    division_code: str
    level: str
    kind: str
    year: int
    deadline: str  # YYYY-MM-DD (Beijing)
    status: str  # on_time | late | missing | not_due
    reports: int = 0
    published: str | None = None  # earliest publication date seen
    found_at: str | None = None  # ISO time nianbao first stored it
    url: str | None = None  # of the earliest report
    title: str | None = None
    # what `published` rests on: "stated_date" (the CMS / page states it) or "first_seen" (only
    # when nianbao first stored it — found after the deadline is then not proof of lateness)
    basis: str | None = None


def published_at(s: Sighting) -> datetime:
    if s.published:
        y, m, d = (int(x) for x in s.published.split("-"))
        return datetime(y, m, d, 12, 0, tzinfo=CST)
    return datetime.fromtimestamp(s.found_at, UTC)


def audit(
    registry: Registry, sightings: list[Sighting], year: int, now: datetime
) -> list[AuditRow]:
    """One row per registered portal (agency) for `year`."""
    by_portal: dict[str, list[Sighting]] = {}
    for s in sightings:
        if s.year == year:
            by_portal.setdefault(s.portal, []).append(s)
    return [_row(p, sorted(by_portal.get(p.id, []), key=published_at), year, now) for p in registry]


def _row(p: Portal, found: list[Sighting], year: int, now: datetime) -> AuditRow:
    due = deadline(p.kind, year)
    base = dict(
        portal=p.id,
        agency=p.name,
        division_code=p.division_code,
        level=p.level,
        kind=p.kind,
        year=year,
        deadline=due.date().isoformat(),
    )
    if not found:
        return AuditRow(**base, status="missing" if now > due else "not_due")
    first = found[0]
    when = published_at(first)
    return AuditRow(
        **base,
        status="late" if when > due else "on_time",
        reports=len(found),
        published=first.published or when.astimezone(CST).date().isoformat(),
        found_at=datetime.fromtimestamp(first.found_at, UTC).isoformat(timespec="seconds"),
        url=first.url,
        title=first.title,
        basis="stated_date" if first.published else "first_seen",
    )


def export_metric(rows: list[AuditRow], year: int) -> None:
    """nianbao_reports_missing{year, late}: late="false" overdue and missing, "true" found late."""
    missing = sum(r.status == "missing" for r in rows)
    late = sum(r.status == "late" for r in rows)
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
                )
            )
    return out


def _date_only(value: str | None) -> str | None:
    """YYYY-MM-DD from '2024-03-01…' or '2024年3月1日'; None otherwise."""
    match = re.match(
        r"\s*((?:19|20)\d{2})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})", value or ""
    )
    if not match:
        return None
    y, m, d = (int(g) for g in match.groups())
    return f"{y:04d}-{m:02d}-{d:02d}" if 1 <= m <= 12 and 1 <= d <= 31 else None
