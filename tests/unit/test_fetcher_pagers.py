"""services/fetcher/pagers.py: the requests a CMS's script pager would make."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from services.fetcher.coverage import declared
from services.fetcher.pagers import json_pages, pattern_of, script_pages

TRS = "http://x.gov.cn/zwgk/zfxxgknb/index.html"


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_a_trs_listmodel_page_without_static_pager_gets_its_index_n_pages_tried():
    page = "<script>listModel({ recordCount: '25', prepage: 10 });</script>"
    assert pattern_of(page) == "trs_static"
    assert script_pages(page, TRS, declared(page), 10) == [
        "http://x.gov.cn/zwgk/zfxxgknb/index_1.html",
        "http://x.gov.cn/zwgk/zfxxgknb/index_2.html",
    ]


def test_a_page_whose_createpagehtml_names_its_pages_needs_no_script_pager():
    page = '<script>createPageHTML(2, 0, "index", "html"); var recordCount = 20;</script>'
    assert script_pages(page, TRS, declared(page), 10) == []


def test_a_trs_endpoint_named_beside_the_record_count_is_asked_for_pages_two_to_n():
    page = "<script>listModel({ url: 'list.json', recordCount: '30', prepage: 10 });</script>"
    assert pattern_of(page) == "trs_endpoint"
    urls = script_pages(page, TRS, declared(page), 10)
    assert [(u.split("?")[0], _query(u)) for u in urls] == [
        ("http://x.gov.cn/zwgk/zfxxgknb/list.json", {"page": "2"}),
        ("http://x.gov.cn/zwgk/zfxxgknb/list.json", {"page": "3"}),
    ]
    placeholder = (
        "<script>var o = { dataUrl: '/api/nb_{page}.json', totalRecord: 20, pageSize: 10 }</script>"
    )
    assert script_pages(placeholder, TRS, declared(placeholder), 10) == [
        "http://x.gov.cn/api/nb_2.json"
    ]


def test_a_jcms_column_asks_the_dataproxy_for_the_records_after_the_embedded_group():
    records = "".join(
        f'<record><![CDATA[<li><a href="/art/{i}.html">r</a></li>]]></record>' for i in range(15)
    )
    page = (
        '<script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/'
        'dataproxy.jsp?page=1&appid=1&webid=24&path=/&columnid=1229&unitid=4321&permissiontype=0">'
        f"</a>]]></nextgroup><recordset>{records}</recordset></datastore></script>"
        "<script>$('#4321').jpage({ totalRecord: 40, perPage: 5, groupSize: 3 })</script>"
    )
    assert pattern_of(page) == "jcms"
    urls = script_pages(page, "http://j.gov.cn/col/col1229/index.html", declared(page), 15)
    assert [u.split("?")[0] for u in urls] == ["http://j.gov.cn/module/web/jpage/dataproxy.jsp"] * 2
    first, second = (_query(u) for u in urls)
    assert (first["startrecord"], first["endrecord"], first["perpage"]) == ("16", "30", "5")
    assert (second["startrecord"], second["endrecord"]) == ("31", "40")
    assert (first["columnid"], first["unitid"], first["webid"]) == ("1229", "4321", "24")
    assert "page" not in first


def test_a_gkmlpt_page_leads_to_its_list_api_and_the_api_to_its_other_pages():
    page = '<script>var LIST_API = "/gkmlpt/api/all/2846?sid=757001";</script>'
    assert pattern_of(page) == "gkmlpt"
    [api] = script_pages(page, "http://g.gov.cn/gkmlpt/index", declared(page), 0)
    assert api == "http://g.gov.cn/gkmlpt/api/all/2846?sid=757001"  # sid kept: it selects the site
    assert [_query(u) for u in json_pages(api, 25, 10)] == [
        {"sid": "757001", "page": "2"},
        {"sid": "757001", "page": "3"},
    ]
    assert json_pages(api + "&page=2", 25, 10) == []  # only the first answer plans the rest
    assert json_pages(api, 10, 10) == [] and json_pages(api, None, 10) == []
