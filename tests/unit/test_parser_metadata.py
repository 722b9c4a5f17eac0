"""Title, agency, year, statistics period, publication date, page agency and cited notices."""

from __future__ import annotations

import pytest

from services.parser.document import Document, Paragraph
from services.parser.read.metadata import find_notices, find_stat_period, read_metadata, split_title
from shared.nfkc import nfkc


def md_of(*paras: str, **doc_kw):
    doc = Document(blocks=[Paragraph(p) for p in paras], **doc_kw)
    return read_metadata(doc, nfkc(doc.text()))  # as interpret calls it


@pytest.mark.parametrize(
    ("title", "agency", "year"),
    [
        (
            "温州市鹿城区经济和信息化局2021年政府信息公开工作年度报告",
            "温州市鹿城区经济和信息化局",
            2021,
        ),
        ("2022年度螅镇政府信息公开工作年度报告", "螅镇", 2022),
        (
            "上海市黄浦区人民政府2022年政府信息公开工作年度报告（超链版）",
            "上海市黄浦区人民政府",
            2022,
        ),
        ("宿州市人民政府2019年政府信息公开工作年度报告（图片版）", "宿州市人民政府", 2019),
        ("某某县人民政府关于2020年度政府信息公开工作年度报告", "某某县人民政府", 2020),
        ("福州市晋安区2016年政府信息公开工作年度报告", "福州市晋安区", 2016),
        ("北京市某某区2015年政务公开工作年度报告", "北京市某某区", 2015),
        ("某某市民政局政府信息公开工作2022年度报告", "某某市民政局", 2022),
        ("2021年某某区人民政府政府信息公开工作年度报告", "某某区人民政府", 2021),
        ("【年度报告】某某区财政局2021年政府信息公开工作年度报告", "某某区财政局", 2021),
    ],
)
def test_agency_is_the_title_without_year_and_report_words(title, agency, year):
    assert split_title(title) == (agency, year)


def test_title_is_the_first_report_line_and_markdown_hashes_are_dropped():
    md = md_of(
        "网站首页 > 信息公开", "# 卫辉市科技和工业信息化局2021年政府信息公开工作年度报告", "正文"
    )
    assert md.title == "卫辉市科技和工业信息化局2021年政府信息公开工作年度报告"
    assert (md.agency_name, md.report_year) == ("卫辉市科技和工业信息化局", 2021)


def test_a_title_split_after_the_agency_is_joined():
    md = md_of("宁波市镇海区经济和信息化局", "2021年度政府信息公开工作年度报告", "一、总体情况")
    assert md.agency_name == "宁波市镇海区经济和信息化局"
    assert md.report_year == 2021


def test_chinese_numeral_years_in_titles_are_read():
    md = md_of("某某市统计局二〇二一年政府信息公开工作年度报告")
    assert (md.agency_name, md.report_year) == ("某某市统计局", 2021)


def test_container_title_is_used_when_the_body_has_none():
    md = md_of(
        "正文第一段。", title="某某区教育局2023年政府信息公开工作年度报告_某某区人民政府门户网站"
    )
    assert md.title == "某某区教育局2023年政府信息公开工作年度报告"
    assert md.report_year == 2023


@pytest.mark.parametrize(
    ("text", "period"),
    [
        (
            "本报告中所列数据的统计期限自2021年1月1日起至2021年12月31日止。",
            ("2021-01-01", "2021-12-31"),
        ),
        ("统计期限自2021年1月1日至12月31日。", ("2021-01-01", "2021-12-31")),
        ("本年度报告中所列数据统计期限从2021年1月1日到12月31日止。", ("2021-01-01", "2021-12-31")),
        ("所列数据的统计期限为2020年1月1日—2020年12月31日", ("2020-01-01", "2020-12-31")),
        ("统计时间为 2019 年 1 月 1 日至 2019 年 12 月 31 日", ("2019-01-01", "2019-12-31")),
    ],
)
def test_statistics_period_variants(text, period):
    sp = find_stat_period(nfkc(text))
    assert (sp.start, sp.end) == period


def test_year_comes_from_the_period_when_the_title_has_none():
    md = md_of(
        "政府信息公开工作年度报告", "本报告所列数据统计期限自2020年1月1日起至2020年12月31日止。"
    )
    assert md.report_year == 2020


def test_publish_date_and_source_from_the_page_line():
    md = md_of(
        "钱塘区经济信息化和科学技术局2022年政府信息公开工作年度报告",
        "发布日期:2023-01-28 15:26 信息来源:区经济信息化和科学技术局",
    )
    assert md.publish_date == "2023-01-28"
    assert md.page_agency == "区经济信息化和科学技术局"


def test_publish_date_in_chinese_form_and_from_the_container():
    assert md_of("发布时间：2022年1月5日").publish_date == "2022-01-05"
    assert md_of("正文", publish_date="2021-02-03 10:00:00").publish_date == "2021-02-03"
    assert md_of("正文", page_agency="某某县人民政府办公室").page_agency == "某某县人民政府办公室"


def test_cited_notices_are_collected_once_each_in_canonical_brackets():
    text = (
        "按照（国办公开办函〔2021〕30号）和国办公开办函[2019]60号、国办公开办函〔2021〕30号的要求"
    )
    assert find_notices(nfkc(text)) == ["国办公开办函〔2021〕30号", "国办公开办函〔2019〕60号"]


def test_a_breadcrumb_naming_the_column_is_not_taken_for_the_title():
    md = md_of(
        "首页 > 政府信息公开 > 政府信息公开年报",
        "某某县水利局2022年政府信息公开工作年度报告",
        "一、总体情况",
    )
    assert md.title == "某某县水利局2022年政府信息公开工作年度报告"


def test_year_from_the_text_when_neither_title_nor_period_has_it():
    md = md_of("政府信息公开工作年度报告", "现将本局2020年度政府信息公开工作年度报告公布如下。")
    assert md.report_year == 2020


def test_a_sentence_about_the_report_is_not_its_title():
    md = md_of(
        "现将某某局2021年政府信息公开工作年度报告公布如下：", "某某局2021年政府信息公开工作年度报告"
    )
    assert md.title == "某某局2021年政府信息公开工作年度报告"


def test_a_file_extension_is_not_part_of_the_agency():
    assert split_title("某某区审计局2022年政府信息公开工作年度报告.pdf") == ("某某区审计局", 2022)


def test_a_breadcrumb_ending_in_the_title_is_not_the_title():
    md = md_of(
        "当前位置：首页 > 政府信息公开 > 某某局2021年政府信息公开工作年度报告",
        "某某局2021年政府信息公开工作年度报告",
    )
    assert md.agency_name == "某某局"


def test_a_title_split_after_the_year_is_joined():
    md = md_of("某某县林业局2022年度", "政府信息公开工作年度报告", "一、总体情况")
    assert (md.title, md.agency_name, md.report_year) == (
        "某某县林业局2022年度政府信息公开工作年度报告",
        "某某县林业局",
        2022,
    )


@pytest.mark.parametrize(
    "container",
    [
        "C:\\Users\\admin\\Desktop\\鹿城区经信局2022年政府信息公开工作年度报告.docx",
        "鹿城区经信局2022年政府信息公开工作年度报告.pdf",
        "Microsoft Word - 2022年报.doc",
        "untitled",
    ],
)
def test_metadata_never_comes_from_a_file_name(container):
    md = md_of("　", title=container)
    assert md.title is None and md.agency_name is None


def test_crawler_header_lines_never_leak_into_the_agency():
    md = md_of(
        "标题: 温州市鹿城区经济和信息化局2022年政府信息公开工作年度报告",
        "发布机构: ",
        "来源：http://www.lucheng.gov.cn/art/2023/1/12/art_1229_5542.html",
        "栏目：政府信息公开年报",
        "一、总体情况",
    )
    assert md.agency_name == "温州市鹿城区经济和信息化局" and md.report_year == 2022
    assert md.page_agency is None
