"""Fetcher stage logic: crawl.due → crawl the portal → one doc.fetched.<portal> per new document
version; a URL that fails permanently → one doc.rejected.fetcher.

Unlike the other stages' handlers, `handle_crawl` publishes its output itself, one event as soon
as the crawler yields it, and returns nothing for the acking layer to publish. Why:
- the crawler records a URL's new version in `fetch_state` when it is resumed after yielding the
  event, i.e. after the publish returned. Collected and published at the end, versions would be
  recorded before their events left: a job that then fails (a later URL times out, a host sends
  Retry-After, the pod is killed) would have marked documents as seen that never went
  downstream, and no re-crawl would emit them again — a silent loss;
- a crawl job is long (a whole column, paced by politeness delays): what it fetched before an
  interruption is already downstream, and the nak'ed, redelivered job finds those URLs recorded
  (conditional GET, 304, nothing emitted twice) instead of starting over.

Crawl facts (dead links, list coverage) go out on doc.fact.<portal> as the crawler finds them;
the indexer writes them into the index (services/indexer/facts.py).

Idempotent: doc.fetched's Msg-Id is `fetched:<doc_id>:<version>`, a rejection's is one per URL
and reason, so a re-crawl that sees the same bytes or fails the same way is deduplicated.
Settings read: none (the crawler and the publisher are passed in).
"""

from __future__ import annotations

from services.fetcher.crawl import Crawler
from shared.events import CrawlDue, CrawlFact, DocFetched, DocRejected, doc_id_for, subject_token
from shared.runtime.publish import Outgoing, Publisher, outgoing
from shared.topology import subject


def fetched_outgoing(fetched: DocFetched) -> Outgoing:
    return outgoing(
        subject("doc.fetched", subject_token(fetched.ref.portal)), fetched, "fetched", fetched.ref
    )


def rejected_outgoing(event: DocRejected) -> Outgoing:
    # one record per URL and reason: a re-crawl that fails the same way is deduplicated
    mid = f"rejected:fetcher:{doc_id_for(event.url or '')}:{event.reason}"
    return Outgoing(subject("doc.rejected", "fetcher"), event, mid)


async def publish_rejected(event: DocRejected, publisher: Publisher) -> None:
    """The crawler's `on_rejected`: one URL of the job failed permanently, the job goes on."""
    await publisher.publish(rejected_outgoing(event))


def fact_outgoing(fact: CrawlFact) -> Outgoing:
    # derived from what the fact is about and when it was checked: a publish retried after a lost
    # PubAck is deduplicated; the indexer writes a fact idempotently anyway
    about = doc_id_for(fact.url) if fact.url else "portal"
    mid = f"fact:{fact.kind}:{subject_token(fact.portal)}:{about}:{fact.checked_at!r}"
    return Outgoing(subject("doc.fact", subject_token(fact.portal)), fact, mid)


async def publish_fact(fact: CrawlFact, publisher: Publisher) -> None:
    """The crawler's `facts`: a crawl fact for the index, which the indexer writes."""
    await publisher.publish(fact_outgoing(fact))


async def handle_crawl(job: CrawlDue, crawler: Crawler, publisher: Publisher) -> list[Outgoing]:
    """Crawl one portal, publishing each document as it arrives (see the module docstring)."""
    async for fetched in crawler.crawl(job):
        # published before the crawler resumes and records the version (module docstring)
        await publisher.publish(fetched_outgoing(fetched))
    return []
