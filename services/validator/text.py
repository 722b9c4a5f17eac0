"""Small text helpers shared by the rules: title normalisation (§5) and section lookup.

`nfkc` is `unicodedata.normalize("NFKC", s)` made fast for Chinese text, same result: the full
algorithm costs ~250 ns per character once one character changes, and a report's every ，（）：
is fullwidth. Each character NFKC changes on its own is first replaced by its NFKC form (a regex
that skips the rest in C); NFKD of a character's NFKC form is NFKD of the character, so the
string keeps its NFKD and therefore its NFKC, and `unicodedata` then finishes on its quick path
(combining marks, jamo and the like still go through the full algorithm). The parser has the same
trick in services/parser/nfkc.py; the validator keeps its own copy so that it does not import the
parser (a separate service).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from shared.report import ParsedReport


def _changed_bmp() -> dict[str, str]:
    out: dict[str, str] = {}
    for cp in range(0x10000):
        c = chr(cp)
        if unicodedata.decomposition(c):  # NFKC changes only characters that decompose
            n = unicodedata.normalize("NFKC", c)
            if n != c:
                out[c] = n
    return out


_NFKC_MAP = _changed_bmp()


def _char_class(chars) -> str:
    ranges: list[list[int]] = []
    for cp in sorted(ord(c) for c in chars):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)


# every BMP character NFKC changes on its own, and all astral characters (rare; mapped one by one)
_NFKC_CHANGED = re.compile(f"[{_char_class(_NFKC_MAP)}\U00010000-\U0010ffff]")


def _mapped(m: re.Match[str]) -> str:
    c = m.group()
    n = _NFKC_MAP.get(c)
    return n if n is not None else unicodedata.normalize("NFKC", c)


def nfkc(s: str) -> str:
    """`unicodedata.normalize("NFKC", s)`, the same string, faster on text with fullwidth characters."""
    if s.isascii() or unicodedata.is_normalized("NFKC", s):
        return s
    return unicodedata.normalize("NFKC", _NFKC_CHANGED.sub(_mapped, s))


_QUOTES = re.compile(r"[“”\"‘’'「」]")
# leading item markers: 一、 （一） (一) 1. 1． 1、 and markdown #
_MARKER = re.compile(r"^(?:#+|[一二三四五六七八九十]+[、.]|[(（][一二三四五六七八九十\d]+[)）]|\d+[.、．])")


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
