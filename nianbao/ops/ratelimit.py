"""A token bucket: at most `rate` acquisitions per second on average, bursts up to `burst`.

Written here rather than pulled in (aiolimiter) because it is twenty lines and its clock and
sleep are injectable, so the tests check the schedule without waiting.
Settings read: none.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class RateLimiter:
    def __init__(
        self,
        rate: float | None,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("rate must be positive (or None for unlimited)")
        self.rate = rate
        self.burst = max(1.0, burst if burst is not None else (rate or 1.0) / 10)
        self._clock, self._sleep = clock, sleep
        self._tokens = self.burst
        self._last = clock()

    async def acquire(self) -> None:
        if self.rate is None:
            return
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        self._tokens -= 1
        if self._tokens < 0:
            # the debt is paid by waiting; the next call sees the refill from after the wait
            await self._sleep(-self._tokens / self.rate)
