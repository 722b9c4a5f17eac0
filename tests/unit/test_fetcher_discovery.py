"""services/fetcher/discovery.py: list page HTML → report links, pages, attachments, years."""

from __future__ import annotations

import pytest

from services.fetcher.discovery import (
    companion_kind,
    pagination_urls,
    parse_html,
    report_links,
    report_year,
    url_date,
)

BASE = "http://www.x.gov.cn/zwgk/zfxxgk/zfxxgknb/index.html"
LIST = """<html><body>
<div class="crumbs"><a href="/">首页</a> &gt; <a href="./">政府信息公开年报</a></div>
<ul>
 <li><a href="./202201/t20220128_100001.html" title="某某县人民政府2021年政府信息公开工作年度报告">某某县人民政府2021年政府信息…</a></li>
 <li><a href="./202201/t20220129_100002.html">某某县2021年政府信息公开工作年度报告（图片版）</a></li>
 <li><a href="./202201/t20220130_100003.html">一图读懂某某县2021年政府信息公开年报解读</a></li>
 <li><a href="./202101/t20210120_1.html">二〇二〇年度政府信息公开工作报告</a></li>
 <li><a href="./P020220128.pdf">某某县财政局2021年政府信息公开年报.pdf</a></li>
 <li><a href="./202201/t20220131_100009.html">关于开展2022年春节慰问活动的通知</a></li>
 <li><a href="javascript:void(0)">2021年年报</a></li>
</ul>
<a href="index_1.html">2</a> <a href="index_1.html">下一页</a>
<script>createPageHTML(3, 0, "index", "html");</script>
</body></html>"""


def _links():
    return {link.url.rsplit("/", 1)[1]: link for link in report_links(parse_html(LIST), BASE)}


def test_report_links_are_found_by_title_with_their_year_and_navigation_is_ignored():
    links = _links()
    assert sorted(links) == [
        "P020220128.pdf",
        "t20210120_1.html",
        "t20220128_100001.html",
        "t20220129_100002.html",
        "t20220130_100003.html",
    ]
    assert (
        links["t20220128_100001.html"].title == "某某县人民政府2021年政府信息公开工作年度报告"
    )  # full title attribute
    assert links["t20220128_100001.html"].year == 2021
    assert links["t20210120_1.html"].year == 2020  # 二〇二〇年度


def test_companions_and_attachments_are_recognised_as_such():
    links = _links()
    assert links["t20220129_100002.html"].companion == "图片版"
    assert links["t20220130_100003.html"].companion in ("图片版", "解读")
    assert links["t20220128_100001.html"].companion is None
    assert links["P020220128.pdf"].kind == "pdf"


def test_a_link_pattern_hint_narrows_and_a_title_pattern_widens():
    tree = parse_html(LIST)
    narrowed = report_links(tree, BASE, link_pattern=r"/2021\d\d/")
    assert [link.url.rsplit("/", 1)[1] for link in narrowed] == ["t20210120_1.html"]
    widened = report_links(tree, BASE, title_pattern="通知")
    assert [link.url.rsplit("/", 1)[1] for link in widened] == ["t20220131_100009.html"]


def test_trs_create_page_html_and_next_links_give_the_other_pages():
    urls = pagination_urls(parse_html(LIST), BASE, LIST)
    assert urls == [
        "http://www.x.gov.cn/zwgk/zfxxgk/zfxxgknb/index_1.html",
        "http://www.x.gov.cn/zwgk/zfxxgk/zfxxgknb/index_2.html",
    ]


def test_a_js_count_page_on_a_shtml_list_gives_pages_with_the_same_extension():
    html = "<html><body><script>var countPage = 3;</script></body></html>"
    assert pagination_urls(
        parse_html(html), "https://rsj.km.gov.cn/zfxxgk/zfxxgknb/index.shtml", html
    ) == [
        "https://rsj.km.gov.cn/zfxxgk/zfxxgknb/index_1.shtml",
        "https://rsj.km.gov.cn/zfxxgk/zfxxgknb/index_2.shtml",
    ]


def test_a_next_page_link_of_a_query_style_list_is_followed():
    html = '<html><body><a href="iList.jsp?cat_id=7&amp;cur_page=2">下一页</a></body></html>'
    assert pagination_urls(
        parse_html(html), "http://x.gov.cn/iList.jsp?cat_id=7&cur_page=1", html
    ) == ["http://x.gov.cn/iList.jsp?cat_id=7&cur_page=2"]


@pytest.mark.parametrize(
    ("title", "year"),
    [
        ("关于2021年度政府信息公开工作的报告", 2021),
        ("二〇一九年政府信息公开年报", 2019),
        ("政府信息公开年报", None),
        ("2022 年某某局年报", 2022),
    ],
)
def test_report_year_from_title(title, year):
    assert report_year(title) == year


def test_companion_kinds():
    assert companion_kind("2021年年报（图片版）") == "图片版"
    assert companion_kind("《2021年年报》解读") == "解读"
    assert companion_kind("2021年年报") is None


def test_publication_dates_encoded_in_cms_urls():
    assert url_date("http://x/zfxxgknb/202201/t20220128_100001.html") == "2022-01-28"
    assert url_date("http://www.yj.gov.cn/art/2024/1/16/art_1229779591_86714.html") == "2024-01-16"
    assert url_date("http://x/a/b.html") is None


def test_garbage_and_empty_pages_yield_nothing_rather_than_failing():
    assert report_links(parse_html(""), BASE) == []
    assert report_links(parse_html(b"\x00\x01\x02"), BASE) == []
    assert pagination_urls(None, BASE) == []
