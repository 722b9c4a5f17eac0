"""The fetcher service: crawl.due.> → crawl the portal (engineer F's Crawler) → one
doc.fetched.<portal> per new document version (bytes stored put-if-absent before publishing).

Run alone: `nianbao serve fetcher` or `faststream run services.fetcher.app:app`.
Settings read: object_store, portals, sample_portal_url (+ the Crawler's and the runtime's).
"""

from __future__ import annotations

from shared.config import Settings, load
from shared.events import CrawlDue, DocRejected, doc_id_for, subject_token
from shared.runtime.publish import Outgoing, outgoing
from shared.runtime.service import Service, StageDeps
from shared.storage.factory import open_object_store
from shared.topology import subject


async def build(settings: Settings, service: Service) -> StageDeps:
    from services.fetcher.crawl import Crawler
    from services.fetcher.registry import load_registry
    from services.fetcher.state import UrlState

    objects = await open_object_store(settings=settings)
    state = UrlState(service.js)
    await state.open()

    async def rejected(event: DocRejected) -> None:
        # one record per URL and reason: a re-crawl that fails the same way is deduplicated
        mid = f"rejected:fetcher:{doc_id_for(event.url or '')}:{event.reason}"
        await service.publisher.publish(Outgoing(subject("doc.rejected", "fetcher"), event, mid))

    crawler = Crawler(
        settings, objects, state, load_registry(settings=settings), on_rejected=rejected
    )

    async def handle(job: CrawlDue):
        # Publish as documents arrive: a crawl interrupted half-way keeps what it published,
        # and the redelivered job finds those objects/states already there.
        async for fetched in crawler.crawl(job):
            out = outgoing(
                subject("doc.fetched", subject_token(fetched.ref.portal)),
                fetched,
                "fetched",
                fetched.ref,
            )
            await service.publisher.publish(out)
        return []

    closers = [crawler.close, objects.close]
    return StageDeps(handler=handle, pings=[objects.ping], closers=closers)


def create(settings: Settings | None = None, http_port: int | None = None) -> Service:
    return Service("fetcher", settings or load(), build, http_port=http_port, heartbeat=True)


service = create()
app = service.app
