"""bench/ocr_tesseract.py's TSV reading: Tesseract's word rows become OcrWords (page px, conf/100)."""

from __future__ import annotations

import pytest

from bench.ocr_tesseract import words_by_image, words_from_tsv
from services.parser.extract.ocr import OcrWord

HEAD = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
)

# the shape `tesseract page.png stdout --psm 6 -l chi_sim tsv` prints: page, block, paragraph and
# line rows (conf -1, no text) above the word rows of level 5
TSV = "\n".join(
    [
        HEAD,
        "1\t1\t0\t0\t0\t0\t0\t0\t1688\t2363\t-1\t",
        "2\t1\t1\t0\t0\t0\t154\t171\t1455\t2101\t-1\t",
        "3\t1\t1\t1\t0\t0\t322\t171\t1015\t54\t-1\t",
        "4\t1\t1\t1\t1\t0\t322\t171\t1015\t54\t-1\t",
        "5\t1\t1\t1\t1\t1\t322\t185\t54\t39\t96.941628\t长沙",
        "5\t1\t1\t1\t1\t2\t380\t183\t90\t42\t87.5\t1,234.5",
        "5\t1\t1\t1\t1\t3\t500\t182\t29\t40\t0.000000\t岳",
        "5\t1\t1\t1\t1\t4\t540\t182\t29\t40\t91.0\t ",  # a blank word: dropped
        "5\t1\t1\t1\t1\t5\t580\t182",  # a cut-off row: dropped
    ]
)


def test_word_rows_become_words_with_page_pixel_boxes_and_scores():
    words = words_from_tsv(TSV)
    assert [w.text for w in words] == ["长沙", "1,234.5", "岳"]
    assert words[0] == OcrWord("长沙", (322.0, 185.0, 376.0, 224.0), pytest.approx(0.96941628))
    assert words[1].box == (380.0, 183.0, 470.0, 225.0)
    assert words[1].score == pytest.approx(0.875)
    assert words[2].score == 0.0  # conf 0 is a word read with no confidence, kept as unsure


def test_columns_are_found_by_name_and_empty_output_has_no_words():
    # Tesseract's column order is fixed today; the reader must not depend on it
    swapped = "\n".join(
        [
            "text\tconf\tlevel\tleft\ttop\twidth\theight",
            "12\t99.0\t5\t10\t20\t30\t40",
            "\t-1\t4\t10\t20\t30\t40",
        ]
    )
    assert words_from_tsv(swapped) == [OcrWord("12", (10.0, 20.0, 40.0, 60.0), 0.99)]
    assert words_from_tsv("") == []
    assert words_from_tsv(HEAD + "\n") == []


def test_words_of_an_image_list_are_grouped_by_image():
    # one tesseract run over a list of cell crops: `page_num` says which crop a word is in
    tsv = "\n".join(
        [
            HEAD,
            "1\t1\t0\t0\t0\t0\t0\t0\t80\t40\t-1\t",
            "5\t1\t1\t1\t1\t1\t8\t6\t20\t28\t95.0\t12",
            "1\t2\t0\t0\t0\t0\t0\t0\t80\t40\t-1\t",
            "1\t3\t0\t0\t0\t0\t0\t0\t90\t40\t-1\t",
            "5\t3\t1\t1\t1\t1\t9\t7\t11\t26\t42.0\t0",
            "5\t3\t1\t1\t1\t2\t30\t7\t40\t26\t88.0\t合计",
        ]
    )
    got = words_by_image(tsv)
    assert sorted(got) == [1, 3]  # the second crop read as nothing: no entry
    assert got[1] == [OcrWord("12", (8.0, 6.0, 28.0, 34.0), 0.95)]
    assert [(w.text, w.score) for w in got[3]] == [("0", 0.42), ("合计", 0.88)]
    assert [w.text for w in words_from_tsv(tsv)] == ["12", "0", "合计"]
