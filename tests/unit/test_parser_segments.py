"""Rows → label/value segments, and the tokens of a PDF text line."""

from __future__ import annotations

from services.parser.read.segments import Segment, split_cells, tokens


def test_a_row_that_runs_into_the_next_is_cut_where_a_label_follows_values():
    segs = split_cells(["行政规范性文件", "1", "2", "第二十条第（五）项"], exact=False)
    assert [(x.labels, x.values) for x in segs] == [
        (["行政规范性文件"], ["1", "2"]),
        (["第二十条第（五）项"], []),
    ]


def test_text_rows_drop_padding_and_exact_rows_keep_blanks_among_values():
    (text,) = split_cells(["规章", "", "0", "", "0"], exact=False)
    assert (text.values, text.slots) == (["0", "0"], ["", "0", "", "0"])
    assert split_cells(["规章", "", "0", "", "0"], exact=True) == [
        Segment(["规章"], ["", "0", "", "0"], True)
    ]


def test_exact_blanks_between_two_labels_are_label_padding():
    assert split_cells(["三、本年度办理结果", "", "（一）予以公开", "4"], exact=True) == [
        Segment(["三、本年度办理结果", "（一）予以公开"], ["4"], True)
    ]


def test_tokens_split_numbers_glued_to_stacked_label_characters():
    assert tokens("本 2.其他法律行政法规禁止公开 1 0 0 0 0 0 1年") == [
        "本",
        "2.其他法律行政法规禁止公开",
        "1",
        "0",
        "0",
        "0",
        "0",
        "0",
        "1",
        "年",
    ]
    assert tokens("15 1 0 0 0 0 16形，不计其他情形）") == [
        "15",
        "1",
        "0",
        "0",
        "0",
        "0",
        "16",
        "形，不计其他情形）",
    ]
    assert tokens("（二）部分公开只计这一情15") == ["（二）部分公开只计这一情", "15"]


def test_tokens_keep_units_dates_and_item_numbers():
    assert tokens("采购总金额 251000元 12件") == ["采购总金额", "251000元", "12件"]
    assert tokens("1.属于国家秘密 2021年 保留4") == ["1.属于国家秘密", "2021", "年", "保留4"]


def test_exact_label_followed_only_by_empty_cells_is_a_blank_row():
    assert split_cells(["行政事业性收费", "", ""], exact=True) == [
        Segment(["行政事业性收费"], ["", ""], True)
    ]
    (text,) = split_cells(["行政事业性收费", "", ""], exact=False)
    assert (text.values, text.slots) == ([], ["", ""])
