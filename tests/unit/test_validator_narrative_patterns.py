"""services/validator/narrative.py patterns: a keyword's look-behinds written after the keyword
(so `re` can scan for the literal) find exactly the matches of the look-behind-first form."""

from __future__ import annotations

import random
import re

import pytest

from services.validator import narrative

KEYWORDS = {
    **{kw: narrative._DOC_UNIT for kw in narrative._T2_KEYWORDS.values()},
    "行政复议": narrative._UNIT,
    "诉讼": narrative._UNIT,
}
ALPHABET = list(
    "、和及与行政复议诉讼规章规范性文件许可处罚强制共计决定事项案件申请为达数量0123456789件个项条份起宗，。"
)


@pytest.mark.parametrize("keyword", sorted(KEYWORDS))
def test_keyword_first_pattern_finds_the_same_matches_as_the_lookbehind_first_one(keyword):
    unit = KEYWORDS[keyword]
    before = re.compile(narrative._JOINED + keyword + narrative._GAP + unit)
    after = re.compile(narrative._joined(keyword) + narrative._GAP + unit)
    rng = random.Random(keyword)
    matched = 0
    for _ in range(4000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 30)))
        if rng.random() < 0.5:
            text += (
                rng.choice(("、", "和", "及", "与", "行政", "和行政", ""))
                + keyword
                + rng.choice(("", "共", "事项"))
                + "12件"
            )
        expected = [(m.span(), m.groups()) for m in before.finditer(text)]
        assert [(m.span(), m.groups()) for m in after.finditer(text)] == expected, text
        matched += bool(expected)
    assert matched > 300  # the sample exercises matches, not only misses


def test_a_keyword_joined_to_another_is_not_compared():
    assert narrative._REVIEW.findall("行政复议3件") == ["3"]
    assert narrative._REVIEW.findall("诉讼和行政复议3件") == []
    assert narrative._LITIGATION.findall("行政复议和行政诉讼共3件") == []
