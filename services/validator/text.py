"""Small text helpers shared by the rules: title normalisation (§5) and section lookup.

NFKC is shared.nfkc's (the same result as unicodedata, fast on fullwidth punctuation).
"""

from __future__ import annotations

import functools
import re

from shared.nfkc import nfkc
from shared.report import ParsedReport

_QUOTES = re.compile(r"[“”\"‘’'「」]")
# leading item markers: 一、 （一） (一) 1. 1． 1、 and markdown #
_MARKER = re.compile(
    r"^(?:#+|[一二三四五六七八九十]+[、.]|[(（][一二三四五六七八九十\d]+[)）]|\d+[.、．])"
)


@functools.lru_cache(maxsize=512)
def norm(text: str | None) -> str:
    """NFKC, no whitespace, no quotes (§5 steps 1–3). Cached: several rules read the same section."""
    if not text:
        return ""
    s = "".join(nfkc(text).split())  # whitespace (\s, which includes \u3000 and \xa0) removed
    return _QUOTES.sub("", s)


def norm_title(text: str | None) -> str:
    """A section title compared as the format prints it: §5 steps 1–4."""
    s = norm(text).rstrip("。.:：;；")
    while True:
        t = _MARKER.sub("", s, count=1)
        if t == s:
            return s
        s = t


def section_text(report: ParsedReport, key: str) -> str | None:
    sec = report.sections.get(key)
    return sec.text if sec is not None else None
