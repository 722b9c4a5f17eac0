"""services/validator/text.py: the fast NFKC is `unicodedata.normalize("NFKC", …)` exactly, and
norm() is NFKC, then no whitespace, then no quotes."""

from __future__ import annotations

import random
import re
import unicodedata

from services.validator.text import nfkc, norm


def test_nfkc_equals_unicodedata_for_every_code_point():
    differ = [
        hex(cp)
        for cp in range(0x110000)
        if not 0xD800 <= cp < 0xE000 and nfkc(chr(cp)) != unicodedata.normalize("NFKC", chr(cp))
    ]
    assert differ == []


def test_nfkc_equals_unicodedata_on_text_mixing_fullwidth_combining_marks_and_jamo():
    rng = random.Random(5)
    pool = [
        *map(chr, range(0x20, 0x370)),  # Latin with combining marks
        *map(chr, range(0x1100, 0x1200)),  # Hangul jamo (composed by NFKC)
        *map(chr, range(0xAC00, 0xAC40)),
        *map(chr, range(0x3000, 0x3040)),  # CJK punctuation
        *map(chr, range(0xFF00, 0xFFF0)),  # fullwidth forms
        "局", "政", "府", "\U0001d400", "\U0002f800", "\u2460", "\u3392",
    ]
    for _ in range(5000):
        s = "".join(rng.choice(pool) for _ in range(rng.randint(1, 40)))
        assert nfkc(s) == unicodedata.normalize("NFKC", s), repr(s)


def test_norm_is_nfkc_without_whitespace_and_quotes():
    rng = random.Random(6)
    pool = [" ", "\t", "\n", "\u3000", "\xa0", "\u2028", "\x1c", "“", "”", "「", "」", "'", '"', "（", "１", "年", "ａ", "\u200b"]
    for _ in range(3000):
        s = "".join(rng.choice(pool) for _ in range(rng.randint(0, 20)))
        slow = re.sub(r"[“”\"‘’'「」]", "", re.sub(r"[\s\u3000\xa0]+", "", unicodedata.normalize("NFKC", s)))
        assert norm(s) == slow, repr(s)
    assert norm("（一）主动公开情况 “２０２１年”") == "(一)主动公开情况2021年"
