"""services/validator/text.py: norm() is NFKC, then no whitespace, then no quotes (the fast NFKC
itself is tested in test_nfkc.py)."""

from __future__ import annotations

import random
import re
import unicodedata

from services.validator.text import norm


def test_norm_is_nfkc_without_whitespace_and_quotes():
    rng = random.Random(6)
    pool = [
        " ",
        "\t",
        "\n",
        "\u3000",
        "\xa0",
        "\u2028",
        "\x1c",
        "“",
        "”",
        "「",
        "」",
        "'",
        '"',
        "（",
        "１",
        "年",
        "ａ",
        "\u200b",
    ]
    for _ in range(3000):
        s = "".join(rng.choice(pool) for _ in range(rng.randint(0, 20)))
        slow = re.sub(
            r"[“”\"‘’'「」]", "", re.sub(r"[\s\u3000\xa0]+", "", unicodedata.normalize("NFKC", s))
        )
        assert norm(s) == slow, repr(s)
    assert norm("（一）主动公开情况 “２０２１年”") == "(一)主动公开情况2021年"
