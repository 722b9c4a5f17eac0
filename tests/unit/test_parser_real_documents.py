"""parse() on whole documents shaped like real portal pages: HTML 2019 and 2021, pre-2019, non-reports, images."""

from __future__ import annotations

import pytest

from services.parser import parse
from shared.errors import NotAReport
from tests.findings_corpus.builder import png

SHANGHAI_2019 = """<html><head><meta charset="utf-8"><title>2019年上海市某某局政府信息公开工作年度报告_上海市人民政府</title></head>
<body><div class="nav">首页 &gt; 政府信息公开 &gt; 政府信息公开年报</div><div class="article">
<h1>2019年上海市某某局政府信息公开工作年度报告</h1><p>发布日期：2020-01-31</p>
<p>本报告中所列数据的统计期限自2019年1月1日起至2019年12月31日止。</p>
<p>一、总体情况</p><p>2019年，主动公开规章13件，行政规范性文件60件。</p>
<p>二、主动公开政府信息情况</p>
<table border="1">
<tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年新制作数量</td><td>本年新公开数量</td><td>对外公开总数量</td></tr>
<tr><td>规章</td><td>13</td><td>13</td><td>120</td></tr>
<tr><td>规范性文件</td><td>60</td><td>60</td><td>&nbsp;</td></tr>
<tr><td colspan="4">第二十条第（五）项</td></tr>
<tr><td>信息内容</td><td>上一年项目数量</td><td>本年增/减</td><td>处理决定数量</td></tr>
<tr><td>行政许可</td><td>35</td><td>-3</td><td>1,280</td></tr>
<tr><td>其他对外管理服务事项</td><td>4</td><td>+1</td><td>52</td></tr>
<tr><td colspan="4">第二十条第（六）项</td></tr>
<tr><td>信息内容</td><td>上一年项目数量</td><td>本年增/减</td><td>处理决定数量</td></tr>
<tr><td>行政处罚</td><td>12</td><td>0</td><td>9</td></tr>
<tr><td>行政强制</td><td>4</td><td>4</td><td>-</td></tr>
<tr><td colspan="4">第二十条第（八）项</td></tr>
<tr><td>信息内容</td><td>上一年项目数量</td><td colspan="2">本年增/减</td></tr>
<tr><td>行政事业性收费</td><td>2</td><td colspan="2">0</td></tr>
<tr><td colspan="4">第二十条第（九）项</td></tr>
<tr><td>信息内容</td><td>采购项目数量</td><td colspan="2">采购总金额</td></tr>
<tr><td>政府集中采购</td><td>3</td><td colspan="2">251000元</td></tr>
</table>
<p>三、收到和处理政府信息公开申请情况</p>
<table border="1">
<tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td><td colspan="7">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
<tr><td colspan="3">一、本年新收政府信息公开申请数量</td><td>801</td><td>15</td><td>&nbsp;</td><td>&nbsp;</td><td>3</td><td>2</td><td>821</td></tr>
<tr><td colspan="3">二、上年结转政府信息公开申请数量</td><td>18</td><td></td><td></td><td></td><td></td><td></td><td>18</td></tr>
<tr><td rowspan="22">三、本年度办理结果</td><td colspan="2">（一）予以公开</td><td>258</td><td>12</td><td>&nbsp;</td><td>&nbsp;</td><td>1</td><td>1</td><td>&nbsp;</td></tr>
<tr><td colspan="2">（二）部分公开（区分处理的，只计这一情形，不计其他情形）</td><td>3</td><td></td><td></td><td></td><td></td><td></td><td>3</td></tr>
<tr><td rowspan="8">（三）不予公开</td><td>1.属于国家秘密</td><td>2</td><td></td><td></td><td></td><td></td><td></td><td>2</td></tr>
<tr><td>2.其他法律行政法规禁止公开</td><td>5</td><td></td><td></td><td></td><td></td><td></td><td>5</td></tr>
<tr><td>3.危及“三安全一稳定”</td><td>1</td><td></td><td></td><td></td><td></td><td></td><td>1</td></tr>
<tr><td>4.保护第三方合法权益</td><td>4</td><td></td><td></td><td></td><td></td><td></td><td>4</td></tr>
<tr><td>5.属于三类内部事务信息</td><td>3</td><td></td><td></td><td></td><td></td><td></td><td>3</td></tr>
<tr><td>6.属于四类过程性信息</td><td>10</td><td></td><td></td><td></td><td></td><td></td><td>10</td></tr>
<tr><td>7.属于行政执法案卷</td><td>2</td><td></td><td></td><td></td><td></td><td></td><td>2</td></tr>
<tr><td>8.属于行政查询事项</td><td>8</td><td></td><td></td><td></td><td></td><td></td><td>8</td></tr>
<tr><td rowspan="3">（四）无法提供</td><td>1.本机关不掌握相关政府信息</td><td>260</td><td>5</td><td></td><td></td><td></td><td></td><td>265</td></tr>
<tr><td>2.没有现成信息需要另行制作</td><td>50</td><td></td><td></td><td></td><td></td><td></td><td>50</td></tr>
<tr><td>3.补正后申请内容仍不明确</td><td>22</td><td></td><td></td><td></td><td></td><td></td><td>22</td></tr>
<tr><td rowspan="5">（五）不予处理</td><td>1.信访举报投诉类申请</td><td>100</td><td></td><td></td><td></td><td></td><td></td><td>100</td></tr>
<tr><td>2.重复申请</td><td>40</td><td></td><td></td><td></td><td></td><td></td><td>40</td></tr>
<tr><td>3.要求提供公开出版物</td><td>8</td><td></td><td></td><td></td><td></td><td></td><td>8</td></tr>
<tr><td>4.无正当理由大量反复申请</td><td>10</td><td></td><td></td><td></td><td></td><td></td><td>10</td></tr>
<tr><td>5.要求行政机关确认或重新出具已获取信息</td><td></td><td></td><td></td><td></td><td></td><td></td><td></td></tr>
<tr><td colspan="2">（六）其他处理</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td colspan="2">（七）总计</td><td>767</td><td>17</td><td></td><td></td><td>3</td><td>2</td><td>805</td></tr>
<tr><td colspan="3">四、结转下年度继续办理</td><td>52</td><td></td><td></td><td></td><td></td><td></td><td>72</td></tr>
</table>
<p>四、政府信息公开行政复议、行政诉讼情况</p>
<table border="1">
<tr><td colspan="5">行政复议</td><td colspan="10">行政诉讼</td></tr>
<tr><td rowspan="2">结果维持</td><td rowspan="2">结果纠正</td><td rowspan="2">其他结果</td><td rowspan="2">尚未审结</td><td rowspan="2">总计</td><td colspan="5">未经复议直接起诉</td><td colspan="5">复议后起诉</td></tr>
<tr><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td></tr>
<tr><td>5</td><td></td><td></td><td>2</td><td>7</td><td>6</td><td>&nbsp;</td><td></td><td>1</td><td>7</td><td>2</td><td></td><td></td><td></td><td>2</td></tr>
</table>
<p>五、政府信息公开工作存在的主要问题及改进情况</p><p>一是……</p>
<p>六、其他需要报告的事项</p><p>无。</p>
</div></body></html>"""


def vals(table, row):
    return [c.value if c.kind == "number" else c.kind for c in table[row].values()]


@pytest.fixture(scope="module")
def shanghai():
    return parse(
        SHANGHAI_2019.encode("utf-8"),
        content_type="text/html; charset=utf-8",
        source_url="https://www.shanghai.gov.cn/nw12344/20200131/x.html",
    )


def test_html_2019_report_metadata(shanghai):
    r = shanghai
    assert r.format_version == "2019"
    assert (r.agency_name, r.report_year) == ("上海市某某局", 2019)
    assert r.title == "2019年上海市某某局政府信息公开工作年度报告"
    assert r.publish_date == "2020-01-31"
    assert (r.stat_period.start, r.stat_period.end) == ("2019-01-01", "2019-12-31")
    assert r.source_url.endswith("x.html") and r.content_type == "html"
    assert len(r.sections) == 6 and r.sections["problems"].alias is False


def test_html_2019_t2_with_signs_dash_and_unit(shanghai):
    t2 = shanghai.tables["active_disclosure"]
    assert vals(t2, "regulations") == [13, 13, 120]
    assert vals(t2, "normative_documents") == [60, 60, "blank"]
    assert vals(t2, "administrative_licensing") == [35, -3, 1280]
    assert vals(t2, "other_external_services") == [4, 1, 52]
    assert vals(t2, "administrative_penalty") == [12, 0, 9]
    assert vals(t2, "administrative_coercion") == [4, 4, "na_dash"]
    assert vals(t2, "administrative_fees") == [2, 0]
    assert vals(t2, "centralized_procurement") == [3, 251000]


def test_html_2019_t3_blank_cells_stay_in_their_columns(shanghai):
    t3 = shanghai.tables["applications"]
    assert set(t3) >= {"other_handling"} and "other_other" not in t3
    assert vals(t3, "new_received") == [801, 15, "blank", "blank", 3, 2, 821]
    assert vals(t3, "granted") == [258, 12, "blank", "blank", 1, 1, "blank"]
    assert vals(t3, "unable_not_held") == [260, 5, "blank", "blank", "blank", "blank", 265]
    assert vals(t3, "not_processed_confirm_reissue") == ["blank"] * 7
    assert vals(t3, "other_handling") == [0] * 7
    assert vals(t3, "results_total") == [767, 17, "blank", "blank", 3, 2, 805]
    assert vals(t3, "carried_over_out") == [52, "blank", "blank", "blank", "blank", "blank", 72]
    assert not any(c.kind == "missing" for row in t3.values() for c in row.values())


def test_html_2019_t4_blanks_and_values(shanghai):
    t4 = shanghai.tables["review_litigation"]
    assert vals(t4, "admin_review") == [5, "blank", "blank", 2, 7]
    assert vals(t4, "litigation_direct") == [6, "blank", "blank", 1, 7]
    assert vals(t4, "litigation_after_review") == [2, "blank", "blank", "blank", 2]
    assert shanghai.notes == []


PRE2019 = """<html><head><meta charset="utf-8"><title>福州市晋安区2016年政府信息公开工作年度报告</title></head><body>
<h2>福州市晋安区2016年政府信息公开工作年度报告</h2>
<p>一、概述</p><p>2016年，我区认真贯彻落实《中华人民共和国政府信息公开条例》……</p>
<p>二、主动公开政府信息情况</p><p>全年主动公开政府信息3521条。</p>
<p>三、依申请公开政府信息情况</p><p>共受理申请12件。</p>
<p>四、政府信息公开的收费及减免情况</p><p>未收取费用。</p>
<p>五、因政府信息公开申请行政复议、提起行政诉讼的情况</p><p>无。</p>
<p>六、存在的主要问题及改进措施</p><p>……</p>
<table><tr><td>指标</td><td>单位</td><td>数量</td></tr><tr><td>主动公开信息数</td><td>条</td><td>3521</td></tr></table>
</body></html>"""


def test_pre2019_free_form_report_has_metadata_and_sections_but_no_tables():
    r = parse(PRE2019.encode("utf-8"), content_type="text/html")
    assert r.format_version == "pre2019"
    assert r.tables == {"active_disclosure": None, "applications": None, "review_litigation": None}
    assert (r.agency_name, r.report_year) == ("福州市晋安区", 2016)
    assert {
        "overview",
        "active_disclosure",
        "applications",
        "review_litigation",
        "problems",
    } <= set(r.sections)
    assert r.is_report


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1><p>您访问的页面不存在或已被删除。</p></body></html>",
        "<html><head><title>区长带队检查安全生产工作</title></head><body><p>3月5日，区长带队检查安全生产工作，要求压实责任。</p></body></html>",
    ],
)
def test_pages_that_are_not_reports_raise_not_a_report(page):
    with pytest.raises(NotAReport):
        parse(page.encode("utf-8"), content_type="text/html")


def test_an_image_is_a_report_with_image_modality_and_an_image_only_note():
    r = parse(png((1240, 1754)), content_type="image/png")
    assert r.source_modality == "image"
    assert [n.code for n in r.notes] == ["image_only"]
    assert r.tables == {"active_disclosure": None, "applications": None, "review_litigation": None}


def test_an_article_page_that_only_links_the_report_attachment_is_not_a_report():
    page = (
        "<html><head><title>某某局2021年政府信息公开工作年度报告</title></head><body>"
        "<h1>某某局2021年政府信息公开工作年度报告</h1><p>某某局2021年政府信息公开工作年度报告全文详见附件。</p>"
        "<p>附件：<a href='a.pdf'>年度报告.pdf</a></p></body></html>"
    )
    with pytest.raises(NotAReport, match="no report content"):
        parse(page.encode("utf-8"), content_type="text/html")
