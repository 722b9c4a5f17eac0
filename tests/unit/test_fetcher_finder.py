"""services/fetcher/finder.py: a home page's links to the 政府信息公开 platform and to the 年报
column, ranked by link text and slugs, and the registry entry proposed for a column."""

from __future__ import annotations

import pytest

from services.fetcher.discovery import Link, parse_html
from services.fetcher.finder import column_links, platform_links, propose

HOME = "http://www.x.gov.cn/"
PAGE = """<html><body>
<div class="nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a><a href="/bsfw/">办事服务</a></div>
<div class="news"><a href="/zwgk/zfgzbg/">政府工作报告</a>
  <a href="/zwgk/zfgzbg/202401/t20240120_1.html">2023年政府工作报告</a>
  <a href="/zwgk/zfxxgknb/202401/t20240120_2.html">2023年政府信息公开工作年度报告</a></div>
<div class="gk"><a href="http://xxgk.x.gov.cn/">政府信息公开</a>
  <a href="/zwgk/xxgkzn/">信息公开指南</a>
  <a href="/zwgk/xxgknb/">更多</a><a href="/col/col1229/">政府信息公开工作年度报告</a>
  <a href="/zwgk/gknb/index.html">信息公开年报</a><a href="/ndbg/">年度报告</a></div>
</body></html>"""


def test_column_links_are_ranked_by_the_column_name_then_by_slug_and_reports_are_not_columns():
    assert column_links(parse_html(PAGE), HOME) == [
        "http://www.x.gov.cn/zwgk/gknb/index.html",  # name and slug
        "http://www.x.gov.cn/ndbg/",
        "http://www.x.gov.cn/col/col1229/",  # the name alone (a Hanweb column id)
        "http://www.x.gov.cn/zwgk/xxgknb/",  # the slug alone
    ]


def test_platform_links_put_the_information_disclosure_platform_first_even_on_another_host():
    assert platform_links(parse_html(PAGE), HOME)[:3] == [
        "http://xxgk.x.gov.cn/",  # 政府信息公开 (集约化 platform on its own host)
        "http://www.x.gov.cn/zwgk/",  # 政务公开 under /zwgk/
        "http://www.x.gov.cn/zwgk/xxgkzn/",  # mentions 信息公开
    ]


@pytest.mark.parametrize(
    ("name", "level", "kind"),
    [
        ("某某市某某区人民政府", "county", "government"),
        ("某某经济技术开发区管理委员会", "county", "government"),
        ("某某市财政局", "prefecture", "department"),
        ("某某省发展和改革委员会", "province", "department"),
        ("某某县人民政府办公室", "county", "department"),
    ],
)
def test_a_proposed_entry_guesses_level_and_kind_from_the_name(name, level, kind):
    column = "https://www.x.gov.cn/zwgk/zfxxgknb/index.html"
    links = [
        Link(f"https://www.x.gov.cn/zwgk/zfxxgknb/{2023 + i}01/t{i}.html", f"{name}年报", 2023 + i)
        for i in range(2)
    ]
    entry = propose(name, column, links)
    assert (entry.name, entry.level, entry.kind, entry.list_urls) == (name, level, kind, [column])
    assert entry.id == "x" and entry.link_pattern == r"^https://www\.x\.gov\.cn/zwgk/zfxxgknb/"
