"""services/fetcher/canonical.py: one spelling per URL, so one doc_id per report."""

from __future__ import annotations

import pytest

from services.fetcher.canonical import canonical_url, doc_id, host_key, origin


def test_case_default_port_dot_segments_fragment_and_tracking_are_normalised():
    assert (
        canonical_url("HTTP://Www.Gov.CN:80/a/../zfxxgknb/t1.html?utm_source=wx#top")
        == "http://www.gov.cn/zfxxgknb/t1.html"
    )


def test_query_arguments_that_select_content_are_kept_and_sorted():
    assert (
        canonical_url("http://x.gov.cn/list.jsp?cur_page=2&cat_id=7")
        == "http://x.gov.cn/list.jsp?cat_id=7&cur_page=2"
    )


def test_jsessionid_path_parameters_are_dropped():
    assert (
        canonical_url("http://x.gov.cn/art/1.html;jsessionid=ABC123")
        == "http://x.gov.cn/art/1.html"
    )


def test_index_html_is_not_dropped_because_some_cms_serve_different_pages():
    assert canonical_url("http://x.gov.cn/zfxxgknb/index.html") != canonical_url(
        "http://x.gov.cn/zfxxgknb/"
    )


def test_non_ascii_paths_are_percent_encoded_once():
    once = canonical_url("http://x.gov.cn/年报/2021.html")
    assert once == "http://x.gov.cn/%E5%B9%B4%E6%8A%A5/2021.html"
    assert canonical_url(once) == once


def test_two_spellings_of_one_report_share_a_doc_id():
    assert doc_id("http://X.gov.cn:80/a.html#x") == doc_id("http://x.gov.cn/a.html")
    assert doc_id("https://x.gov.cn/a.html") != doc_id("http://x.gov.cn/a.html")


def test_host_key_and_origin_keep_non_default_ports():
    assert host_key("http://127.0.0.1:8081/a") == "127.0.0.1:8081"
    assert host_key("https://x.gov.cn:443/a") == "x.gov.cn"
    assert origin("https://x.gov.cn:8443/a/b?c") == "https://x.gov.cn:8443"


@pytest.mark.parametrize("bad", ["ftp://x.gov.cn/a", "javascript:void(0)", "http:///nohost"])
def test_non_http_urls_are_refused(bad):
    with pytest.raises(ValueError):
        canonical_url(bad)
