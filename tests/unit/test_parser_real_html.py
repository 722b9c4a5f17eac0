"""parse() on HTML shaped like real government CMS pages (hand-written, small).

Word-exported HTML (MsoNormalTable, <o:p>, &nbsp;, span-wrapped numbers), TRS `.trs_editor_view`
/ `.TRS_Editor` articles, Hanweb `#zoom` pages, T3 headers split across rows differently, a
row-number column, 2019 pages with five T2 blocks and signed changes, a 2021 T2 in four tables,
pictures instead of tables, GBK pages declaring gb2312, numbers with units and full-width digits.
The table bodies are built by small helpers so every page states its own markup style.
"""

from __future__ import annotations

import pytest

from services.parser import parse

# --- the national tables, as rows of cells ------------------------------------------------------

T3_2021_LABELS = [
    ("一、本年新收政府信息公开申请数量", None),
    ("二、上年结转政府信息公开申请数量", None),
    ("（一）予以公开", "三、本年度办理结果"),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "三、本年度办理结果"),
    ("1.属于国家秘密", "（三）不予公开"),
    ("2.其他法律行政法规禁止公开", "（三）不予公开"),
    ("3.危及“三安全一稳定”", "（三）不予公开"),
    ("4.保护第三方合法权益", "（三）不予公开"),
    ("5.属于三类内部事务信息", "（三）不予公开"),
    ("6.属于四类过程性信息", "（三）不予公开"),
    ("7.属于行政执法案卷", "（三）不予公开"),
    ("8.属于行政查询事项", "（三）不予公开"),
    ("1.本机关不掌握相关政府信息", "（四）无法提供"),
    ("2.没有现成信息需要另行制作", "（四）无法提供"),
    ("3.补正后申请内容仍不明确", "（四）无法提供"),
    ("1.信访举报投诉类申请", "（五）不予处理"),
    ("2.重复申请", "（五）不予处理"),
    ("3.要求提供公开出版物", "（五）不予处理"),
    ("4.无正当理由大量反复申请", "（五）不予处理"),
    ("5.要求行政机关确认或重新出具已获取信息", "（五）不予处理"),
    ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "（六）其他处理"),
    ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "（六）其他处理"),
    ("3.其他", "（六）其他处理"),
    ("（七）总计", "三、本年度办理结果"),
    ("四、结转下年度继续办理", None),
]
T3_2021_KEYS = [
    "new_received",
    "carried_over_in",
    "granted",
    "partially_granted",
    "denied_state_secret",
    "denied_prohibited_by_law",
    "denied_security_stability",
    "denied_third_party_rights",
    "denied_internal_affairs",
    "denied_process_info",
    "denied_enforcement_file",
    "denied_admin_inquiry",
    "unable_not_held",
    "unable_needs_creation",
    "unable_still_unclear",
    "not_processed_petition",
    "not_processed_repeat",
    "not_processed_publication",
    "not_processed_excessive",
    "not_processed_confirm_reissue",
    "other_no_correction",
    "other_fee_unpaid",
    "other_other",
    "results_total",
    "carried_over_out",
]


def t3_values(i: int) -> list[int]:
    """Row i of T3: six applicant columns (some zero) and their total."""
    six = [(i * 7 + j * 3) % 11 if (i + j) % 3 else 0 for j in range(6)]
    return [*six, sum(six)]


def vals(table, row):
    return [c.value if c.kind == "number" else c.kind for c in table[row].values()]


# --- markup styles ---------------------------------------------------------------------------------


def word_td(text: str, attrs: str = "") -> str:
    """A cell as Word's 「另存为网页」 writes it: width/valign, MsoNormal paragraph, styled span, <o:p>."""
    body = text if text else "&nbsp;"
    return (
        f"<td width=57 valign=center {attrs} style='width:42.5pt;border:solid windowtext 1.0pt;"
        f"padding:0cm 5.4pt 0cm 5.4pt'><p class=MsoNormal align=center style='text-align:center;"
        f"line-height:14.0pt'><span style='font-size:10.5pt;font-family:仿宋_GB2312'>{body}"
        f"<o:p></o:p></span></p></td>"
    )


def plain_td(text: str, attrs: str = "") -> str:
    return f"<td {attrs}>{text}</td>"


def t3_2021_table(
    td, *, table_attrs: str = "border=1", header: str = "standard", numbered: bool = False
) -> str:
    """The 2021 T3 in one <table>; `header` picks how the applicant columns' header is split."""
    num = (lambda n, attrs="": td(str(n), attrs)) if numbered else (lambda n, attrs="": "")
    if header == "standard":
        head = (
            "<tr>"
            + num("序号", "rowspan=3")
            + td(
                "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
                "colspan=3 rowspan=3",
            )
            + td("申请人情况", "colspan=7")
            + "</tr>"
            "<tr>"
            + td("自然人", "rowspan=2")
            + td("法人或其他组织", "colspan=5")
            + td("总计", "rowspan=2")
            + "</tr>"
            "<tr>"
            + "".join(
                td(x) for x in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
            )
            + "</tr>"
        )
    elif (
        header == "split"
    ):  # no rowspans: 自然人/总计 in the third row, the second row padded with empties
        head = (
            "<tr>"
            + num("序号", "rowspan=3")
            + td(
                "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
                "colspan=3 rowspan=3",
            )
            + td("申请人情况", "colspan=7")
            + "</tr>"
            "<tr>" + td("") + td("法人或其他组织", "colspan=5") + td("") + "</tr>"
            "<tr>"
            + "".join(
                td(x)
                for x in (
                    "自然人",
                    "商业企业",
                    "科研机构",
                    "社会公益组织",
                    "法律服务机构",
                    "其他",
                    "总计",
                )
            )
            + "</tr>"
        )
    else:  # "stacked": Word wraps each header word over several lines in its own paragraph
        head = (
            "<tr>"
            + num("序号", "rowspan=2")
            + td(
                "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
                "colspan=3 rowspan=2",
            )
            + td("申请人情况", "colspan=7")
            + "</tr>"
            "<tr>"
            + "".join(
                td(x)
                for x in (
                    "自然人",
                    "法人或其他组织<br>商业<br>企业",
                    "科研<br>机构",
                    "社会公益<br>组织",
                    "法律服务<br>机构",
                    "其他",
                    "总计",
                )
            )
            + "</tr>"
        )
    rows = []
    group_open: dict[str, int] = {}
    spans = {g: sum(1 for _, gg in T3_2021_LABELS if gg == g) for _, g in T3_2021_LABELS if g}
    sub_spans = {
        g: sum(1 for _, gg in T3_2021_LABELS if gg == g)
        for g in ("（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理")
    }
    for i, (label, group) in enumerate(T3_2021_LABELS):
        cells = num(i + 1)
        if group is None:
            cells += td(label, "colspan=3")
        elif group == "三、本年度办理结果":
            if group not in group_open:
                group_open[group] = i
                cells += td(group, f"rowspan={spans[group] + sum(sub_spans.values())}")
            cells += td(label, "colspan=2")
        else:
            if "三、本年度办理结果" not in group_open:
                raise AssertionError("results group opens with 予以公开")
            if group not in group_open:
                group_open[group] = i
                cells += td(group, f"rowspan={sub_spans[group]}")
            cells += td(label)
        cells += "".join(td(str(v)) for v in t3_values(i))
        rows.append(f"<tr>{cells}</tr>")
    return f"<table {table_attrs}>{head}{''.join(rows)}</table>"


def t4_table(td, values: list[str], *, table_attrs: str = "border=1") -> str:
    head = (
        "<tr>" + td("行政复议", "colspan=5") + td("行政诉讼", "colspan=10") + "</tr>"
        "<tr>"
        + "".join(
            td(x, "rowspan=2") for x in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
        )
        + td("未经复议直接起诉", "colspan=5")
        + td("复议后起诉", "colspan=5")
        + "</tr>"
        "<tr>"
        + "".join(td(x) for x in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计") * 2)
        + "</tr>"
    )
    return f"<table {table_attrs}>{head}<tr>{''.join(td(v) for v in values)}</tr></table>"


def t2_2021_tables(td, *, table_attrs: str = "border=1") -> list[str]:
    """The 2021 T2 as four separate tables, one per 第二十条 item (as many CMS pages do)."""

    def table(caption: str, header: list[str], rows: list[list[str]]) -> str:
        width = max(len(header), *(len(r) for r in rows))
        out = "<tr>" + td(caption, f"colspan={width}") + "</tr>"
        out += (
            "<tr>"
            + td(header[0])
            + "".join(
                td(h, f"colspan={width - 1}" if len(header) == 2 and width > 2 else "")
                for h in header[1:]
            )
            + "</tr>"
        )
        for r in rows:
            out += (
                "<tr>"
                + td(r[0])
                + "".join(
                    td(v, f"colspan={width - 1}" if len(r) == 2 and width > 2 else "")
                    for v in r[1:]
                )
                + "</tr>"
            )
        return f"<table {table_attrs}>{out}</table>"

    return [
        table(
            "第二十条第（一）项",
            ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
            [["规章", "0", "0", "2"], ["行政规范性文件", "5", "1", "37"]],
        ),
        table("第二十条第（五）项", ["信息内容", "本年处理决定数量"], [["行政许可", "1,203"]]),
        table(
            "第二十条第（六）项",
            ["信息内容", "本年处理决定数量"],
            [["行政处罚", "56"], ["行政强制", "0"]],
        ),
        table(
            "第二十条第（八）项",
            ["信息内容", "本年收费金额（单位：万元）"],
            [["行政事业性收费", "12.5"]],
        ),
    ]


NARRATIVE = (
    "<p>一、总体情况</p><p>2021年，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，"
    "坚持以公开为常态、不公开为例外，全面推进决策、执行、管理、服务、结果公开。</p>"
)
CLOSING = (
    "<p>五、存在的主要问题及改进情况</p><p>一是公开内容不够全面；二是解读形式较为单一。</p>"
    "<p>六、其他需要报告的事项</p><p>本年度未收取信息处理费。</p>"
)
T4_2021 = ["1", "0", "0", "0", "1", "2", "1", "0", "0", "3", "0", "0", "0", "0", "0"]


def _assert_t3_2021(report) -> None:
    t3 = report.tables["applications"]
    for i, key in enumerate(T3_2021_KEYS):
        assert vals(t3, key) == t3_values(i), key


# --- Word-exported HTML, GBK, declared gb2312 -------------------------------------------------------

WORD_PAGE = (
    '<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">'
    '<head><meta http-equiv=Content-Type content="text/html; charset=gb2312">'
    '<meta name=Generator content="Microsoft Word 15"><title>某市民政局2021年政府信息公开工作年度报告</title>'
    "<style><!-- p.MsoNormal {margin:0cm;text-align:justify;font-size:10.5pt;} --></style></head>"
    "<body lang=ZH-CN style='tab-interval:21.0pt'><div class=WordSection1 style='layout-grid:15.6pt'>"
    "<p class=MsoNormal align=center style='text-align:center'><b><span style='font-size:22.0pt;"
    "font-family:方正小标宋简体'>某市民政局2021年政府信息公开工作年度报告<o:p></o:p></span></b></p>"
    "<p class=MsoNormal style='text-indent:32.0pt'><span style='font-size:16.0pt;font-family:仿宋_GB2312'>"
    "本报告中所列数据的统计期限自2021年1月1日起至2021年12月31日止。<o:p></o:p></span></p>"
    "<p class=MsoNormal style='text-indent:32.0pt'><span style='font-family:黑体'>一、总体情况<o:p></o:p></span></p>"
    "<p class=MsoNormal style='text-indent:32.0pt'><span>2021年，我局坚持以公开为常态、不公开为例外，"
    "深入推进政务公开工作。<span lang=EN-US>&nbsp;</span><o:p></o:p></span></p>"
    "<p class=MsoNormal><span style='font-family:黑体'>二、主动公开政府信息情况<o:p></o:p></span></p>"
    "{t2}"
    "<p class=MsoNormal><span style='font-family:黑体'>三、收到和处理政府信息公开申请情况<o:p></o:p></span></p>"
    "{t3}"
    "<p class=MsoNormal><span style='font-family:黑体'>四、政府信息公开行政复议、行政诉讼情况<o:p></o:p></span></p>"
    "{t4}"
    "<p class=MsoNormal><span style='font-family:黑体'>五、存在的主要问题及改进情况<o:p></o:p></span></p>"
    "<p class=MsoNormal><span>工作人员业务能力有待提高。<o:p></o:p></span></p>"
    "<p class=MsoNormal><span style='font-family:黑体'>六、其他需要报告的事项<o:p></o:p></span></p>"
    "<p class=MsoNormal><span>无。<o:p></o:p></span></p></div></body></html>"
)


@pytest.fixture(scope="module")
def word_gbk():
    mso = "class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 style='border-collapse:collapse;border:none'"
    t2 = t2_2021_tables(word_td, table_attrs=mso)
    # Word ends every table with a row of empty width-setting cells
    t2 = [
        t.replace(
            "</table>",
            "<![if !supportMisalignedColumns]><tr height=0><td width=57 style='border:none'></td>"
            "<td width=57 style='border:none'></td></tr><![endif]></table>",
        )
        for t in t2
    ]
    page = (
        WORD_PAGE.replace("{t2}", "".join(t2))
        .replace("{t3}", t3_2021_table(word_td, table_attrs=mso))
        .replace("{t4}", t4_table(word_td, T4_2021, table_attrs=mso))
    )
    return parse(
        page.encode("gbk"),
        content_type="text/html",
        source_url="http://mzj.example.gov.cn/art/2022/1/20/art_1_1.html",
    )


def test_word_export_in_gbk_reads_metadata(word_gbk):
    r = word_gbk
    assert r.encoding == "gb18030" and r.format_version == "2021"
    assert (r.agency_name, r.report_year) == ("某市民政局", 2021)
    assert (r.stat_period.start, r.stat_period.end) == ("2021-01-01", "2021-12-31")
    assert set(r.sections) == {
        "overview",
        "active_disclosure",
        "applications",
        "review_litigation",
        "problems",
        "other_matters",
    }


def test_word_export_t2_in_four_tables_with_spans_and_thousands_separator(word_gbk):
    t2 = word_gbk.tables["active_disclosure"]
    assert vals(t2, "regulations") == [0, 0, 2]
    assert vals(t2, "normative_documents") == [5, 1, 37]
    assert vals(t2, "administrative_licensing") == [1203]
    assert vals(t2, "administrative_penalty") == [56]
    assert vals(t2, "administrative_coercion") == [0]
    assert vals(t2, "administrative_fees") == [12.5]


def test_word_export_t3_every_cell_in_its_column(word_gbk):
    _assert_t3_2021(word_gbk)


def test_word_export_t4(word_gbk):
    t4 = word_gbk.tables["review_litigation"]
    assert vals(t4, "admin_review") == [1, 0, 0, 0, 1]
    assert vals(t4, "litigation_direct") == [2, 1, 0, 0, 3]
    assert vals(t4, "litigation_after_review") == [0, 0, 0, 0, 0]
    assert not [
        n for n in word_gbk.notes if n.code in ("missing_row", "unsure_cell", "unknown_row")
    ]


# --- TRS WCM article: .trs_editor_view > .TRS_Editor, title outside the body -----------------------


def _trs_page(
    t3: str, *, t2: str | None = None, t4: str | None = None, charset: str = "utf-8"
) -> str:
    t2 = t2 if t2 is not None else "".join(t2_2021_tables(plain_td))
    t4 = t4 if t4 is not None else t4_table(plain_td, T4_2021)
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}">'
        "<title>某县人民政府办公室2021年政府信息公开工作年度报告_年度报告_某县人民政府</title>"
        '<meta name="ArticleTitle" content="某县人民政府办公室2021年政府信息公开工作年度报告">'
        '<meta name="PubDate" content="2022-01-25 16:30"><meta name="ContentSource" content="县政府办">'
        '</head><body><div class="header"><ul class="nav"><li><a href="/">首页</a></li>'
        '<li><a href="/zwgk/">政务公开</a></li></ul></div>'
        '<div class="position">当前位置：<a href="/">首页</a> &gt; 政府信息公开年报</div>'
        '<div class="xxgk_title"><h2>某县人民政府办公室2021年政府信息公开工作年度报告</h2></div>'
        '<div class="view TRS_UEDITOR trs_paper_default trs_web"><div class="trs_editor_view TRS_UEDITOR '
        'trs_paper_default trs_web"><div class="TRS_Editor">'
        f"{NARRATIVE}<p>二、主动公开政府信息情况</p>{t2}<p>三、收到和处理政府信息公开申请情况</p>{t3}"
        f"<p>四、政府信息公开行政复议、行政诉讼情况</p>{t4}{CLOSING}</div></div></div>"
        '<div class="bdsharebuttonbox"><a class="bds_weixin">分享到微信</a></div>'
        '<div class="footer">版权所有：某县人民政府 ICP备00000000号</div></body></html>'
    )


@pytest.mark.parametrize("header", ["standard", "split", "stacked"])
def test_trs_article_t3_header_split_across_rows_differently(header):
    r = parse(
        _trs_page(t3_2021_table(plain_td, header=header)).encode("utf-8"),
        content_type="text/html; charset=utf-8",
    )
    assert r.title == "某县人民政府办公室2021年政府信息公开工作年度报告"
    assert (r.publish_date, r.report_year, r.format_version) == ("2022-01-25", 2021, "2021")
    _assert_t3_2021(r)
    assert vals(r.tables["active_disclosure"], "administrative_licensing") == [1203]
    assert vals(r.tables["review_litigation"], "litigation_direct") == [2, 1, 0, 0, 3]


def test_trs_article_t3_with_a_column_of_row_numbers():
    r = parse(_trs_page(t3_2021_table(plain_td, numbered=True)).encode("utf-8"))
    _assert_t3_2021(r)
    assert not [n for n in r.notes if n.code in ("missing_row", "unsure_cell", "extra_values")]


# --- Hanweb art_ page: <div id="zoom"> with the tables, 2019 format ---------------------------------

HANWEB_2019 = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>某区交通运输局2019年政府信息公开工作年度报告</title>
<meta name="ArticleTitle" content="某区交通运输局2019年政府信息公开工作年度报告">
<meta name="PubDate" content="2020-01-15 09:12"><meta name="ContentSource" content="某区交通运输局">
</head><body><div id="barrierfree_container"><div class="top">无障碍浏览 | 长者模式</div>
<table width="1000" align="center"><tr><td class="bt_link">首页 &gt; 信息公开 &gt; 年度报告</td></tr></table>
<table width="1000" align="center"><tr><td>
<table width="100%"><tr><td class="title" align="center">某区交通运输局2019年政府信息公开工作年度报告</td></tr>
<tr><td align="center">发布日期：2020-01-15　信息来源：某区交通运输局　浏览次数：<span id="hits">128</span></td></tr></table>
<div id="zoom"><p>　　本报告中所列数据的统计期限自2019年1月1日起至2019年12月31日止。</p>
<p>　　一、总体情况</p><p>　　2019年，我局按照区政府部署，扎实做好政府信息公开工作。</p>
<p>　　二、主动公开政府信息情况</p>
<table border="1" cellspacing="0" cellpadding="0" align="center">
<tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年新制作数量</td><td>本年新公开数量</td><td>对外公开总数量</td></tr>
<tr><td>规章</td><td>０</td><td>０</td><td>０</td></tr>
<tr><td>规范性文件</td><td>３</td><td>３</td><td>２５</td></tr>
<tr><td colspan="4">第二十条第（五）项</td></tr>
<tr><td>信息内容</td><td>上一年项目数量</td><td>本年增/减</td><td>处理决定数量</td></tr>
<tr><td>行政许可</td><td>12</td><td>+2</td><td>3,456件</td></tr>
<tr><td>其他对外管理服务事项</td><td>5</td><td>－1</td><td>87</td></tr>
<tr><td colspan="4">第二十条第（六）项</td></tr>
<tr><td>信息内容</td><td>上一年项目数量</td><td>本年增/减</td><td>处理决定数量</td></tr>
<tr><td>行政处罚</td><td>20</td><td>-3</td><td>412</td></tr>
<tr><td>行政强制</td><td>2</td><td>0</td><td>6</td></tr>
<tr><td colspan="4">第二十条第（八）项</td></tr>
<tr><td>信息内容</td><td>上一年项目数量</td><td colspan="2">本年增/减</td></tr>
<tr><td>行政事业性收费</td><td>1</td><td colspan="2">-1</td></tr>
<tr><td colspan="4">第二十条第（九）项</td></tr>
<tr><td>信息内容</td><td>采购项目数量</td><td colspan="2">采购总金额</td></tr>
<tr><td>政府集中采购</td><td>4</td><td colspan="2">35.6万元</td></tr>
</table>
<p>　　三、收到和处理政府信息公开申请情况</p>
<table border="1" cellspacing="0" cellpadding="0">
<tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td><td colspan="7">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
<tr><td colspan="3">一、本年新收政府信息公开申请数量</td><td>１２</td><td>２</td><td>0</td><td>0</td><td>1</td><td>0</td><td>１５</td></tr>
<tr><td colspan="3">二、上年结转政府信息公开申请数量</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>
<tr><td rowspan="22">三、本年度办理结果</td><td colspan="2">（一）予以公开</td><td>6</td><td>1</td><td>0</td><td>0</td><td>1</td><td>0</td><td>8</td></tr>
<tr><td colspan="2">（二）部分公开（区分处理的，只计这一情形，不计其他情形）</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>
<tr><td rowspan="8">（三）不予公开</td><td>1.属于国家秘密</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>2.其他法律行政法规禁止公开</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>3.危及“三安全一稳定”</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>4.保护第三方合法权益</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>5.属于三类内部事务信息</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>6.属于四类过程性信息</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>
<tr><td>7.属于行政执法案卷</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>8.属于行政查询事项</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td rowspan="3">（四）无法提供</td><td>1.本机关不掌握相关政府信息</td><td>3</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>4</td></tr>
<tr><td>2.没有现成信息需要另行制作</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>3.补正后申请内容仍不明确</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td rowspan="5">（五）不予处理</td><td>1.信访举报投诉类申请</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>
<tr><td>2.重复申请</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>3.要求提供公开出版物</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>4.无正当理由大量反复申请</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>5.要求行政机关确认或重新出具已获取信息</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td colspan="2">（六）其他处理</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td colspan="2">（七）总计</td><td>12</td><td>2</td><td>0</td><td>0</td><td>1</td><td>0</td><td>15</td></tr>
<tr><td colspan="3">四、结转下年度继续办理</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>
</table>
<p>　　四、政府信息公开行政复议、行政诉讼情况</p>
<table border="1" cellspacing="0" cellpadding="0">
<tr><td colspan="5">行政复议</td><td colspan="10">行政诉讼</td></tr>
<tr><td rowspan="2">结果维持</td><td rowspan="2">结果纠正</td><td rowspan="2">其他结果</td><td rowspan="2">尚未审结</td><td rowspan="2">总计</td><td colspan="5">未经复议直接起诉</td><td colspan="5">复议后起诉</td></tr>
<tr><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td></tr>
<tr><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td><td>0</td><td>0</td><td>0</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
</table>
<p>　　五、政府信息公开工作存在的主要问题及改进情况</p><p>　　公开的及时性有待加强。</p>
<p>　　六、其他需要报告的事项</p><p>　　无。</p></div>
<div class="fx">分享到：<a>微信</a><a>微博</a></div></td></tr></table>
<div class="bottom">主办：某区人民政府办公室</div></div></body></html>"""


@pytest.fixture(scope="module")
def hanweb():
    return parse(
        HANWEB_2019.encode("utf-8"),
        source_url="http://www.example.gov.cn/art/2020/1/15/art_1234_5678.html",
    )


def test_hanweb_2019_metadata(hanweb):
    assert hanweb.format_version == "2019"
    assert (hanweb.agency_name, hanweb.report_year, hanweb.publish_date) == (
        "某区交通运输局",
        2019,
        "2020-01-15",
    )
    assert len(hanweb.sections) == 6


def test_hanweb_2019_five_t2_blocks_with_signed_changes_full_width_digits_and_units(hanweb):
    t2 = hanweb.tables["active_disclosure"]
    assert vals(t2, "regulations") == [0, 0, 0]
    assert vals(t2, "normative_documents") == [3, 3, 25]
    assert vals(t2, "administrative_licensing") == [12, 2, 3456]
    assert vals(t2, "other_external_services") == [5, -1, 87]
    assert vals(t2, "administrative_penalty") == [20, -3, 412]
    assert vals(t2, "administrative_coercion") == [2, 0, 6]
    assert vals(t2, "administrative_fees") == [1, -1]
    assert vals(t2, "centralized_procurement") == [4, 35.6]
    assert t2["centralized_procurement"]["procurement_amount"].unit == "万元"
    assert t2["administrative_licensing"]["decisions"].unit == "件"


def test_hanweb_2019_t3_and_t4(hanweb):
    t3, t4 = hanweb.tables["applications"], hanweb.tables["review_litigation"]
    assert vals(t3, "new_received") == [12, 2, 0, 0, 1, 0, 15]
    assert vals(t3, "denied_process_info") == [1, 0, 0, 0, 0, 0, 1]
    assert vals(t3, "unable_not_held") == [3, 1, 0, 0, 0, 0, 4]
    assert vals(t3, "other_handling") == [0] * 7
    assert vals(t3, "results_total") == [12, 2, 0, 0, 1, 0, 15]
    assert vals(t3, "carried_over_out") == [1, 0, 0, 0, 0, 0, 1]
    assert vals(t4, "litigation_direct") == [1, 0, 0, 0, 1]
    assert not [n for n in hanweb.notes if n.code in ("missing_row", "unsure_cell", "unknown_row")]


# --- tables as pictures --------------------------------------------------------------------------


def test_trs_page_whose_tables_are_images_is_image_only():
    t = '<p style="text-align:center"><img src="./W020220125{}.png" width="600" oldsrc="W020220125{}.png"></p>'
    page = _trs_page(t.format(3, 3), t2=t.format(2, 2), t4=t.format(4, 4))
    r = parse(page.encode("utf-8"))
    assert r.source_modality == "image"
    assert any(n.code == "image_only" for n in r.notes)
    assert (r.report_year, r.title) == (2021, "某县人民政府办公室2021年政府信息公开工作年度报告")
    assert all(t is None for t in r.tables.values())


# --- more layouts seen on portals ------------------------------------------------------------------


def _page(t2: str, t3: str, t4: str, *, head: str = "") -> bytes:
    return (
        f"<html><head>{head}</head><body><div class='TRS_Editor'><p>某局2021年政府信息公开工作年度报告</p>{NARRATIVE}"
        f"<p>二、主动公开政府信息情况</p>{t2}<p>三、收到和处理政府信息公开申请情况</p>{t3}"
        f"<p>四、政府信息公开行政复议、行政诉讼情况</p>{t4}{CLOSING}</div></body></html>"
    ).encode("gbk" if "gb2312" in head else "utf-8")


T2_PLAIN = "".join(t2_2021_tables(plain_td))
T3_PLAIN = t3_2021_table(plain_td)
T4_PLAIN = t4_table(plain_td, T4_2021)


def test_excel_exported_tables_with_col_elements_and_x_num_cells():
    def xl_td(text: str, attrs: str = "") -> str:
        num = " x:num" if text.replace(".", "").isdigit() else ""
        return f"<td class=xl65 {attrs}{num}>{text}</td>"

    t3 = t3_2021_table(
        xl_td,
        table_attrs="x:str border=0 cellpadding=0 cellspacing=0 width=864 "
        "style='border-collapse:collapse;table-layout:fixed;width:648pt'",
    )
    t3 = t3.replace(">", "><col width=72 span=12 style='width:54pt'>", 1).replace(
        "<tr>", "<tr height=19>"
    )
    t2 = "".join(
        t2_2021_tables(lambda t, a="": f"<td {a}><font face=仿宋_GB2312 size=3>{t}</font></td>")
    )
    r = parse(_page(t2, t3, t4_table(xl_td, T4_2021), head="<meta charset=gb2312>"))
    assert r.encoding == "gb18030"
    _assert_t3_2021(r)
    assert vals(r.tables["active_disclosure"], "normative_documents") == [5, 1, 37]
    assert vals(r.tables["review_litigation"], "admin_review") == [1, 0, 0, 0, 1]


def test_t3_split_over_two_tables_at_a_page_break_keeps_every_row():
    rows = T3_PLAIN.split("</tr>")
    first = "</tr>".join(rows[:14]) + "</tr></table>"  # Word keeps the group's rowspan as it was
    second = "<table border=1>" + "</tr>".join(rows[14:])
    r = parse(_page(T2_PLAIN, first + "<p>&nbsp;</p>" + second, T4_PLAIN))
    _assert_t3_2021(r)


def test_t3_with_label_columns_two_wide():
    t3 = T3_PLAIN.replace("colspan=3", "colspan=2").replace(
        "<td rowspan=22>三、本年度办理结果</td><td colspan=2>（一）予以公开</td>",
        "<td rowspan=22>三、本年度办理结果</td><td>（一）予以公开</td>",
    )
    r = parse(_page(T2_PLAIN, t3, T4_PLAIN))
    _assert_t3_2021(r)


def test_t4_with_a_leading_label_column():
    t4 = T4_PLAIN.replace(
        "<tr><td colspan=5>行政复议", "<tr><td rowspan=3></td><td colspan=5>行政复议"
    ).replace("<tr><td >1</td>", "<tr><td>数量</td><td >1</td>")
    assert "数量" in t4
    r = parse(_page(T2_PLAIN, T3_PLAIN, t4))
    t4 = r.tables["review_litigation"]
    assert vals(t4, "admin_review") == [1, 0, 0, 0, 1]
    assert vals(t4, "litigation_direct") == [2, 1, 0, 0, 3]
    assert vals(t4, "litigation_after_review") == [0, 0, 0, 0, 0]


def test_full_width_digits_comma_and_decimal_point_with_a_unit():
    t2 = (
        T2_PLAIN.replace(">1,203<", ">１，２０３<")
        .replace(">12.5<", ">１２．５万元<")
        .replace(">37<", ">３７件<")
    )
    t2r = parse(_page(t2, T3_PLAIN, T4_PLAIN)).tables["active_disclosure"]
    assert vals(t2r, "administrative_licensing") == [1203]
    assert vals(t2r, "administrative_fees") == [12.5]
    assert t2r["administrative_fees"]["fee_amount_wan_yuan"].unit == "万元"
    assert t2r["normative_documents"]["in_force"].raw == "３７件"
    assert vals(t2r, "normative_documents") == [5, 1, 37]


def test_dash_and_slash_cells_are_not_numbers():
    t2 = T2_PLAIN.replace(">12.5<", ">/<").replace(">56<", ">—<")
    t2r = parse(_page(t2, T3_PLAIN, T4_PLAIN)).tables["active_disclosure"]
    assert vals(t2r, "administrative_fees") == ["na_slash"]
    assert vals(t2r, "administrative_penalty") == ["na_dash"]


def test_word_runs_split_numbers_and_labels_across_spans_and_line_breaks():
    def runs_td(text: str, attrs: str = "") -> str:
        if text.isdigit() and len(text) > 1:  # Word's spell-checker splits numbers into runs
            body = "".join(f"<span lang=EN-US style='font-size:10.5pt'>{ch}</span>" for ch in text)
        elif len(text) > 6 and not text.startswith("（本列"):
            mid = len(text) // 2
            body = (
                f"<span style='font-family:宋体'>{text[:mid]}</span>"
                f"<span style='mso-bidi-font-family:宋体'><br>{text[mid:]}</span>"
            )
        else:
            body = f"<span lang=EN-US>{text or '&nbsp;'}</span>"
        return f"<td {attrs}><p class=MsoNormal align=center><b>{body}</b><o:p></o:p></p></td>"

    t2 = "".join(t2_2021_tables(runs_td))
    r = parse(_page(t2, t3_2021_table(runs_td, header="stacked"), t4_table(runs_td, T4_2021)))
    _assert_t3_2021(r)
    assert vals(r.tables["active_disclosure"], "normative_documents") == [5, 1, 37]
    assert vals(r.tables["review_litigation"], "litigation_direct") == [2, 1, 0, 0, 3]


def test_gb2312_page_with_characters_outside_gb2312_decodes_as_gb18030():
    head = "<meta http-equiv='Content-Type' content='text/html; charset=gb2312'><title>堃镕县民政局2021年政府信息公开工作年度报告</title>"
    r = parse(
        _page(T2_PLAIN, T3_PLAIN, T4_PLAIN, head=head).replace(
            "某局".encode("gbk"), "堃镕县民政局".encode("gbk")
        )
    )
    assert r.encoding == "gb18030"
    assert r.agency_name == "堃镕县民政局"
    _assert_t3_2021(r)


def test_xhtml_page_with_an_xml_declaration_naming_its_encoding():
    head = "<meta http-equiv='Content-Type' content='text/html; charset=gb2312'>"
    page = (
        b'<?xml version="1.0" encoding="gb2312"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
    ) + _page(T2_PLAIN, T3_PLAIN, T4_PLAIN, head=head).replace(
        b"<html>", b'<html xmlns="http://www.w3.org/1999/xhtml">'
    )
    r = parse(page)
    assert r.encoding == "gb18030"
    _assert_t3_2021(r)


def _unmerged_t3() -> str:
    """Group labels repeated in every row instead of rowspans (tables copied out of Excel)."""
    rows = []
    for i, (label, group) in enumerate(T3_2021_LABELS):
        if group is None:
            cells = f"<td colspan=3>{label}</td>"
        elif group == "三、本年度办理结果":
            cells = f"<td>{group}</td><td></td><td>{label}</td>"
        else:
            cells = f"<td>三、本年度办理结果</td><td>{group}</td><td>{label}</td>"
        rows.append(f"<tr>{cells}{''.join(f'<td>{v}</td>' for v in t3_values(i))}</tr>")
    return T3_PLAIN.split("<tr><td colspan=3>一、")[0] + "".join(rows) + "</table>"


def _thead_t3() -> str:
    head, body = T3_PLAIN.split("<tr><td colspan=3>一、")
    head = (
        head.replace("<table border=1>", "<table border=1><thead>")
        .replace("<td", "<th")
        .replace("</td>", "</th>")
    )
    return (
        f"{head}</thead><tbody><tr><td colspan=3>一、{body.replace('</table>', '</tbody></table>')}"
    )


@pytest.mark.parametrize(
    "t3",
    [
        pytest.param(_unmerged_t3(), id="group-labels-repeated"),
        pytest.param(
            T3_PLAIN.replace(">总计<", ">合计<", 1).replace(">其他<", ">其它<", 1),
            id="header-aliases",
        ),
        pytest.param(_thead_t3(), id="thead-th"),
        pytest.param(
            T3_PLAIN.replace("<td >", "<td >&nbsp;").replace("</td>", "&nbsp;</td>"),
            id="nbsp-padding",
        ),
    ],
)
def test_t3_variants_keep_every_cell_in_its_column(t3):
    r = parse(_page(T2_PLAIN, t3, T4_PLAIN))
    _assert_t3_2021(r)
    assert not [
        n
        for n in r.notes
        if n.code in ("missing_row", "unsure_cell", "unknown_row", "extra_values")
    ]


def test_t4_dashes_for_zero_are_na_dash_in_place():
    t4 = t4_table(
        plain_td, ["1", "—", "—", "—", "1", "2", "1", "—", "—", "3", "—", "—", "—", "—", "—"]
    )
    t4r = parse(_page(T2_PLAIN, T3_PLAIN, t4)).tables["review_litigation"]
    assert vals(t4r, "admin_review") == [1, "na_dash", "na_dash", "na_dash", 1]
    assert vals(t4r, "litigation_direct") == [2, 1, "na_dash", "na_dash", 3]
    assert vals(t4r, "litigation_after_review") == ["na_dash"] * 5


def test_t4_short_text_among_the_values_holds_its_column():
    # 「见附件」 in one cell (or OCR's 「Klb」 for a 0 under a seal): read in order, every value
    # after it would move one column left (2 → 其他结果, 1 → 总计 …)
    t4 = t4_table(
        plain_td, ["1", "0", "0", "0", "1", "2", "见附件", "0", "1", "3", "1", "0", "0", "0", "1"]
    )
    t4r = parse(_page(T2_PLAIN, T3_PLAIN, t4)).tables["review_litigation"]
    assert vals(t4r, "admin_review") == [1, 0, 0, 0, 1]
    assert vals(t4r, "litigation_direct")[:1] + vals(t4r, "litigation_direct")[2:] == [2, 0, 1, 3]
    assert t4r["litigation_direct"]["corrected"].raw == "见附件"
    assert vals(t4r, "litigation_after_review") == [1, 0, 0, 0, 1]


def test_site_name_in_title_tag_and_the_report_title_in_a_heading_outside_the_body():
    page = (
        _page(T2_PLAIN, T3_PLAIN, T4_PLAIN)
        .decode()
        .replace("<head></head>", "<head><title>某某市人民政府门户网站</title></head>")
        .replace(
            "<div class='TRS_Editor'><p>某局2021年政府信息公开工作年度报告</p>",
            "<div class='column-title'>政府信息公开年报</div><h1>某市司法局2021年政府信息公开工作年度报告</h1>"
            "<div class='info'>发布时间：2022年01月28日 来源：市司法局</div><div class='TRS_Editor'>",
        )
    )
    r = parse(page.encode())
    assert (r.title, r.agency_name, r.report_year) == (
        "某市司法局2021年政府信息公开工作年度报告",
        "某市司法局",
        2021,
    )
    assert (r.publish_date, r.page_agency) == ("2022-01-28", "市司法局")
    _assert_t3_2021(r)


@pytest.mark.parametrize("style", ["tabs", "pipes", "cell_per_line"])
def test_pdf_converted_page_with_one_positioned_div_per_line_reads_every_cell(style):
    """pdf2htmlEX-style pages: no <table>, each text line of the PDF an absolutely placed <div>."""
    import html

    from nianbao.samples.render import render_text
    from nianbao.samples.synth import synth_report

    report = synth_report("2021", 5)
    lines = [
        ln.replace("\t", "  ").strip("|").replace("|", " ")
        for ln in render_text(report, style).splitlines()
    ]
    body = "".join(
        f'<div class="t m0 x{i % 9} h2 y{i} ff1 fs0 fc0 sc0 ls0 ws0">{html.escape(ln)}</div>'
        for i, ln in enumerate(lines)
        if ln.strip()
    )
    page = (
        '<html><head><meta charset="utf-8"><title>pdf2htmlEX</title></head><body><div id="page-container">'
        f'<div id="pf1" class="pf w0 h0"><div class="pc pc1 w0 h0">{body}</div></div></div></body></html>'
    )
    r = parse(page.encode())
    assert (r.title, r.format_version) == (report.title, "2021")
    for name, table in report.tables.items():
        for key, row in table.items():
            assert [(c.kind, c.value) for c in r.tables[name][key].values()] == [
                (c.kind, c.value) for c in row.values()
            ]


def test_t4_values_left_of_a_misread_first_header_cell_keep_their_columns():
    # OCR read the first 「结果维持」 of a scanned 2019 T4 as 「结果维」 (its last character wrapped
    # and lost): read from the next 「结果维持」 on, 行政复议's five values were dropped and each
    # litigation group's passed on as the group before it, every one sure
    t4 = t4_table(
        plain_td, ["5", "2", "1", "5", "13", "3", "3", "1", "3", "10", "1", "0", "2", "2", "5"]
    ).replace("结果维持", "结果维", 1)
    t4r = parse(_page(T2_PLAIN, T3_PLAIN, t4)).tables["review_litigation"]
    assert vals(t4r, "admin_review") == [5, 2, 1, 5, 13]
    assert vals(t4r, "litigation_direct") == [3, 3, 1, 3, 10]
    assert vals(t4r, "litigation_after_review") == [1, 0, 2, 2, 5]
