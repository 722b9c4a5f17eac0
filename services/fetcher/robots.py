"""robots.txt per RFC 9309, cached per origin for at most 24 h.

- 2xx: parse (protego) the first 500 KiB (§2.5: parse at least 500 KiB; the rest is ignored);
- 4xx "unavailable": crawl anything (§2.3.1.3) — except 429, which is a rate limit, not an
  absence, and is treated as unreachable (as Google does);
- 5xx, network error, timeout "unreachable": disallow everything (§2.3.1.4); the verdict is cached
  only briefly (`UNREACHABLE_TTL_S`) so the host is retried soon, and crawls of that host are
  nak'ed (`RobotsUnreachable`, transient) rather than dropped;
- redirects: followed up to 5 hops (§2.3.1.2); more → treated as unavailable;
- cache lifetime ≤ 24 h (§2.4).

The user-agent token matched against `User-agent:` lines is the product token of
`Settings.user_agent` (`nianbao/0.1 (...)` → `nianbao`).

Reads settings: user_agent, fetch_deadline_s (via the HttpFetcher it is given).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from protego import Protego

from services.fetcher.canonical import origin
from services.fetcher.http import HttpFetcher, Limits
from shared import metrics
from shared.errors import NianbaoError, RedirectError, TransientError

ROBOTS_MAX_BYTES = 500 * 1024
ROBOTS_DEADLINE_S = 20.0
ROBOTS_MAX_REDIRECTS = 5
CACHE_TTL_S = 24 * 3600.0
UNREACHABLE_TTL_S = 600.0


class RobotsUnreachable(TransientError):
    """robots.txt could not be fetched (5xx/network): the whole host is off limits for now."""

    reason = "robots_unreachable"


@dataclass(slots=True)
class RobotsRules:
    status: str  # parsed | unavailable (allow all) | unreachable (disallow all)
    fetched_at: float
    parser: Protego | None = None
    detail: str = ""

    def allows(self, url: str, agent: str) -> bool:
        if self.status == "unreachable":
            return False
        if self.parser is None:
            return True
        return bool(self.parser.can_fetch(url, agent))

    def crawl_delay(self, agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(agent)
        rate = self.parser.request_rate(agent)
        from_rate = rate.seconds / rate.requests if rate and rate.requests else None
        values = [v for v in (delay, from_rate) if v is not None]
        return float(max(values)) if values else None


def agent_token(user_agent: str) -> str:
    return user_agent.split("/", 1)[0].split()[0].strip() or "*"


def rules_from_response(status: int, body: bytes, now: float, detail: str = "") -> RobotsRules:
    """Pure RFC 9309 mapping from an HTTP outcome to rules."""
    if 200 <= status < 300:
        text = body[:ROBOTS_MAX_BYTES].decode("utf-8", errors="replace")
        return RobotsRules("parsed", now, Protego.parse(text))
    if status == 429 or status >= 500:
        return RobotsRules("unreachable", now, detail=detail or f"HTTP {status}")
    return RobotsRules("unavailable", now, detail=detail or f"HTTP {status}")


class RobotsCache:
    def __init__(self, http: HttpFetcher, *, clock=time.time):
        self.http = http
        self.agent = agent_token(http.settings.user_agent)
        self.clock = clock
        self._rules: dict[str, RobotsRules] = {}
        self.fetches = 0  # robots.txt requests made (tests and bench read it)

    async def rules_for(self, url: str) -> RobotsRules:
        key = origin(url)
        rules = self._rules.get(key)
        now = self.clock()
        ttl = UNREACHABLE_TTL_S if rules and rules.status == "unreachable" else CACHE_TTL_S
        if rules is None or now - rules.fetched_at >= ttl:
            rules = self._rules[key] = await self._fetch(key, now)
        return rules

    async def check(self, url: str) -> RobotsRules:
        """Raise when `url` may not be fetched: RobotsUnreachable (transient) or RobotsDenied."""
        rules = await self.rules_for(url)
        if rules.status == "unreachable":
            metrics.ROBOTS_DENIALS.labels("unreachable").inc()
            raise RobotsUnreachable(f"robots.txt of {origin(url)} is unreachable ({rules.detail})")
        if not rules.allows(url, self.agent):
            metrics.ROBOTS_DENIALS.labels("disallowed").inc()
            raise RobotsDenied(f"robots.txt disallows {url}")
        return rules

    async def _fetch(self, key: str, now: float) -> RobotsRules:
        self.fetches += 1
        deadline = min(ROBOTS_DEADLINE_S, self.http.settings.fetch_deadline_s)
        limits = Limits(
            ROBOTS_MAX_BYTES, deadline, max_redirects=ROBOTS_MAX_REDIRECTS, truncate=True
        )
        try:
            resp = await self.http.get(key + "/robots.txt", limits=limits)
        except RedirectError as exc:
            return RobotsRules("unavailable", now, detail=str(exc))
        except NianbaoError as exc:  # timeout, network, forbidden address, …
            return RobotsRules("unreachable", now, detail=f"{exc.reason}: {exc}")
        return rules_from_response(resp.status, resp.body, now)


class RobotsDenied(NianbaoError):
    """Not an error of the document: the site owner asked us not to fetch it. Counted, skipped."""

    reason = "robots_disallowed"
