"""Plain text → blocks: each text linearisation of a table becomes an inexact Grid."""

from __future__ import annotations

from services.parser.document import Grid, Paragraph
from services.parser.extract.textgrid import text_blocks, unglue


def grids(blocks):
    return [b for b in blocks if isinstance(b, Grid)]


def test_cell_per_line_rows_are_separated_by_blank_lines_and_wrapped_cells_rejoined():
    text = "二、主动公开\n\t信息内容\n\t本年制发件数\n\n\t\n\t商业\n企业\n\t科研\n机构\n\n\t规章\n\t　0　\n\t1\n"
    blocks = text_blocks(text)
    assert isinstance(blocks[0], Paragraph) and blocks[0].text == "二、主动公开"
    (g,) = grids(blocks)
    assert g.exact is False
    assert g.rows == [
        ["信息内容", "本年制发件数"],
        ["", "商业\n企业", "科研\n机构"],
        ["规章", "　0　", "1"],
    ]


def test_a_line_indented_with_a_space_before_the_tab_is_still_a_cell():
    text = "\t行政规范性文件\n\t1\n\t2\n \t第二十条第（五）项\n"
    (g,) = grids(text_blocks(text))
    assert g.rows == [["行政规范性文件", "1", "2", "第二十条第（五）项"]]


def test_tab_separated_rows_keep_empty_cells_and_trailing_tabs():
    text = (
        "## 二、主动公开政府信息情况\n\n第二十条第（一）项\t\t\t\n规章\t0\t0\t0\n行政许可\t5\t\t\n"
    )
    blocks = text_blocks(text)
    assert blocks[0].text == "## 二、主动公开政府信息情况"
    (g,) = grids(blocks)
    assert g.rows == [
        ["第二十条第（一）项", "", "", ""],
        ["规章", "0", "0", "0"],
        ["行政许可", "5", "", ""],
    ]


def test_pipe_rows_split_on_pipes_and_markdown_separators_are_dropped():
    text = (
        "第二十条第(一)项 | |||\n|---|---|\n| 规章 | 2 | 0 | 2 |\n行政事业性收费 | 0 |\n下一段文字"
    )
    blocks = text_blocks(text)
    (g,) = grids(blocks)
    assert g.rows == [
        ["第二十条第(一)项", "", "", ""],
        ["规章", "2", "0", "2"],
        ["行政事业性收费", "0"],
    ]
    assert isinstance(blocks[-1], Paragraph) and blocks[-1].text == "下一段文字"


def test_a_heading_after_a_table_is_not_swallowed_as_a_wrapped_cell():
    text = "\t总计\n\t0\n\n\n五、存在的主要问题及改进情况\n问题很多。"
    blocks = text_blocks(text)
    assert [type(b).__name__ for b in blocks] == ["Grid", "Paragraph", "Paragraph"]
    assert blocks[1].text == "五、存在的主要问题及改进情况"


def test_space_separated_pdf_lines_stay_paragraphs_for_the_interpreter():
    blocks = text_blocks("一、本年新收政府信息公开申请数量 120 7 0 0 3 1 131\n")
    assert blocks == [Paragraph("一、本年新收政府信息公开申请数量 120 7 0 0 3 1 131", line=1)]


def test_crlf_text_is_read_like_lf_text():
    assert text_blocks("a\r\n\tb\r\n\tc\r\n") == text_blocks("a\n\tb\n\tc\n")


def test_unglue_splits_rows_and_headings_joined_after_a_number():
    joined = Paragraph(
        "一、本年新收政府信息公开申请数量 120 7 0 0 3 1 131二、上年结转政府信息公开申请数量 4 0 0 0 0 0 4"
        "（一）予以公开 61 2 0 0 1 0 64",
        page=3,
    )
    assert [p.text for p in unglue([joined])] == [
        "一、本年新收政府信息公开申请数量 120 7 0 0 3 1 131",
        "二、上年结转政府信息公开申请数量 4 0 0 0 0 0 4",
        "（一）予以公开 61 2 0 0 1 0 64",
    ]
    assert [
        p.text
        for p in unglue([Paragraph("2 1 0 1 4 1 0 0 0 1 0 0 0 0 0五、存在的主要问题及改进情况")])
    ] == ["2 1 0 1 4 1 0 0 0 1 0 0 0 0 0", "五、存在的主要问题及改进情况"]


def test_unglue_leaves_prose_numbers_alone():
    p = Paragraph("2021年共受理申请2件（一）类，统计期限自2021年1月1日至12月31日。")
    assert unglue([p]) == [p]


def test_a_lone_indented_line_is_a_paragraph_not_a_table():
    blocks = text_blocks("\t某某局2021年政府信息公开工作年度报告\n\n一、总体情况\n")
    assert blocks == [
        Paragraph("某某局2021年政府信息公开工作年度报告", line=1),
        Paragraph("一、总体情况", line=3),
    ]


def test_a_dash_only_header_row_of_a_pipe_table_is_a_separator_not_na_values():
    from services.parser.document import Grid

    blocks = text_blocks(
        "| 信息内容 | 本年处理决定数量 |\n| - | - |\n| 行政许可 | 12 |\n| 行政强制 | - |\n"
    )
    [grid] = [b for b in blocks if isinstance(b, Grid)]
    assert grid.rows == [["信息内容", "本年处理决定数量"], ["行政许可", "12"], ["行政强制", "-"]]
