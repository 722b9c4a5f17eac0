"""nianbao/ops/ratelimit.py: the token bucket's schedule, on a fake clock."""

from __future__ import annotations

import pytest

from nianbao.ops.ratelimit import RateLimiter


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += s


async def test_a_rate_spaces_acquisitions_evenly_after_the_burst():
    t = FakeTime()
    limiter = RateLimiter(10, burst=2, clock=t.clock, sleep=t.sleep)
    for _ in range(12):
        await limiter.acquire()
    # 2 free (the burst), then 10 at 0.1 s each: 12 acquisitions take 1.0 s
    assert t.now == pytest.approx(1.0)
    assert len(t.sleeps) == 10


async def test_idle_time_refills_the_bucket_up_to_the_burst_only():
    t = FakeTime()
    limiter = RateLimiter(100, burst=5, clock=t.clock, sleep=t.sleep)
    t.now = 60.0  # a long pause does not bank 6000 tokens
    for _ in range(5):
        await limiter.acquire()
    assert t.sleeps == []
    await limiter.acquire()
    assert t.sleeps == [pytest.approx(0.01)]


async def test_no_rate_means_no_waiting_and_a_non_positive_rate_is_refused():
    t = FakeTime()
    limiter = RateLimiter(None, clock=t.clock, sleep=t.sleep)
    for _ in range(1000):
        await limiter.acquire()
    assert t.sleeps == []
    with pytest.raises(ValueError):
        RateLimiter(0)
