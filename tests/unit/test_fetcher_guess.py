"""services/fetcher/guess.py: a registry entry guessed from a list page."""

from __future__ import annotations

import lxml.html
import pytest

from services.fetcher.discovery import Link
from services.fetcher.guess import guess_id, guess_kind, guess_level, guess_link_pattern, guess_name


def page(title: str):
    return lxml.html.fromstring(f"<html><head><title>{title}</title></head><body></body></html>")


@pytest.mark.parametrize(
    ("title", "name", "kind", "level"),
    [
        ("政府信息公开年报_北京市东城区人民政府", "北京市东城区人民政府", "government", "county"),
        ("深圳市财政局-政府信息公开年报", "深圳市财政局", "department", "prefecture"),
        ("某某镇人民政府 | 年报", "某某镇人民政府", "government", "township"),
        ("浙江省人民政府 政府信息公开", "浙江省人民政府", "government", "province"),
        ("国家统计局 政府信息公开年报", "国家统计局", "department", "central"),
        ("生态环境部 政府信息公开", "生态环境部", "department", "central"),
        ("某某省发展和改革委员会_信息公开年报", "某某省发展和改革委员会", "department", "province"),
        ("某某省市场监督管理局-年报", "某某省市场监督管理局", "department", "province"),
        ("某某市市场监督管理局-年报", "某某市市场监督管理局", "department", "prefecture"),
    ],
)
def test_agency_kind_and_level_from_the_page_title(title, name, kind, level):
    guessed = guess_name(page(title))
    assert (guessed, guess_kind(guessed), guess_level(guessed)) == (name, kind, level)


def test_no_agency_in_the_title_gives_an_empty_name():
    assert guess_name(page("政府信息公开年报")) == ""


def test_the_footer_sponsor_names_the_agency_when_the_title_does_not():
    tree = lxml.html.fromstring(
        "<html><head><title>政府信息公开年报</title></head><body><ul></ul>"
        "<div class='footer'>主办：示例县人民政府 承办：某某中心 备案号</div></body></html>"
    )
    assert guess_name(tree) == "示例县人民政府"


def test_a_link_pattern_is_proposed_only_for_a_shared_directory():
    links = [
        Link("http://x.gov.cn/zwgk/nb/2022/t1.html", "a"),
        Link("http://x.gov.cn/zwgk/nb/2021/t2.html", "b"),
    ]
    assert (
        guess_link_pattern("http://x.gov.cn/zwgk/nb/index.html", links)
        == r"^http://x\.gov\.cn/zwgk/nb/"
    )
    spread = [Link("http://x.gov.cn/a/t1.html", "a"), Link("http://x.gov.cn/b/t2.html", "b")]
    assert guess_link_pattern("http://x.gov.cn/", spread) == ""


def test_the_id_comes_from_the_host():
    assert guess_id("", "https://www.bjdch.gov.cn/zwgk/") == "bjdch"
    assert guess_id("", "http://127.0.0.1:8080/") == "p-127-0-0-1-8080"


def test_a_site_below_its_hosts_root_adds_its_path_to_the_id():
    column = "https://www.example.gov.cn/bm1/zwgk/nb/index.html"
    assert guess_id("", column, "https://www.example.gov.cn/") == "example"
    assert guess_id("", column, "https://www.example.gov.cn/index.html") == "example"
    assert guess_id("", column, "https://www.example.gov.cn/bm1/") == "example-bm1"
    assert guess_id("", column, "https://www.example.gov.cn/bm1/index.shtml") == "example-bm1"
    assert guess_id("", column, "https://www.example.gov.cn/Dept/JYJ/") == "example-dept-jyj"


def test_a_taken_id_is_made_unique_by_the_urls_path_then_a_digest_of_it():
    from services.fetcher.guess import unique_id

    url = "https://www.example.gov.cn/bm2/zwgk/nb/index.html"
    assert unique_id("example", url, {"other"}) == "example"
    assert unique_id("example", url, {"example"}) == "example-bm2"
    hashed = unique_id("example", url, {"example", "example-bm2"})
    assert hashed.startswith("example-") and len(hashed) == len("example-") + 6
    assert unique_id("example", url, {"example", "example-bm2"}) == hashed  # deterministic
    other = unique_id("example", url.replace("bm2", "bm3"), {"example", "example-bm3"})
    assert other != hashed
    assert unique_id("example", url, {"example", "example-bm2", hashed}) not in (
        "example", "example-bm2", hashed,
    )  # fmt: skip


def test_a_development_zones_management_committee_is_a_county_level_government():
    from services.fetcher.guess import guess_kind, guess_level

    name = "某某市高新技术产业开发区管理委员会"
    assert (guess_kind(name), guess_level(name)) == ("government", "county")
    assert guess_kind("某某经济开发区管委会") == "government"
    assert guess_kind("某某市财政局") == "department"
