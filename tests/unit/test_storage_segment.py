"""Segmentation for full-text search: the same cut for documents and queries."""

from __future__ import annotations

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
