"""The polite client: every GET of the crawler goes through robots.txt, the SSRF guard and the
host's politeness slot, and honours Retry-After.

Order per request: refuse a private address (before even asking for its robots.txt) → robots.txt
verdict (RobotsDenied / RobotsUnreachable) → Crawl-delay into the host's gap → wait for a slot →
safe GET (services/fetcher/http.py; robots.txt is checked again on every redirect hop) → feed
latency and status back to AutoThrottle. A short Retry-After is waited out in the slot and the
request retried (at most RETRY_INLINE times); a long one raises RetryLater(delay_s).

Reads settings: user_agent, allow_private_hosts, max_doc_bytes, fetch_deadline_s,
per_host_concurrency, min_delay_s.
"""

from __future__ import annotations

import time

from services.fetcher.canonical import host_key
from services.fetcher.http import Form, HttpFetcher, Response
from services.fetcher.politeness import MAX_INLINE_WAIT_S, Politeness, RetryLater
from services.fetcher.robots import RobotsCache
from shared.config import Settings
from shared.errors import TransientError

RETRY_INLINE = 2  # short Retry-After waits retried before giving up to a nak


class PoliteClient:
    def __init__(self, settings: Settings, *, http: HttpFetcher | None = None):
        self.http = http or HttpFetcher(settings)
        self.robots = RobotsCache(self.http)
        self.politeness = Politeness(settings)

    async def close(self) -> None:
        await self.http.close()

    async def get(
        self, url: str, headers: dict[str, str] | None = None, *, form: Form | None = None
    ) -> Response:
        """GET (with `form`: POST) after robots.txt, inside the host's politeness slot; honours
        Retry-After."""
        host = host_key(url)
        await self.http.check_address(url)
        rules = await self.robots.check(url)
        self.politeness.set_crawl_delay(host, rules.crawl_delay(self.robots.agent))
        for attempt in range(RETRY_INLINE + 1):
            async with self.politeness.slot(host):
                started = time.monotonic()
                try:
                    resp = await self.http.get(
                        url, headers=headers, before_hop=self._hop_allowed, form=form
                    )
                except TransientError:
                    self.politeness.observe(host, time.monotonic() - started, 599)
                    raise
            wait = self.politeness.observe(
                host, resp.elapsed, resp.status, resp.headers.get("retry-after")
            )
            if wait is None:
                return resp
            if wait > MAX_INLINE_WAIT_S or attempt == RETRY_INLINE:
                raise RetryLater(
                    f"{host} answered {resp.status} with Retry-After {wait:.0f}s", wait
                )
        raise AssertionError("unreachable")

    async def _hop_allowed(self, url: str) -> None:
        await self.robots.check(url)
