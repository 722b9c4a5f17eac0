"""Per-host politeness: at most N requests in flight per host and a gap between request starts.

The gap is `max(min_delay, robots Crawl-delay, adaptive delay)`. The adaptive delay follows
Scrapy's AutoThrottle rule: aim for `latency / target_concurrency`, move halfway there on each
response, and never speed up on an error answer (only 2xx and 304 show the host is fine).
A 429/503 `Retry-After` (RFC 9110 §10.2.3) blocks the host until that time: short waits are slept
in-process, long ones raise `RetryLater` so the crawl job is nak'ed with that delay instead of
holding a worker.

Reads settings: per_host_concurrency, min_delay_s.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from shared.config import Settings
from shared.errors import TransientError

MAX_DELAY_S = 60.0
MAX_INLINE_WAIT_S = 30.0  # longer waits become a nak(delay) of the crawl job
DEFAULT_RETRY_AFTER_S = 60.0


class RetryLater(TransientError):
    """The host asked us to come back later (429/503 Retry-After)."""

    reason = "rate_limited"

    def __init__(self, message: str, delay_s: float):
        super().__init__(message)
        self.delay_s = delay_s


def next_delay(
    current: float,
    latency: float,
    status: int,
    *,
    min_delay: float,
    target_concurrency: float = 1.0,
) -> float:
    """AutoThrottle: the delay after a response that took `latency` seconds."""
    target = latency / max(target_concurrency, 0.1)
    proposed = (current + target) / 2.0
    if not (200 <= status < 300 or status == 304) and proposed < current:
        proposed = current
    return min(max(proposed, min_delay), MAX_DELAY_S)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass
class HostState:
    slots: asyncio.Semaphore
    delay: float
    crawl_delay: float = 0.0
    next_start: float = 0.0  # monotonic time before which no request may start
    blocked_until: float = 0.0  # monotonic, from Retry-After
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Politeness:
    """Shared by all crawls of one process; hosts are `canonical.host_key` strings."""

    def __init__(self, settings: Settings, *, max_inline_wait_s: float = MAX_INLINE_WAIT_S):
        self.concurrency = max(1, min(settings.per_host_concurrency, 2))
        self.min_delay = max(0.0, settings.min_delay_s)
        self.max_inline_wait_s = max_inline_wait_s
        self.hosts: dict[str, HostState] = {}

    def host(self, key: str) -> HostState:
        state = self.hosts.get(key)
        if state is None:
            state = self.hosts[key] = HostState(asyncio.Semaphore(self.concurrency), self.min_delay)
        return state

    def set_crawl_delay(self, key: str, seconds: float | None) -> None:
        self.host(key).crawl_delay = min(max(seconds or 0.0, 0.0), MAX_DELAY_S * 5)

    def gap(self, key: str) -> float:
        state = self.host(key)
        return max(self.min_delay, state.crawl_delay, state.delay)

    @asynccontextmanager
    async def slot(self, key: str) -> AsyncIterator[HostState]:
        """Hold one of the host's slots, starting no earlier than the gap / Retry-After allow."""
        state = self.host(key)
        async with state.slots:
            async with state.lock:  # serialise start times so two slots keep the gap between them
                now = time.monotonic()
                wait = max(state.next_start, state.blocked_until) - now
                if wait > self.max_inline_wait_s:
                    raise RetryLater(f"{key} asked us to wait {wait:.0f}s", wait)
                if wait > 0:
                    await asyncio.sleep(wait)
                state.next_start = time.monotonic() + self.gap(key)
            yield state

    def observe(
        self, key: str, latency: float, status: int, retry_after: str | None = None
    ) -> float | None:
        """Record a response; returns the Retry-After wait (s) when the host asked for one."""
        state = self.host(key)
        state.delay = next_delay(
            state.delay,
            latency,
            status,
            min_delay=self.min_delay,
            target_concurrency=self.concurrency,
        )
        state.next_start = max(state.next_start, time.monotonic() + self.gap(key) - latency)
        if status in (429, 503):
            wait = parse_retry_after(retry_after)
            if wait is None:
                wait = DEFAULT_RETRY_AFTER_S if status == 429 else None
            if wait is not None:
                state.blocked_until = max(state.blocked_until, time.monotonic() + wait)
                state.delay = min(
                    max(state.delay * 2, self.min_delay, 1.0), MAX_DELAY_S
                )  # rate decreases
                return wait
        return None

    def blocked_for(self, key: str) -> float:
        return max(0.0, self.host(key).blocked_until - time.monotonic())
