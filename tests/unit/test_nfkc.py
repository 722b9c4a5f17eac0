"""shared/nfkc.py: the fast normalisations give exactly what the slow ones give."""

from __future__ import annotations

import random
import re
import unicodedata

from services.parser.read.labels import _TRAD
from shared.nfkc import drop_space, nfkc, translator

_WS = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
_BMP = [chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000]
# characters that change under NFKC or combine with neighbours, plus Hangul jamo and astral letters
_TRICKY = (
    [c for c in _BMP if unicodedata.decomposition(c) or unicodedata.combining(c)]
    + list("（）：，　 \t\u00a0\u200b\ufeffae\u0301\u0327\u1100\u1161\u11a8가各規範")
    + ["\U0001d400", "\U0002f800", "\U0001f600", "\U00010000"]
)


def _random_strings(n: int, seed: int = 11, longest: int = 12):
    rng = random.Random(seed)
    for _ in range(n):
        yield "".join(
            rng.choice(_TRICKY) if rng.random() < 0.7 else rng.choice(_BMP)
            for _ in range(rng.randint(0, longest))
        )


def test_nfkc_of_every_code_point_is_unicodedata_nfkc():
    chars = (chr(cp) for cp in range(0x110000) if not 0xD800 <= cp < 0xE000)
    assert [hex(ord(c)) for c in chars if nfkc(c) != unicodedata.normalize("NFKC", c)] == []


def test_nfkc_of_mixed_strings_with_combining_marks_is_unicodedata_nfkc():
    for s in _random_strings(20000):
        assert nfkc(s) == unicodedata.normalize("NFKC", s), repr(s)


def test_nfkc_of_long_strings_is_unicodedata_nfkc():
    for s in _random_strings(2000, seed=7, longest=300):  # long text takes the str.replace path too
        assert nfkc(s) == unicodedata.normalize("NFKC", s), repr(s)


def test_nfkc_maps_fullwidth_punctuation_of_a_report_line():
    assert nfkc("（一）予以公开：１２，３") == "(一)予以公开:12,3"
    assert nfkc("plain ascii") == "plain ascii"


def test_drop_space_removes_what_the_whitespace_regex_removes():
    for s in [
        "a b\tc\u3000d\u00a0e\u200bf\ufeffg\u2028h\x1ci\x85j",
        *_random_strings(5000, seed=3),
    ]:
        assert drop_space(s) == _WS.sub("", s), repr(s)


def test_translator_is_str_translate_for_the_traditional_table():
    to_simplified = translator(_TRAD)
    assert to_simplified("規範性文件處理結果") == "规范性文件处理结果"
    for s in ["", "无繁体", *_random_strings(5000, seed=5)]:
        assert to_simplified(s) == s.translate(_TRAD), repr(s)


def test_nfkc_of_its_own_long_result_is_that_result():
    text = "（一）予以公开：１２，３。" * 200
    once = nfkc(text)
    assert once == unicodedata.normalize("NFKC", text)
    assert nfkc(once) == once
    assert nfkc(text) == once


def test_every_prefix_of_an_nfkc_result_is_nfkc_already():
    # the parser's metadata reads heads (text[:20000]) of the document's NFKC text without
    # normalising them again
    for s in _random_strings(20000, seed=13, longest=16):
        once = nfkc(s)
        for k in range(len(once)):
            assert unicodedata.is_normalized("NFKC", once[:k]), repr(once[:k])
