"""nianbao/web/source.py and report_page.py: the source beside a finding, rendered."""

from nianbao.web.report_page import render
from nianbao.web.source import marked_html_table

PAGE = """<html><body><table><tr><td>x</td></tr></table>
<table>
 <tr><th rowspan="2">申请人情况</th><th colspan="2">自然人</th><th>总计</th></tr>
 <tr><td>甲</td><td>乙</td><td>丙</td></tr>
 <tr><td>本年新收</td><td>1</td><td>2</td><td>3</td></tr>
</table></body></html>""".encode()


def test_the_cell_at_a_grid_position_is_marked_with_spans_expanded():
    html = marked_html_table(PAGE, table=1, row=1, col=2)  # row 1: 申请人情况 covers col 0
    assert 'id="marked"' in html
    assert html.index('id="marked"') < html.index(">乙<")
    assert html.count('id="marked"') == 1
    bottom = marked_html_table(PAGE, table=1, row=2, col=3)
    assert 'id="marked" style="background:#ffd54f;outline:3px solid #e53935">3<' in bottom


def test_a_report_page_highlights_the_cells_a_finding_names_and_links_to_them():
    meta = {"doc_id": "d1", "title": "某局2021年政府信息公开工作年度报告", "year": 2021}
    cells = [
        {"key": "applications.new_received.total", "table": "applications", "row": "new_received",
         "col": "total", "label_zh": "本年新收政府信息公开申请数量 / 总计", "raw": "12", "value": 12.0,
         "kind": "number", "evidence": '{"kind":"text","line":7}'},
        {"key": "applications.new_received.natural_person", "table": "applications",
         "row": "new_received", "col": "natural_person", "label_zh": "本年新收政府信息公开申请数量 / 自然人",
         "raw": "", "value": None, "kind": "blank", "evidence": None},
    ]  # fmt: skip
    findings = [{"rule": "T3-001", "severity": "error", "message": "12 ≠ 10", "message_zh": "勾稽关系不成立：12 ≠ 10",
                 "cells": "applications.new_received.total"}]  # fmt: skip
    html = render(meta, cells, findings)
    assert "id='cell-applications.new_received.total' class='num hit'" in html
    assert "id='cell-applications.new_received.natural_person' class='num'" in html
    assert (
        "href='#cell-applications.new_received.total'>本年新收政府信息公开申请数量 / 总计</a>"
        in html
    )
    assert "原文第 7 行" in html
