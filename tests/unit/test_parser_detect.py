"""Format detection from header labels: 2021 / 2019 / pre2019 / unknown."""

from __future__ import annotations

from services.parser.read.detect import detect as detect_nfkc
from shared.nfkc import nfkc


def detect(text: str, **known) -> str:
    """`detect` as `interpret` calls it: on the document's text in NFKC."""
    return detect_nfkc(nfkc(text), **known)


def test_2021_column_labels_mean_the_2021_format_even_for_a_2022_title():
    assert (
        detect(
            "信息内容 本年制发件数 本年废止件数 现行有效件数 本年收费金额（单位：万元）", year=2022
        )
        == "2021"
    )


def test_2019_labels_mean_2019_even_when_the_year_is_2022():
    text = "信息内容 本年新制作数量 本年新公开数量 对外公开总数量 第二十条第(九)项 政府集中采购 采购项目数量"
    assert detect(text, year=2022) == "2019"


def test_without_t2_the_2021_other_handling_sub_rows_decide():
    text = "一、本年新收政府信息公开申请数量 0 结转下年度继续办理 1.申请人无正当理由逾期不补正、行政机关不再处理"
    assert detect(text, year=2019) == "2021"


def test_without_t2_and_sub_rows_the_year_breaks_the_tie():
    text = "本年新收政府信息公开申请数量 上年结转政府信息公开申请数量 结转下年度继续办理 其他处理"
    assert detect(text, year=2020) == "2019"
    assert detect(text, year=2023) == "2021"


def test_free_form_report_before_2019_is_pre2019():
    text = "某某区2016年政府信息公开工作年度报告\n一、概述\n二、主动公开政府信息情况\n三、依申请公开政府信息情况"
    assert detect(text, title="某某区2016年政府信息公开工作年度报告") == "pre2019"


def test_pre2019_sections_without_a_title_are_still_a_report():
    text = "一、概述 … 二、主动公开政府信息情况 … 三、依申请公开政府信息情况 … 五、存在的主要问题及改进措施"
    assert detect(text) == "pre2019"


def test_news_and_error_pages_are_unknown():
    assert detect("404 Not Found 您访问的页面不存在") == "unknown"
    assert (
        detect("区长带队检查安全生产工作，要求各部门压实责任。", title="区长带队检查安全生产")
        == "unknown"
    )


def test_t2_captions_alone_make_a_tabled_report_and_item_nine_means_2019():
    assert detect("第二十条第（一）项 规章 0 0 0", year=2022) == "2021"
    assert detect("第二十条第（一）项 … 第二十条第(九)项 政府集中采购", year=2022) == "2019"


def test_a_mirror_in_traditional_characters_is_detected():
    assert detect("信息內容 本年新製作數量 本年新公開數量 對外公開總數量 上一年項目數量") == "2019"
