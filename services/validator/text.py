"""Small text helpers shared by the rules: title normalisation (§5) and section lookup."""

from __future__ import annotations

import functools
import re
import unicodedata

from shared.report import ParsedReport

_WS = re.compile(r"[\s\u3000\xa0]+")
_QUOTES = re.compile(r"[“”\"‘’'「」]")
# leading item markers: 一、 （一） (一) 1. 1． 1、 and markdown #
_MARKER = re.compile(r"^(?:#+|[一二三四五六七八九十]+[、.]|[(（][一二三四五六七八九十\d]+[)）]|\d+[.、．])")


@functools.lru_cache(maxsize=512)
def norm(text: str | None) -> str:
    """NFKC, no whitespace, no quotes (§5 steps 1–3). Cached: several rules read the same section."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text)
    s = _WS.sub("", s)
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
