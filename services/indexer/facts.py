"""Crawl facts into the index: the fetcher's doc.fact.<portal> events (shared.events.CrawlFact)
written into whichever search store the indexer has, SQLite or PostgreSQL, where
`nianbao missing` reads them after the broker is gone.

Idempotent and order-safe: the same fact twice is one row (dead links are keyed by URL, coverage
by portal), a dead link keeps the first time it was seen dead (`since`), and a fact never undoes
a newer one (`checked_at`): a `link_alive` clears the dead status only when it was checked after
the last `link_dead` (the row stays, marked alive, so a `link_dead` from before that arrives
later — a backlog handled concurrently, a replay — cannot revive it), and a `coverage` replaces
only an older one. So a redelivered, reordered or replayed fact is harmless.
Settings read: none.
"""

from __future__ import annotations

from shared.errors import PermanentError
from shared.events import CrawlFact

KINDS = ("link_dead", "link_alive", "coverage")


class BadFact(PermanentError):
    """A crawl fact that lacks what its kind needs: rejected (DLQ), not retried."""

    reason = "bad_fact"


async def apply_fact(store, fact: CrawlFact) -> None:
    """Write one crawl fact into `store` (a search store: put_dead_link / clear_dead_link /
    put_coverage). Raises BadFact for an unknown kind or a missing field."""
    check(fact)
    if fact.kind == "link_dead":
        await store.put_dead_link(
            {
                "url": fact.url,
                "portal": fact.portal,
                "status": fact.status,
                "title": fact.title,
                "report_year": fact.report_year,
                "companion": fact.companion,
                "since": fact.since or fact.checked_at,
                "last_checked": fact.checked_at,
            }
        )
    elif fact.kind == "link_alive":
        await store.clear_dead_link(fact.url, fact.checked_at, fact.portal)
    else:
        await store.put_coverage(
            {
                "portal": fact.portal,
                "declared": fact.declared,
                "reached": fact.reached,
                "unit": fact.unit,
                "checked_at": fact.checked_at,
            }
        )


def check(fact: CrawlFact) -> None:
    """What each kind needs, so a malformed fact is rejected before any write."""
    if fact.kind not in KINDS:
        raise BadFact(f"unknown crawl fact kind {fact.kind!r} (known: {', '.join(KINDS)})")
    if not fact.portal or fact.checked_at <= 0:
        raise BadFact(f"{fact.kind} fact without portal or checked_at")
    if fact.kind in ("link_dead", "link_alive") and not fact.url:
        raise BadFact(f"{fact.kind} fact without url")
    if fact.kind == "link_dead" and fact.status not in (404, 410):
        raise BadFact(f"link_dead fact with status {fact.status!r} (404 or 410)")
    if fact.kind == "coverage" and (fact.reached is None or fact.reached < 0 or not fact.unit):
        raise BadFact("coverage fact without reached or unit")
