"""services/fetcher/listing.py: list entries from JCMS data stores and JSON list answers."""

from __future__ import annotations

from services.fetcher.discovery import links_from_pairs
from services.fetcher.listing import datastore_pairs, json_pairs, json_total, parse_json

BASE = "http://j.gov.cn/col/col1229/index.html"


def test_each_datastore_record_is_one_entry_with_its_link_and_title():
    xml = (
        "<datastore><totalrecord>2</totalrecord><recordset>"
        '<record><![CDATA[<li><a href="/art/2025/1/20/art_1229_1.html" title="某局2024年政府信息公开工作年度报告">某局2024年…</a></li>]]></record>'
        '<record><![CDATA[<li><a href="/art/2024/1/20/art_1229_2.html">某局2023年政府信息公开工作年度报告</a></li>]]></record>'
        "</recordset></datastore>"
    )
    pairs = datastore_pairs(xml, BASE)
    assert pairs == [
        ("http://j.gov.cn/art/2025/1/20/art_1229_1.html", "某局2024年政府信息公开工作年度报告"),
        ("http://j.gov.cn/art/2024/1/20/art_1229_2.html", "某局2023年政府信息公开工作年度报告"),
    ]
    assert [link.year for link in links_from_pairs(pairs)] == [2024, 2023]


def test_a_json_list_answer_gives_its_records_and_stated_total_wherever_they_sit():
    doc = parse_json(
        '{"code": 0, "data": {"totalCount": "31", "list": ['
        '{"docTitle": "某区2024年政府信息公开工作年度报告", "docUrl": "../c/1.html"},'
        '{"docTitle": "", "docUrl": "../c/2.html"}]}}'
    )
    assert json_total(doc) == 31
    assert json_pairs(doc, "http://x.gov.cn/a/b/list.json") == [
        ("http://x.gov.cn/a/c/1.html", "某区2024年政府信息公开工作年度报告")
    ]


def test_a_jsonp_answer_is_unwrapped_and_html_is_not_json():
    assert json_total(parse_json('cb({"total": 4, "rows": []});')) == 4
    assert parse_json(b"<html><body>x</body></html>") is None
