"""The crawler: one crawl.due job → discover a portal's reports → fetch politely → store → DocFetched.

    crawler = Crawler(settings, objects, state, registry)
    async for event in crawler.crawl(CrawlDue(portal="sample", slot="…")):
        await publish(event)          # the state is committed only after the consumer resumes us

Per report URL: robots.txt → per-host slot → conditional GET (ETag / Last-Modified from the
`fetch_state` KV bucket) → 304 or same bytes: nothing downstream → otherwise put-if-absent
`raw/<sha256>` → yield DocFetched → record the new version. Attachments of a report page (PDF,
DOCX, …) are fetched the same way and remembered on the page's record, so they are re-checked
even when the page itself answers 304. Bytes already stored from *another* URL (the same report
under two addresses) are recorded as a duplicate, not emitted twice. A page whose body holds two
or more report pictures publishes one report as pictures: they are fetched the same way and
stored as ONE image-only PDF (imagepdf.py) at the page's URL + "#pictures" (`_bundle`); the
page's own DocFetched names that bundle (`pictures_doc`) and the bundle's names the page's stored
bytes (`page_object_key`), so the parser reads one report: the pictures, with the page's metadata.

Failures are per URL: a permanent one (too large, bomb, bad redirect, 404) is recorded, counted
and reported through `on_rejected`; transient ones (timeouts, 5xx, robots unreachable) are
collected and re-raised as one TransientError at the end of the job, so the job is nak'ed and
retried while everything that did succeed has already been emitted and committed. A host that
asks us to wait (Retry-After) stops the job at once with `RetryLater(delay_s)`.

Reads settings (through its parts): user_agent, allow_private_hosts, max_doc_bytes,
fetch_deadline_s, per_host_concurrency, min_delay_s, sample_portal_url, chromium_path,
render_timeout_s.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import lxml.etree
import msgspec

from services.fetcher.attachments import attachment_links, split_pictures
from services.fetcher.browser import BrowserMissing, Renderer
from services.fetcher.canonical import bundle_url, canonical_url, doc_id, identity
from services.fetcher.client import PoliteClient
from services.fetcher.coverage import Coverage, Declared, declared, merge
from services.fetcher.coverage import coverage as column_coverage
from services.fetcher.discovery import (
    Link,
    links_from_pairs,
    pagination_urls,
    parse_html,
    report_links,
    url_date,
)
from services.fetcher.http import HttpFetcher, Response
from services.fetcher.imagepdf import bundle_pdf
from services.fetcher.listing import datastore_pairs, json_pairs, json_total, parse_json
from services.fetcher.pagers import json_pages, render_reason, script_pages
from services.fetcher.politeness import RetryLater
from services.fetcher.registry import Portal, Registry
from services.fetcher.robots import RobotsDenied
from services.fetcher.state import NOT_GONE, UrlRecord
from services.fetcher.state import encode as encode_record
from shared import metrics
from shared.charset import decode_html
from shared.config import Settings
from shared.errors import NianbaoError, PermanentError, TooLarge, TransientError
from shared.events import (
    CrawlDue,
    CrawlFact,
    DocFetched,
    DocRef,
    DocRejected,
    bundle_version,
    object_key_for,
    version_for,
)
from shared.pictures import MAX_OCR_PAGES
from shared.storage.base import ObjectMeta

log = logging.getLogger("nianbao.fetcher")
Rejected = Callable[[DocRejected], Awaitable[None]]
Facts = Callable[[CrawlFact], Awaitable[None]]
STATE_REFRESH_S = 6 * 3600.0
HTML_TYPES = ("text/html", "application/xhtml")


class UnknownPortal(PermanentError):
    reason = "unknown_portal"


class ListPageGone(PermanentError):
    """The portal's 年报 list URL answers 404/410: path drift, the registry needs an update."""

    reason = "list_gone"


class Gone(PermanentError):
    reason = "not_found"

    def __init__(self, message: str, status: int = 404):
        super().__init__(message)
        self.status = status


class HttpStatus(TransientError):
    reason = "http_status"


class CrawlIncomplete(TransientError):
    reason = "incomplete"


class Crawler:
    def __init__(
        self,
        settings: Settings,
        objects,
        state,
        registry: Registry,
        *,
        http: HttpFetcher | None = None,
        on_rejected: Rejected | None = None,
        facts: Facts | None = None,
    ):
        self.settings = settings
        self.objects = objects
        self.state = state
        self.registry = registry
        self.client = PoliteClient(settings, http=http)
        self.politeness = self.client.politeness
        self.get = self.client.get  # robots.txt + SSRF guard + politeness + Retry-After
        self.on_rejected = on_rejected
        self.coverage: dict[str, Coverage] = {}  # portal id → coverage of its last survey
        # crawl facts for the index (dead links, list coverage: CrawlFact events the indexer
        # writes), so `nianbao missing` can read them after the broker is gone; None in dry runs
        # (`portals check`) and benchmarks
        self.facts = facts

    async def close(self) -> None:
        await self.client.close()

    # --- one job -------------------------------------------------------------------------------
    async def crawl(self, job: CrawlDue) -> AsyncIterator[DocFetched]:
        portal = self.registry.get(job.portal)
        if portal is None:
            raise UnknownPortal(
                f"portal {job.portal!r} is not in the registry ({self.registry.source})"
            )
        list_urls = list(job.urls) or list(portal.list_urls)
        if not list_urls:
            raise UnknownPortal(
                f"portal {portal.id!r} has no list URL (sample portal URL not configured?)"
            )
        try:
            links = await self.discover(portal, list_urls)
        except NianbaoError as exc:
            metrics.PORTAL_FAILURES.labels(portal.id, exc.reason).inc()
            raise
        job_ctx = _Job()
        async for event in self._fan_out(portal, links, job_ctx):
            yield event
        failures = job_ctx.failures
        if failures:
            metrics.PORTAL_FAILURES.labels(portal.id, "incomplete").inc()
            raise CrawlIncomplete(
                f"{len(failures)} URL(s) of {portal.id} failed transiently: "
                + "; ".join(failures[:5])
            )
        metrics.PORTAL_LAST_SUCCESS.labels(portal.id).set(time.time())

    async def discover(self, portal: Portal, list_urls: list[str]) -> list[Link]:
        """Report links from the list pages (see `survey`)."""
        return (await self.survey(portal, list_urls)).links

    async def survey(self, portal: Portal, list_urls: list[str]) -> Survey:
        """Report links from the list pages, following static and script pagers (pagers.py) up
        to `max_pages` list requests, and the coverage of each column (coverage.py): what its
        first page declares against what was reached. The coverage is exported as
        nianbao_portal_coverage_ratio / _declared / _reached and kept in `self.coverage`.

        A registered list URL that is gone (404/410) or disallowed by robots.txt fails the job
        permanently when it was the only one; when other list URLs of the portal still work it
        is counted (`nianbao_portal_failures_total{reason}`) and the crawl goes on."""
        first = [canonical_url(u) for u in list_urls]
        seen: set[str] = set()
        links: dict[str, Link] = {}
        problems: list[NianbaoError] = []
        columns: list[Coverage] = []
        budget = [portal.max_pages]
        renderer = Renderer(self.settings, self.get)  # Chromium starts only if a column needs it
        rendered = 0
        try:
            for url in dict.fromkeys(first):
                if url in seen or budget[0] <= 0:
                    continue
                try:
                    column = await self._column(portal, url, seen, budget, renderer)
                except (RobotsDenied, ListPageGone) as exc:
                    problems.append(exc)
                    continue
                for link in column.links:
                    links.setdefault(link.url, link)
                columns.append(column.coverage)
                rendered += column.rendered
        finally:
            await renderer.close()
        if problems and len(problems) == len(set(first)):
            raise (
                problems[0]
                if isinstance(problems[0], PermanentError)
                else ListPageGone(str(problems[0]))
            )
        for problem in problems:
            metrics.PORTAL_FAILURES.labels(portal.id, problem.reason).inc()
        result = Survey(list(links.values()), merge(columns), columns, rendered)
        self.coverage[portal.id] = result.coverage
        export_coverage(portal.id, result.coverage)
        cov = result.coverage
        await self._fact(
            CrawlFact(
                kind="coverage",
                portal=portal.id,
                checked_at=time.time(),
                declared=cov.declared,
                reached=cov.reached,
                unit=cov.unit,
            )
        )
        return result

    async def _fact(self, fact: CrawlFact) -> None:
        """Hand one crawl fact on (published for the indexer). One that cannot be is logged and
        counted, never a failed crawl: the documents matter more, and the next crawl that sees
        the same (a dead link, a coverage) says it again."""
        if self.facts is None:
            return
        try:
            await self.facts(fact)
        except Exception as exc:  # noqa: BLE001 - logged and counted, the crawl goes on
            log.warning("crawl fact %s not published: %s: %s", fact.kind, type(exc).__name__, exc)
            metrics.PORTAL_FAILURES.labels(fact.portal, "facts_unwritten").inc()

    async def _column(
        self, portal: Portal, list_url: str, seen: set[str], budget: list[int], renderer: Renderer
    ) -> _Column:
        """One list URL and the pages it leads to; then, where `render_reason` says so, the same
        list rendered in a browser (browser.py). Raises RobotsDenied / ListPageGone for the list
        URL itself; a guessed page that is not there (404) is only not reached."""
        queue = [list_url]
        entries: dict[str, Link] = {}
        counted: set[str] = set()  # list entries reached (reports and records of a data list)
        stated: Declared | None = None
        pages = 0
        first: Response | None = None
        answers: dict[str, Response] = {}  # this column's list answers, handed to a browser
        while queue and budget[0] > 0:
            url = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            budget[0] -= 1
            try:
                resp = await self.get(url)
            except RobotsDenied:
                if url == list_url:
                    raise
                continue
            answers[url] = resp  # a 404 too: a browser following the pager is answered the same
            if resp.status in (404, 410):
                if url == list_url:
                    raise ListPageGone(f"list page {url} answers {resp.status}")
                continue  # a page number guessed from a stated count that is not there
            if resp.status != 200:
                raise HttpStatus(f"list page {url} answers {resp.status}")
            pages += 1
            first = first or resp
            page = read_list_page(resp, portal)
            if stated is None or not stated.known:
                stated = page.declared  # a script page states nothing, its first data answer does
            for link in page.links:
                entries.setdefault(link.url, link)
            counted.update(page.entries)
            if portal.pagination == "auto":
                queue.extend(u for u in page.more if u not in seen and u not in queue)
        coverage = column_coverage(stated or Declared(), len(counted), pages)
        text = decode_html(first.body, first.content_type)[0] if first is not None else ""
        reason = render_reason(portal.render, coverage, text) if first is not None else None
        if reason is None or first is None:
            return _Column(list(entries.values()), coverage)
        rendered = await self._render(portal, list_url, answers, budget, renderer, reason, coverage)
        if rendered is not None:
            rendered_pages, steps = rendered
            for page in rendered_pages:
                for link in page.links:
                    entries.setdefault(link.url, link)
                counted.update(page.entries)
                if stated is None or not stated.known:
                    stated = page.declared  # a pager that a script writes states its size there
            pages += steps  # pager steps that brought new entries
            coverage = column_coverage(stated or Declared(), len(counted), pages)
        return _Column(list(entries.values()), coverage, rendered is not None)

    async def _render(
        self,
        portal: Portal,
        list_url: str,
        answers: dict[str, Response],
        budget: list[int],
        renderer: Renderer,
        reason: str,
        before: Coverage,
    ) -> tuple[list[ListPage], int] | None:
        """The column as a browser lists it: one ListPage per page state, and the pager steps
        that brought new links (the static pass's answers are reused, not fetched again); None when there is no browser (logged, counted:
        the column keeps its static coverage, visibly incomplete)."""
        started = time.monotonic()
        try:
            rendered = await renderer.render(
                list_url, budget=budget, prefetched=answers, max_steps=portal.max_pages
            )
        except BrowserMissing as exc:
            log.warning(
                "%s: column %s is at %s and needs a browser (%s), but none is available: %s",
                portal.id,
                list_url,
                before.describe(),
                reason,
                exc,
            )
            return None
        pages = [rendered_page(url, text, portal) for url, text in rendered.snapshots]
        log.info(
            "%s: rendered %s (%s) in %.1fs: %s, %d pager step(s), %d request(s), %d refused",
            portal.id,
            list_url,
            reason,
            time.monotonic() - started,
            rendered.outcome,
            rendered.steps,
            rendered.fetched,
            rendered.refused,
        )
        return pages, rendered.steps

    async def _fan_out(
        self, portal: Portal, links: list[Link], job: _Job
    ) -> AsyncIterator[DocFetched]:
        """Work through `links` with as many workers as a host has slots (1–2), yielding events
        one at a time. A worker waits until its event has been consumed (published) before it
        records the new version, exactly as in a sequential loop."""
        pending = deque(links)
        queue: asyncio.Queue = asyncio.Queue()
        loop = asyncio.get_running_loop()

        async def worker() -> None:
            error: BaseException | None = None
            try:
                while pending:
                    link = pending.popleft()
                    async for event in self._guarded(portal, link, None, job):
                        consumed = loop.create_future()
                        await queue.put((event, consumed))
                        await consumed
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer below
                error = exc
            finally:
                queue.put_nowait((None, error))

        tasks = [
            asyncio.create_task(worker())
            for _ in range(max(1, min(self.politeness.concurrency, len(links))))
        ]
        running = len(tasks)
        try:
            while running:
                event, extra = await queue.get()
                if event is None:
                    running -= 1
                    if extra is not None:
                        raise extra
                    continue
                yield event
                extra.set_result(None)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    # --- one URL -------------------------------------------------------------------------------
    async def _guarded(
        self, portal: Portal, link: Link, parent: str | None, job: _Job
    ) -> AsyncIterator[DocFetched]:
        if link.url in job.visited:
            return  # an attachment that is also listed as a report, or linked from two pages
        job.visited.add(link.url)
        try:
            async for event in self._fetch_one(portal, link, parent, job):
                yield event
        except RetryLater:
            raise
        except RobotsDenied:
            metrics.FETCH_OUTCOMES.labels("robots_denied").inc()
        except TransientError as exc:
            metrics.FETCH_OUTCOMES.labels("failed").inc()
            await self._record_failure(portal, link, parent, "failed", exc)
            job.failures.append(f"{link.url}: {exc.reason}")
        except PermanentError as exc:
            metrics.FETCH_OUTCOMES.labels("gone" if isinstance(exc, Gone) else "rejected").inc()
            metrics.REJECTIONS.labels("fetcher", exc.reason).inc()
            rec = await self._record_failure(
                portal, link, parent, "gone" if isinstance(exc, Gone) else "rejected", exc
            )
            if isinstance(exc, Gone) and parent is None:  # a listed report, not an attachment
                await self._fact(
                    CrawlFact(
                        kind="link_dead",
                        portal=portal.id,
                        checked_at=rec.last_checked,
                        url=link.url,
                        status=exc.status,
                        since=rec.gone_since,  # the first time the fetch state saw it dead
                        title=link.title or None,
                        report_year=link.year,
                        companion=link.companion,
                    )
                )
            if self.on_rejected is not None:
                await self.on_rejected(
                    DocRejected(
                        stage="fetcher",
                        reason=exc.reason,
                        detail=str(exc)[:500],
                        url=link.url,
                        portal=portal.id,
                        emitted_at=time.time(),
                    )
                )

    async def _fetch_one(
        self, portal: Portal, link: Link, parent: str | None, job: _Job
    ) -> AsyncIterator[DocFetched]:
        """One URL: a conditional GET, then either nothing new (its attachments are re-checked),
        the same bytes as another URL (recorded as its duplicate), or a new version (stored,
        emitted, recorded once published, then its attachments). A report page's pictures come
        here as one link of kind "pictures" (`_bundle`)."""
        if link.kind == "pictures" and parent is not None:
            async for event in self._bundle(portal, link, parent, job):
                yield event
            return
        key = doc_id(link.url)
        now = time.time()
        loaded = await self.state.get(key)
        before = (encode_record(loaded), loaded.last_checked) if loaded else None
        # recorded dead (gone_since: also when a transient failure came in between); read before
        # record_for resets it on the loaded record
        was_dead = loaded is not None and bool(loaded.gone_since or loaded.status == "gone")
        rec = record_for(loaded, portal, link, parent, now)
        resp = await self.get(link.url, conditional_headers(rec))
        rec.last_checked = now
        unchanged, content = compare(rec, link.url, resp)
        if was_dead and parent is None:  # it answers again
            await self._fact(
                CrawlFact(kind="link_alive", portal=portal.id, checked_at=now, url=link.url)
            )
        if content is None:
            metrics.NOT_MODIFIED.labels(unchanged).inc()
            status = "not_modified" if unchanged == "304" else "unchanged"
            await self._settle(rec, key, status, before=before)
            async for event in self._children(portal, rec, job):
                yield event
            return
        holder = await self._store(
            link.url, resp.body, resp.content_type, content.version, rec, job, now
        )
        if holder != link.url:
            metrics.NOT_MODIFIED.labels("duplicate").inc()
            rec.duplicate_of, rec.version = holder, content.version
            await self._settle(rec, key, "duplicate")
            return
        async for event in self._emit(portal, link, parent, rec, key, content, resp, now, job):
            yield event

    async def _store(
        self,
        url: str,
        body: bytes,
        content_type: str | None,
        version: str,
        rec: UrlRecord,
        job: _Job,
        now: float,
    ) -> str:
        """Put the bytes at raw/<version> unless they are there; return the URL that holds them:
        `url`, or another URL that had the same bytes first (`url` is a duplicate)."""
        object_key = object_key_for(version)
        meta = ObjectMeta(
            key=object_key,
            size=len(body),
            source_url=url,
            content_type=content_type,
            fetched_at=now,
            etag=rec.etag,
            last_modified=rec.last_modified,
        )
        # Same bytes under another URL: first within this job (two workers may race on the
        # put, before the winner's metadata is readable), then across jobs via the object's
        # recorded source URL.
        holder = job.versions.setdefault(version, url)
        if holder != url:
            return holder
        if await self.objects.put_if_absent(object_key, body, meta):
            metrics.STORED_BYTES.inc(len(body))
            return url
        stored = await self.objects.head(object_key)
        return identity(stored.source_url) if stored and stored.source_url else url

    async def _emit(
        self,
        portal: Portal,
        link: Link,
        parent: str | None,
        rec: UrlRecord,
        key: str,
        content: Content,
        resp: Response,
        now: float,
        job: _Job,
    ) -> AsyncIterator[DocFetched]:
        """Yield the new version's DocFetched, record it once published, then its attachments."""
        if content.html and link.kind == "page":
            own = [a for a in content.attachments if a.url != link.url]
            pictures, others = split_pictures(own)
            rec.children, rec.pictures = [a.url for a in others], [a.url for a in pictures]
        outcome = "changed" if rec.version else "new"
        yield DocFetched(
            ref=DocRef(
                doc_id=key,
                version=content.version,
                portal=portal.id,
                url=link.url,
                object_key=object_key_for(content.version),
            ),
            size=len(resp.body),
            content_type=resp.content_type,
            fetched_at=now,
            title_hint=link.title or None,
            agency=portal.name,
            division_code=portal.division_code or None,
            level=portal.level,
            etag=rec.etag,
            last_modified=rec.last_modified,
            parent_url=parent,
            companion=link.companion,
            # its pictures are one report of their own (`_bundle`): a page that is only pictures
            # is then not a second report (the parser rejects it, naming the bundle)
            pictures_doc=doc_id(bundle_url(link.url)) if rec.pictures else None,
            emitted_at=now,
        )
        # Only once the consumer has published the event (it resumed us) is the version recorded:
        # a crash or failed publish before this point re-emits on the next crawl, never loses it.
        rec.version, rec.last_changed, rec.fingerprint = content.version, now, content.fingerprint
        rec.first_found = rec.first_found or now
        metrics.FETCH_OUTCOMES.labels(outcome).inc()
        await self._settle(rec, key, "emitted", count=False)
        async for child in self._children(portal, rec, job, attachments=content.attachments):
            yield child

    async def _bundle(
        self, portal: Portal, link: Link, parent: str, job: _Job
    ) -> AsyncIterator[DocFetched]:
        """A report page's pictures as one document: each picture fetched politely with its own
        conditional GET and record; when none changed since the bundle was last emitted, and
        neither did the page (whose stated title, date and publisher the report takes:
        DocFetched.page_object_key), nothing goes downstream; otherwise one image-only PDF
        (imagepdf.py, pages in page order) is stored and one DocFetched emitted at `link.url`
        (the page's URL + "#pictures"), its version `bundle_version(PDF, page)`.

        Never a report short of a page: a picture that cannot be had raises with the page named
        (PageMissing: rejected; PageUnavailable: the job is retried), and so does a bundle OCR
        would refuse (more than MAX_OCR_PAGES pictures — refused before any is fetched — a page
        above the pixel limit, a picture that does not decode, more than max_doc_bytes)."""
        key, now = doc_id(link.url), time.time()
        page = await self.state.get(doc_id(parent))
        urls = list(page.pictures) if page is not None else []
        if not urls:
            return
        loaded = await self.state.get(key)
        before = (encode_record(loaded), loaded.last_checked) if loaded else None
        rec = record_for(loaded, portal, link, parent, now)
        rec.published = page.published if page is not None else rec.published
        rec.last_checked = now
        if len(urls) > MAX_OCR_PAGES:
            raise TooLarge(f"{len(urls)} pictures on {parent} (limit {MAX_OCR_PAGES} pages)")
        # the page states the report's title, date and publisher: a new version of it (its
        # visible text changed) is a new version of the report, as a changed picture is
        page_version = page.version if page is not None else None
        same_set = (
            rec.version is not None and rec.pictures == urls and rec.page_version == page_version
        )
        got: list[_Picture] = []
        for n, url in enumerate(urls, start=1):
            got.append(
                await self._picture(portal, url, n, len(urls), link.url, parent, job, same_set)
            )
            self._hold(got, parent)
        if same_set and not any(p.changed for p in got):
            for p in got:
                await self._settle(p.rec, p.key, "bundled", count=False, before=p.before)
            metrics.NOT_MODIFIED.labels(
                "304" if all(p.body is None for p in got) else "same_bytes"
            ).inc()
            await self._settle(rec, key, "not_modified", before=before)
            return
        for n, p in enumerate(got, start=1):
            if p.body is None:  # unchanged, but the bundle is built again: its bytes once more
                got[n - 1] = await self._picture(
                    portal, p.rec.url, n, len(urls), link.url, parent, job
                )
                self._hold(got, parent)
        bodies = [p.body or b"" for p in got]
        bundle = bundle_pdf(bodies)
        if not bundle.pages:
            raise NoPages(f"no picture on {parent} is large enough to be a page: {bundle.left_out}")
        if len(bundle.pdf) > self.settings.max_doc_bytes:
            raise TooLarge(
                f"{len(urls)} pictures make a {len(bundle.pdf):,} byte document "
                f"(limit {self.settings.max_doc_bytes:,})"
            )
        pdf_version = version_for(bundle.pdf)
        version = bundle_version(pdf_version, page_version)
        left_out = {n: why for n, why in bundle.left_out}
        kept = [u for n, u in enumerate(urls, start=1) if n not in left_out]
        if version == rec.version:  # the pictures changed back, or only their validators did
            await self._bundled(portal, got, bodies, left_out, link.url)
            metrics.NOT_MODIFIED.labels("same_bytes").inc()
            await self._settle(rec, key, "unchanged")
            return
        # the same pictures under another page are that page's report (stored once, by the PDF)
        holder = await self._store(link.url, bundle.pdf, PDF_TYPE, pdf_version, rec, job, now)
        if holder != link.url:
            metrics.NOT_MODIFIED.labels("duplicate").inc()
            rec.duplicate_of, rec.version, rec.pictures = holder, version, urls
            rec.page_version = page_version
            await self._bundled(portal, got, bodies, left_out, link.url)
            await self._settle(rec, key, "duplicate")
            return
        outcome = "changed" if rec.version else "new"
        yield DocFetched(
            ref=DocRef(
                doc_id=key,
                version=version,
                portal=portal.id,
                url=link.url,
                object_key=object_key_for(pdf_version),
            ),
            size=len(bundle.pdf),
            content_type=PDF_TYPE,
            fetched_at=now,
            title_hint=link.title or None,
            agency=portal.name,
            division_code=portal.division_code or None,
            level=portal.level,
            parent_url=parent,
            companion=link.companion,
            pictures=kept,
            page_object_key=object_key_for(page_version) if page_version else None,
            emitted_at=now,
        )
        # recorded once published, as in `_emit`
        rec.version, rec.last_changed, rec.pictures = version, now, urls
        rec.page_version = page_version
        rec.first_found = rec.first_found or now
        rec.duplicate_of = None
        metrics.FETCH_OUTCOMES.labels(outcome).inc()
        await self._settle(rec, key, "emitted", count=False)
        await self._bundled(portal, got, bodies, left_out, link.url)

    def _hold(self, got: list[_Picture], parent: str) -> None:
        """Stop fetching a bundle's pictures once they hold more than max_doc_bytes: the document
        they make would be refused anyway, and 60 pictures of 64 MB are not held in memory."""
        held = sum(len(p.body or b"") for p in got)
        if held > self.settings.max_doc_bytes:
            raise TooLarge(
                f"pictures on {parent} hold {held:,} bytes and more "
                f"(limit {self.settings.max_doc_bytes:,} per document)"
            )

    async def _picture(
        self,
        portal: Portal,
        url: str,
        number: int,
        total: int,
        bundle: str,
        parent: str,
        job: _Job,
        conditional: bool = False,
    ) -> _Picture:
        """One picture of a bundle: a (conditional) GET, its record updated with what it brings.
        A failure is recorded on the picture and raised for the bundle with its page named."""
        job.visited.add(url)  # a page of the bundle, never a document of its own in this job
        key, now = doc_id(url), time.time()
        loaded = await self.state.get(key)
        before = (encode_record(loaded), loaded.last_checked) if loaded else None
        rec = loaded or UrlRecord(url=url, portal=portal.id, first_seen=now)
        rec.kind, rec.parent_url, rec.bundle, rec.companion = "image", parent, bundle, "图片版"
        rec.gone_since, rec.gone_status = NOT_GONE, 0  # as in record_for
        page = f"page {number} of {total} ({url})"
        try:
            resp = await self.get(url, conditional_headers(rec) if conditional else {})
            rec.last_checked = now
            if resp.status == 304 and not conditional:
                raise EmptyBody(f"{url} answers 304 to an unconditional GET")
            unchanged, _ = compare(rec, url, resp)
        except RetryLater:
            raise
        except RobotsDenied as exc:
            metrics.FETCH_OUTCOMES.labels("robots_denied").inc()
            raise PageMissing(f"{page}: robots.txt disallows it") from exc
        except TransientError as exc:
            metrics.FETCH_OUTCOMES.labels("failed").inc()
            await self._record_failure(portal, Link(url, "", kind="image"), parent, "failed", exc)
            raise PageUnavailable(f"{page}: {exc.reason}: {exc}") from exc
        except PermanentError as exc:
            status = "gone" if isinstance(exc, Gone) else "rejected"
            metrics.FETCH_OUTCOMES.labels(status).inc()
            await self._record_failure(portal, Link(url, "", kind="image"), parent, status, exc)
            raise PageMissing(f"{page}: {exc.reason}: {exc}") from exc
        body = None if resp.status == 304 else resp.body
        return _Picture(rec, key, before, body, unchanged is None)

    async def _bundled(
        self,
        portal: Portal,
        got: list[_Picture],
        bodies: list[bytes],
        left_out: dict[int, str],
        bundle: str,
    ) -> None:
        """Each picture's outcome once its bundle is settled: a page of it ("bundled"), or left
        out as too small to be a page ("rejected", published as such: never a silent drop)."""
        for n, (p, body) in enumerate(zip(got, bodies, strict=True), start=1):
            rec = p.rec
            rec.version = version_for(body)
            rec.first_found = rec.first_found or rec.last_checked
            if p.changed:
                rec.last_changed = rec.last_checked
            if n not in left_out:
                await self._settle(rec, p.key, "bundled")
                continue
            rec.status, rec.reason = "rejected", "too_small"
            await self.state.put(p.key, rec)
            metrics.FETCH_OUTCOMES.labels("rejected").inc()
            metrics.REJECTIONS.labels("fetcher", "too_small").inc()
            if self.on_rejected is not None:
                await self.on_rejected(
                    DocRejected(
                        stage="fetcher",
                        reason="too_small",
                        detail=f"picture {n} of {bundle}: {left_out[n]}; left out of it",
                        url=rec.url,
                        portal=portal.id,
                        emitted_at=time.time(),
                    )
                )

    async def _children(
        self, portal: Portal, rec: UrlRecord, job: _Job, *, attachments: Sequence[Link] = ()
    ) -> AsyncIterator[DocFetched]:
        titled = {a.url: a for a in attachments}
        for url in rec.children:
            child = titled.get(url)
            if child is None:
                known = await self.state.get(doc_id(url))
                child = Link(
                    url,
                    (known.title if known else "") or "",
                    known.report_year if known else None,
                    known.companion if known else None,
                    known.kind if known else "pdf",
                )
            if child.year is None and rec.report_year:
                child = Link(
                    child.url,
                    child.title or rec.title or "",
                    rec.report_year,
                    child.companion,
                    child.kind,
                )
            async for event in self._guarded(portal, child, rec.url, job):
                yield event
        if rec.pictures:  # one report as pictures: one document (`_bundle`)
            bundle = Link(
                bundle_url(rec.url), rec.title or "", rec.report_year, "图片版", "pictures"
            )
            async for event in self._guarded(portal, bundle, rec.url, job):
                yield event

    async def _settle(
        self,
        rec: UrlRecord,
        key: str,
        status: str,
        *,
        count: bool = True,
        before: tuple[bytes, float] | None = None,
    ) -> None:
        rec.status, rec.reason = status, None
        if count:
            metrics.FETCH_OUTCOMES.labels(status).inc()
        if before is not None:
            # A re-check that changed nothing but the time skips the KV write (half the broker
            # round trips of a 304), refreshing `last_checked` at least every STATE_REFRESH_S.
            snapshot, checked = before
            unchanged = (
                encode_record(msgspec.structs.replace(rec, last_checked=checked)) == snapshot
            )
            if unchanged and rec.last_checked - checked < STATE_REFRESH_S:
                return
        await self.state.put(key, rec)

    async def _record_failure(
        self, portal: Portal, link: Link, parent: str | None, status: str, exc: NianbaoError
    ) -> UrlRecord:
        key = doc_id(link.url)
        rec = await self.state.get(key) or UrlRecord(
            url=link.url,
            portal=portal.id,
            first_seen=time.time(),
            title=link.title or None,
            report_year=link.year,
            kind=link.kind,
            parent_url=parent,
        )
        rec.status, rec.reason, rec.last_checked = status, exc.reason, time.time()
        if status == "gone":
            rec.gone_since = rec.gone_since or rec.last_checked
            rec.gone_status = getattr(exc, "status", 404)
        await self.state.put(key, rec)
        return rec


@dataclass(slots=True)
class Survey:
    """What a portal's list pages hold: report links and coverage (the portal's, per column)."""

    links: list[Link]
    coverage: Coverage
    columns: list[Coverage] = field(default_factory=list)
    rendered: int = 0  # columns rendered in a browser (browser.py)


@dataclass(slots=True)
class _Column:
    links: list[Link]
    coverage: Coverage
    rendered: bool = False  # its list was also rendered in a browser


@dataclass(slots=True)
class ListPage:
    """One list answer (HTML page, JCMS data store, JSON list) as the crawler reads it."""

    links: list[Link]  # report links
    entries: set[str]  # every list entry's URL (reports, and all records of a data list)
    declared: Declared  # the list size it states
    more: list[str]  # further list requests it leads to


def read_list_page(resp: Response, portal: Portal) -> ListPage:
    """Links, entries, stated size and further pages of one list answer, whatever carries it."""
    hints = {"title_pattern": portal.title_pattern, "link_pattern": portal.link_pattern}
    doc = parse_json(resp.body) if _looks_json(resp) else None
    if doc is not None:  # a JSON list API (TRS endpoint, 集约化 platform)
        pairs = json_pairs(doc, resp.url)
        total = json_total(doc)
        return ListPage(
            links_from_pairs(pairs, **hints),
            {u for u, _ in pairs},
            Declared(records=total),
            json_pages(resp.url, total, len(pairs)),
        )
    text, _encoding = decode_html(resp.body, resp.content_type)
    records = datastore_pairs(text, resp.url)
    if not is_html(resp) and records:  # a JCMS dataproxy.jsp answer: records only
        return ListPage(
            links_from_pairs(records, **hints), {u for u, _ in records}, declared(text), []
        )
    tree = parse_html(text)
    found = report_links(tree, resp.url, **hints)
    if records:  # JCMS: the first records are embedded in a <script type="text/xml">
        found += [
            x for x in links_from_pairs(records, **hints) if x.url not in {f.url for f in found}
        ]
    entries = {link.url for link in found} | {u for u, _ in records}
    stated = declared(text)
    more = pagination_urls(tree, resp.url, text)
    more += [
        u for u in script_pages(text, resp.url, stated, len(records) or len(found)) if u not in more
    ]
    return ListPage(found, entries, stated, more)


def rendered_page(page_url: str, text: str, portal: Portal) -> ListPage:
    """A list page as a browser rendered it: the same reading as a static page's HTML."""
    hints = {"title_pattern": portal.title_pattern, "link_pattern": portal.link_pattern}
    found = report_links(parse_html(text), page_url, **hints)
    return ListPage(found, {link.url for link in found}, declared(text), [])


def _looks_json(resp: Response) -> bool:
    ctype = (resp.content_type or "").lower()
    return "json" in ctype or "javascript" in ctype or resp.body.lstrip()[:1] in (b"{", b"[")


def export_coverage(portal_id: str, cov: Coverage) -> None:
    """nianbao_portal_coverage_ratio / _declared / _reached for one portal (ratio only when the
    column states its size: an unknown coverage is not exported as 0 or 1)."""
    metrics.PORTAL_LIST_REACHED.labels(portal_id, cov.unit).set(cov.reached)
    if cov.declared is None:
        return
    metrics.PORTAL_LIST_DECLARED.labels(portal_id, cov.unit).set(cov.declared)
    metrics.PORTAL_COVERAGE.labels(portal_id).set(cov.ratio or 0.0)


@dataclass(slots=True)
class _Job:
    """What one crawl job tracks across URLs."""

    failures: list[str] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)
    versions: dict[str, str] = field(default_factory=dict)  # sha256 → first URL that had it


class EmptyBody(PermanentError):
    reason = "empty"


class PageMissing(PermanentError):
    """A picture of a report's picture bundle cannot be had: the bundle is not built without it."""

    reason = "page_missing"


class PageUnavailable(TransientError):
    """A picture of a bundle failed transiently: the bundle waits for the job's retry."""

    reason = "page_unavailable"


class NoPages(PermanentError):
    reason = "too_small"


PDF_TYPE = "application/pdf"


@dataclass(slots=True)
class _Picture:
    """One picture of a bundle as this crawl found it."""

    rec: UrlRecord
    key: str
    before: tuple[bytes, float] | None  # its record as loaded (a 304 rewrites nothing)
    body: bytes | None  # None: answered 304, the bytes were not sent again
    changed: bool  # new bytes since its record's version


@dataclass(slots=True)
class Content:
    """A new version of a URL's bytes, as the crawler reads them (pages only: the rest is bytes)."""

    version: str  # sha256 of the bytes
    html: bool = False
    attachments: list[Link] = field(default_factory=list)
    fingerprint: str | None = None  # of the page's visible text (text_fingerprint)


def record_for(
    loaded: UrlRecord | None, portal: Portal, link: Link, parent: str | None, now: float
) -> UrlRecord:
    """The URL's record (a new one on first sight), updated with what the link says today."""
    rec = loaded or UrlRecord(url=link.url, portal=portal.id, first_seen=now)
    rec.title = link.title or rec.title
    rec.report_year = link.year or rec.report_year
    rec.published = url_date(link.url) or rec.published
    rec.companion = link.companion or rec.companion
    rec.kind, rec.parent_url, rec.portal = link.kind, parent or rec.parent_url, portal.id
    rec.gone_since, rec.gone_status = NOT_GONE, 0  # a failure reloads the stored record
    return rec


def compare(rec: UrlRecord, url: str, resp: Response) -> tuple[str, None] | tuple[None, Content]:
    """What the response to a (conditional) GET of `url` brings compared with its record:
    `(why nothing changed, None)` — "304", "same_bytes", "same_text" — or `(None, new content)`.

    A 200 refreshes the record's ETag and Last-Modified; another status raises (check_status),
    and so does an empty body (EmptyBody)."""
    if resp.status == 304:
        return "304", None
    check_status(resp)
    version = version_for(resp.body)
    rec.etag, rec.last_modified = resp.headers.get("etag"), resp.headers.get("last-modified")
    if version == rec.version:
        return "same_bytes", None
    if not resp.body:
        raise EmptyBody(f"empty body from {url}")
    content = read_content(resp, version)
    if rec.version and content.fingerprint is not None and content.fingerprint == rec.fingerprint:
        # Only page chrome moved (a visit counter, today's date, a rotated banner): the report
        # did not change, so nothing goes downstream.
        return "same_text", None
    return None, content


def read_content(resp: Response, version: str) -> Content:
    """A page's attachments and visible-text fingerprint; any other body is only its version."""
    if not is_html(resp):
        return Content(version)
    text, _encoding = decode_html(resp.body, resp.content_type)
    tree = parse_html(text)
    attachments = attachment_links(tree, resp.url)  # before the fingerprint strips the tree
    return Content(version, True, attachments, text_fingerprint(tree))


def is_html(resp: Response) -> bool:
    """Declared as HTML, or starting like an HTML document whatever the server declared."""
    if (resp.content_type or "").lower().startswith(HTML_TYPES):
        return True
    return resp.body.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html"))


_INVISIBLE = ("script", "style", "noscript", "template")


def text_fingerprint(tree) -> str | None:
    """sha256 of a page's visible text (scripts, styles and comments dropped, whitespace
    collapsed): what a reader sees, so script-injected counters or dates do not count as a change.
    Strips those elements from `tree` in place (a copy would double the cost on every page)."""
    if tree is None:
        return None
    for el in list(tree.iter(*_INVISIBLE, lxml.etree.Comment)):
        if el.getparent() is not None:
            el.drop_tree()
    text = " ".join(tree.text_content().split())
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text else None


def conditional_headers(rec: UrlRecord) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the last response (only when we hold its bytes)."""
    if not rec.version:
        return {}
    headers = {}
    if rec.etag:
        headers["If-None-Match"] = rec.etag
    if rec.last_modified:
        headers["If-Modified-Since"] = rec.last_modified
    return headers


def check_status(resp: Response) -> None:
    if resp.status == 200:
        return
    if resp.status in (404, 410):
        raise Gone(f"{resp.url} answers {resp.status}", resp.status)
    if resp.status in (408, 425, 429) or resp.status >= 500:
        raise HttpStatus(f"{resp.url} answers {resp.status}")
    raise PermanentError(f"{resp.url} answers {resp.status}")
