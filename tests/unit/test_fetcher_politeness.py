"""services/fetcher/politeness.py: AutoThrottle delay, Retry-After parsing, per-host gaps."""

from __future__ import annotations

import time

import pytest

from services.fetcher.politeness import Politeness, RetryLater, next_delay, parse_retry_after
from shared.config import load


def test_the_delay_moves_halfway_towards_latency_over_concurrency():
    assert next_delay(2.0, 1.0, 200, min_delay=0.0) == 1.5
    assert next_delay(0.0, 1.0, 200, min_delay=0.0, target_concurrency=2) == 0.25


def test_a_non_200_answer_never_speeds_the_crawler_up():
    assert next_delay(2.0, 0.01, 500, min_delay=0.0) == 2.0
    assert next_delay(0.1, 2.0, 404, min_delay=0.0) == 1.05  # slowing down is allowed


def test_a_304_is_a_healthy_answer_and_lets_the_delay_recover():
    assert next_delay(0.2, 0.01, 304, min_delay=0.0) == pytest.approx(0.105)


def test_the_delay_is_bounded_by_min_delay_and_a_ceiling():
    assert next_delay(0.0, 0.0, 200, min_delay=1.0) == 1.0
    assert next_delay(60.0, 1000.0, 200, min_delay=0.0) == 60.0


def test_retry_after_in_seconds_and_as_an_http_date():
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Fri, 27 Nov 2026 00:01:00 GMT", now=1795737600.0) == 60.0
    assert parse_retry_after("Fri, 27 Nov 2026 00:00:00 GMT", now=1795737660.0) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_concurrency_per_host_is_capped_at_two_whatever_the_setting():
    assert Politeness(load(env={}, per_host_concurrency=8)).concurrency == 2
    assert Politeness(load(env={}, per_host_concurrency=0)).concurrency == 1


def test_crawl_delay_from_robots_raises_the_gap():
    p = Politeness(load(env={}, min_delay_s=0.5))
    p.set_crawl_delay("a", 3.0)
    assert p.gap("a") == 3.0 and p.gap("b") == 0.5


async def test_two_request_starts_on_one_host_are_at_least_the_gap_apart():
    p = Politeness(load(env={}, min_delay_s=0.3, per_host_concurrency=2))
    starts = []
    for _ in range(3):
        async with p.slot("h"):
            starts.append(time.monotonic())
    assert all(b - a >= 0.29 for a, b in zip(starts, starts[1:], strict=False))


async def test_a_long_retry_after_turns_into_retry_later_without_waiting():
    p = Politeness(load(env={}, min_delay_s=0.0))
    assert p.observe("h", 0.01, 429, "600") == 600.0
    assert p.gap("h") >= 1.0
    with pytest.raises(RetryLater) as err:
        async with p.slot("h"):
            pass
    assert 590 <= err.value.delay_s <= 600
    async with p.slot("other"):  # other hosts are not held up
        pass


def test_a_429_without_retry_after_still_backs_off_and_a_503_without_it_does_not_block():
    p = Politeness(load(env={}, min_delay_s=0.0))
    assert p.observe("h", 0.01, 429, None) == 60.0
    assert p.observe("g", 0.01, 503, None) is None and p.blocked_for("g") == 0.0
