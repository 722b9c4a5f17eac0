"""Label normalisation and label → key matching (report-format.md §5)."""

from __future__ import annotations

import pytest

from services.parser.read.labels import (
    LabelIndex,
    core,
    norm,
    norm_nfkc_text,
    norm_text,
    strip_marker,
    strip_notes,
)
from shared.nfkc import nfkc
from shared.schema import SCHEMAS, T4_COLS

T3_2021 = LabelIndex(SCHEMAS["2021"].t3_rows)
T2_2019 = LabelIndex([r for b in SCHEMAS["2019"].t2_blocks for r in b.rows])


def test_norm_applies_nfkc_removes_whitespace_and_quotes():
    assert norm("危及“三安全一稳定”") == "危及三安全一稳定"
    assert norm("商业\n企业") == "商业企业"
    assert norm("（一）　予以公开") == "(一)予以公开"
    assert norm("结\n果\n维\n持") == "结果维持"


@pytest.mark.parametrize("traditional", [True, False])
def test_norm_nfkc_text_of_a_text_in_nfkc_is_its_norm_text(traditional):
    text = "信息內容　本年新製作數量（件）：“１２”\n　危及「三安全一稳定」" * 30
    assert norm_nfkc_text(nfkc(text), traditional=traditional) == norm_text(
        text, traditional=traditional
    )
    assert norm_nfkc_text(nfkc(text)).startswith("信息内容本年新制作数量(件):12危及三安全一稳定")


@pytest.mark.parametrize(
    ("raw", "stripped"),
    [
        ("一、本年新收", "本年新收"),
        ("（一）予以公开", "予以公开"),
        ("(一) 予以公开", "予以公开"),
        ("1.属于国家秘密", "属于国家秘密"),
        ("1．属于国家秘密", "属于国家秘密"),
        ("1、重复申请", "重复申请"),
        ("三、（一）予以公开", "予以公开"),
        # a point or comma after the bracket (OCR of a 3°-skewed scan read 「（七）总计」 so, and
        # the T3 total row went unlocated)
        ("(七).总计", "总计"),
        ("（七）、总计", "总计"),
    ],
)
def test_item_markers_are_stripped(raw, stripped):
    assert strip_marker(norm(raw)) == stripped


def test_a_point_after_a_bracketed_number_stays_when_digits_follow():
    assert strip_marker(norm("(1).5")) == ".5"


def test_bracketed_template_notes_are_stripped_also_when_unclosed():
    assert strip_notes(norm("规章(设区的市、自治州人民政府应提供相关数据)")) == "规章"
    assert strip_notes(norm("部分公开（区分处理的，只计这一情")) == "部分公开"
    assert core("本年收费金额（单位：万元，保留4位小数）") == "本年收费金额"


def test_traditional_characters_of_mirrors_match_simplified_labels():
    assert T2_2019.match("規章(設區的市、自治州人民政府應提供相關數據)") == "regulations"
    assert T2_2019.match("行政強制") == "administrative_coercion"
    assert T2_2019.match("行政事業性收費") == "administrative_fees"


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("一、本年新收政府信息公开申请数量", "new_received"),
        ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "partially_granted"),
        ("（二）部分公开（区分处理的，只计这一情", "partially_granted"),
        ("2.其他法律法规禁止公开", "denied_prohibited_by_law"),
        ("本 2.其他法律行政法规禁止公开", "denied_prohibited_by_law"),
        ("办 （三）不 4.保护第三方合法权益", "denied_third_party_rights"),
        ("5.要求行政机关确认或重新出具已", "not_processed_confirm_reissue"),
        (
            "2.申请人逾期未按收费通知 要求缴纳费用、行政机关不再处理其政府信息公开申请",
            "other_fee_unpaid",
        ),
        ("（七）总计", "results_total"),
        ("四、结转下年度继续办理", "carried_over_out"),
    ],
)
def test_t3_labels_match_their_keys(label, key):
    assert T3_2021.match(label) == key


@pytest.mark.parametrize(
    "label", ["形，不计其他情形）", "自然人", "申请人情况", "三、", "本年度办理结果"]
)
def test_fragments_and_headers_match_no_row(label):
    assert T3_2021.match(label) is None


def test_exact_matching_does_not_use_containment():
    assert T3_2021.exact("本 2.其他法律行政法规禁止公开") is None
    assert T3_2021.exact("2.其他法律行政法规禁止公开") == "denied_prohibited_by_law"


def test_2019_and_2021_column_labels_are_not_mapped_onto_each_other():
    cols19 = LabelIndex(SCHEMAS["2019"].t2_blocks[0].cols)
    assert cols19.match("对外公开总数量") == "published_total"
    assert cols19.match("现行有效件数") is None


def test_t4_column_labels_split_into_chunks_match():
    idx = LabelIndex(T4_COLS)
    assert idx.match("结果 维持") == "upheld"
    assert idx.match("尚未\n审结") == "pending"


def test_starts_outside_tells_prose_from_numbered_headings_without_normalising():
    from services.parser.read.labels import starts_outside

    numbered = "#一二三四五六七八九十第"
    assert starts_outside("本报告根据《条例》编制", numbered)
    assert starts_outside("2022年，我局认真贯彻", numbered)
    assert starts_outside("（一）主动公开情况", numbered)
    assert not starts_outside("一、总体情况", numbered)
    assert not starts_outside("第一部分 概述", numbered)
    # not sure without normalising: spaces, full-width #, Kangxi radical ⼀ (NFKC → 一)
    assert not starts_outside("\u3000一、总体情况", numbered)
    assert not starts_outside("＃ 总体情况", numbered)
    assert not starts_outside("\u2f00、总体情况", numbered)
