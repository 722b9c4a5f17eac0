"""services/fetcher/robots.py: RFC 9309 mapping of robots.txt outcomes to rules."""

from __future__ import annotations

from services.fetcher.robots import ROBOTS_MAX_BYTES, agent_token, rules_from_response


def test_a_parsed_file_disallows_by_path_for_our_agent_token():
    rules = rules_from_response(
        200, b"User-agent: nianbao\nDisallow: /private\n\nUser-agent: *\nDisallow: /\n", 0.0
    )
    assert rules.allows("http://x.gov.cn/zfxxgknb/index.html", "nianbao")
    assert not rules.allows("http://x.gov.cn/private/a.html", "nianbao")
    assert not rules.allows("http://x.gov.cn/zfxxgknb/index.html", "otherbot")


def test_crawl_delay_and_request_rate_give_the_larger_gap():
    rules = rules_from_response(200, b"User-agent: *\nCrawl-delay: 2\nRequest-rate: 1/5\n", 0.0)
    assert rules.crawl_delay("nianbao") == 5.0
    assert (
        rules_from_response(200, b"User-agent: *\nDisallow:\n", 0.0).crawl_delay("nianbao") is None
    )


def test_4xx_is_unavailable_and_allows_everything():
    for status in (401, 403, 404, 410):
        rules = rules_from_response(status, b"", 0.0)
        assert rules.status == "unavailable" and rules.allows("http://x/any", "nianbao")


def test_5xx_and_429_are_unreachable_and_disallow_everything():
    for status in (500, 503, 429):
        rules = rules_from_response(status, b"User-agent: *\nAllow: /\n", 0.0)
        assert rules.status == "unreachable" and not rules.allows("http://x/any", "nianbao")


def test_rules_beyond_500_kib_are_ignored_but_earlier_ones_apply():
    body = (
        b"User-agent: *\nDisallow: /a\n"
        + b"# padding\n" * (ROBOTS_MAX_BYTES // 10)
        + b"Disallow: /b\n"
    )
    rules = rules_from_response(200, body, 0.0)
    assert not rules.allows("http://x/a", "nianbao") and rules.allows("http://x/b", "nianbao")


def test_the_agent_token_is_the_product_name_of_the_user_agent():
    assert agent_token("nianbao/0.1 (+https://example.org)") == "nianbao"
