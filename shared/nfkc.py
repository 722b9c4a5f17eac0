"""Fast exact equivalents of the text normalisations run on every line and document (parser,
validator, search segmentation).

`unicodedata.normalize("NFKC", s)` leaves its quick path as soon as one character changes, and
the full algorithm costs ~130 ns per character: a Chinese report (every ，（）： fullwidth) pays
that on every character. `nfkc` maps each character that NFKC changes on its own to its NFKC form
first (a regex that skips the rest in C), then lets `unicodedata` finish — which now takes its
quick path. The result is identical: NFKD of a character's NFKC form is NFKD of the character, so
the mapped string has the same NFKD as the original and therefore the same NFKC (combining marks,
Hangul jamo and the like still go through the full algorithm in the final call).

`drop_space(s)` is `re.sub(r"[\\s\\u3000\\u00a0\\u200b\\ufeff]+", "", s)` (str.split splits on
exactly the characters `\\s` matches in a str pattern); `translator(table)` is `str.translate`
for a table of single characters to single characters, skipping the characters not in it in C.
Reads no settings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable


def _changed_bmp() -> dict[str, str]:
    out: dict[str, str] = {}
    for cp in range(0x10000):
        c = chr(cp)
        if unicodedata.decomposition(c):  # NFKC changes only characters that decompose
            n = unicodedata.normalize("NFKC", c)
            if n != c:
                out[c] = n
    return out


_MAP = _changed_bmp()


def _char_class(chars) -> str:
    cps = sorted(ord(c) for c in chars)
    ranges: list[list[int]] = []
    for cp in cps:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


# every BMP character NFKC changes on its own, and all astral characters (rare; mapped one by one)
_CHANGED = re.compile(f"[{_char_class(_MAP)}\U00010000-\U0010ffff]")


def _mapped(m: re.Match[str]) -> str:
    c = m.group()
    n = _MAP.get(c)
    return n if n is not None else unicodedata.normalize("NFKC", c)


# the fullwidth punctuation of Chinese prose: replaced by str.replace (a scan in C each) before
# the regex maps the rest one match at a time
_COMMON = tuple((c, _MAP[c]) for c in "，（）：；、" if c in _MAP)


def nfkc(s: str) -> str:
    """`unicodedata.normalize("NFKC", s)`, same result, faster on text with fullwidth characters."""
    if not s.isascii() and not unicodedata.is_normalized("NFKC", s):
        if len(s) > 64:
            for c, n in _COMMON:
                if c in s:
                    s = s.replace(c, n)
        s = unicodedata.normalize("NFKC", _CHANGED.sub(_mapped, s))
    return s


def drop_space(s: str) -> str:
    """`s` without whitespace, U+200B (zero width space) and U+FEFF (BOM / zero width no-break)."""
    s = "".join(s.split())
    if "\u200b" in s:
        s = s.replace("\u200b", "")
    if "\ufeff" in s:
        s = s.replace("\ufeff", "")
    return s


def translator(table: dict[int, str]) -> Callable[[str], str]:
    """A function doing `s.translate(table)` for a table mapping single characters to single
    characters; `str.translate` looks every character up in the dict, this only the matches."""
    by_char = {chr(k): v for k, v in table.items()}
    pattern = re.compile(f"[{_char_class(by_char)}]")
    sub = pattern.sub

    def one(m: re.Match[str]) -> str:
        return by_char[m.group()]

    def translate(s: str) -> str:
        return sub(one, s)

    return translate
