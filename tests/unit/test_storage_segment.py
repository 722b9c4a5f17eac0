"""Segmentation for full-text search: the same cut for documents and queries."""

from __future__ import annotations

import re
import unicodedata

import rjieba
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.storage.queries import body_of
from shared.storage.segment import fts5_match, query_tokens, segment, tokens


def test_compounds_are_indexed_with_their_two_character_words():
    assert segment("行政复议") == "行政 复议 行政复议"


def test_punctuation_and_spaces_are_not_tokens():
    assert tokens("许可、复议。 （一）") == ["许可", "复议", "一"]


def test_fullwidth_and_case_are_folded():
    assert tokens("ＡＢＣ２０２３") == tokens("abc2023")


def test_query_tokens_are_distinct_and_in_order():
    assert query_tokens("许可 许可 复议") == ["许可", "复议"]


def test_fts5_query_quotes_every_token_so_none_is_an_operator():
    assert fts5_match('NOT "x" 许可') == '"not" "x" "许可"'
    assert fts5_match("，。") == ""


# --- the joined-string implementation must cut exactly like filtering token by token ----------


def _reference_tokens(text: str) -> list[str]:
    """The definition: NFKC, cut_for_search, drop tokens with no word character, lower-case."""
    text = unicodedata.normalize("NFKC", text)
    return [
        t.lower() for t in rjieba.cut_for_search(text) if re.search(r"\w", t) and not t.isspace()
    ]


def test_seed_reports_are_segmented_exactly_as_token_by_token(seeds):
    from services.parser import parse

    for data in seeds.values():
        body = body_of(parse(data))
        assert segment(body) == " ".join(_reference_tokens(body))


def test_text_that_is_not_nfkc_normal_is_folded_first():
    assert segment("ＡＢＣ ２０２３年 行政复议") == " ".join(
        _reference_tokens("ＡＢＣ ２０２３年 行政复议")
    )


def test_control_characters_between_words_are_not_tokens():
    assert tokens("许可\x1f复议\x1f\x1f") == ["许可", "复议"]


_MIXED = st.text(
    alphabet=st.sampled_from(
        list(
            "行政复议许可申请公开政府信息年度报告件个一二三ABCabcÄö09０９，。、（）()《》 \t\n\u3000-./%\x1f\x00Σς"
        )
    ),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(_MIXED)
def test_any_mix_of_words_punctuation_and_spaces_cuts_like_the_reference(text):
    assert tokens(text) == _reference_tokens(text)
