"""Bytes → text for HTML and plain-text documents, recording which encoding was used and why.

The one charset detector of the project: the parser decodes documents with `decode`, the fetcher
(and `nianbao portals add`) decode portal pages for link discovery with `decode_html`.

Order (report-format.md §8): BOM → HTTP charset → `<meta charset>` → detector. A declared charset
is only used when it actually decodes the bytes: pages declaring gb2312 while serving UTF-8 (and
the reverse) are common, and so are error pages declaring iso-8859-1. gb2312/gbk/cp936 are read as
gb18030 (a superset, so characters outside GB2312 in a "gb2312" page still decode).

When nothing decodes cleanly, the best candidate is decoded with replacement characters; if more
than `MAX_REPLACEMENT_RATIO` of the characters had to be replaced `decode` refuses the input with
EncodingError rather than producing silently wrong text (`decode_html` keeps the text: a listing
page's links are ASCII and survive a few bad bytes). Settings read: none.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from charset_normalizer import from_bytes

from shared.errors import EncodingError

MAX_REPLACEMENT_RATIO = 0.02
DETECT_SAMPLE_BYTES = 256 * 1024

_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-cn": "gb18030",
    "hz-gb-2312": "hz",
    "utf8": "utf-8",
    "big5-hkscs": "big5hkscs",
}
# Single-byte Western charsets decode any byte string, so a declaration of one proves nothing.
_WEAK = {"latin_1", "iso8859-1", "cp1252", "ascii"}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_CT_RE = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# the complement is matched: mojibake candidates are few, so findall builds a short list
_NOT_CJK_OR_ASCII = re.compile(
    r"[^\u0000-\u007f\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’…—·\u00a0]"
)


@dataclass
class Decoded:
    text: str
    encoding: str  # python codec name actually used, e.g. "utf-8", "gb18030"
    source: str  # bom | http | meta | utf8 | detector | fallback
    notes: list[str] = field(default_factory=list)


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = _CT_RE.search(content_type)
    return m.group(1) if m else None


def meta_charset(data: bytes) -> str | None:
    m = _META_RE.search(data[:16384])
    return m.group(1).decode("ascii", "ignore") if m else None


def canonical(name: str | None) -> str | None:
    """Python codec name for a declared charset, gb2312/gbk → gb18030; None if unknown."""
    if not name:
        return None
    name = _ALIASES.get(name.strip().lower(), name.strip().lower())
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _plausible_chinese(text: str) -> bool:
    """Most characters are ASCII, CJK ideographs or CJK punctuation (rules out mojibake guesses)."""
    sample = text[:20000]
    if not sample:
        return True
    return len(sample) - len(_NOT_CJK_OR_ASCII.findall(sample)) >= 0.95 * len(sample)


def utf16_without_bom(data: bytes) -> str | None:
    """`utf-16-le` / `utf-16-be` when the bytes are BOM-less UTF-16 text, else None.

    Text never contains NUL bytes, but UTF-16 puts one beside every ASCII character (digits, tabs,
    newlines — plentiful in report tables), always on the same parity; binaries scatter them.
    The decoded sample must then read as text, not as a random spread of code points.
    """
    sample = data[: min(len(data), 8192) // 2 * 2]
    half = len(sample) // 2
    if half < 8 or b"\x00" not in sample:  # no NUL at all (nearly every document): not UTF-16
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    # The other parity sees a NUL only from code points ending in 00 (一 U+4E00, 开 U+5F00 …).
    if odd >= 0.1 * half and even <= odd / 5:
        enc = "utf-16-le"
    elif even >= 0.1 * half and odd <= even / 5:
        enc = "utf-16-be"
    else:
        return None
    try:
        text = sample.decode(enc)
    except UnicodeDecodeError:
        return None
    readable = sum(1 for c in text if c.isprintable() or c.isspace())
    return enc if readable >= 0.97 * len(text) else None


def decode(
    data: bytes,
    *,
    http_charset: str | None = None,
    html: bool = False,
    max_replaced: float = MAX_REPLACEMENT_RATIO,
    declared_bad_bytes: int = 0,
) -> Decoded:
    """Decode `data`, trying BOM, BOM-less UTF-16, the HTTP charset, the `<meta>` charset, then
    detection. EncodingError when more than `max_replaced` of the characters are undecodable.

    A declared charset is used only when it decodes every byte, unless `declared_bad_bytes` > 0:
    then one that leaves at most that many undecodable sequences (a truncated or hand-edited
    page) is used with U+FFFD in their place — when the bytes are not UTF-8 — instead of a
    detector's guess, which on a page of mostly ASCII markup can be any single-byte charset."""
    for bom, bom_enc in _BOMS:
        if data.startswith(bom):
            return _strict_or_replace(data[len(bom) :], bom_enc, "bom", [], max_replaced)
    utf16 = utf16_without_bom(data)
    if utf16:
        return _strict_or_replace(
            data[: len(data) // 2 * 2], utf16, "detector", ["UTF-16 without a BOM"], max_replaced
        )
    notes: list[str] = []
    declared = [(http_charset, "http")]
    if html:
        declared.append((meta_charset(data), "meta"))
    has_high = not data.isascii()
    for name, source in declared:
        if not name:
            continue
        enc = canonical(name)
        if enc is None:
            notes.append(f"{source} charset {name!r} is unknown; ignored")
            continue
        if enc in _WEAK and has_high:
            notes.append(f"{source} charset {name!r} proves nothing for non-ASCII bytes; detecting")
            continue
        try:
            text = data.decode(enc)
        except UnicodeDecodeError as e:
            if declared_bad_bytes and not _is_utf8(data):
                text = data.decode(enc, errors="replace")
                bad = text.count("\ufffd")
                if bad <= declared_bad_bytes:
                    notes.append(f"{bad} undecodable byte sequences replaced with U+FFFD ({enc})")
                    return Decoded(text, enc, source, notes)
            notes.append(
                f"{source} charset {name!r} does not decode the bytes ({e.reason} at {e.start}); detecting"
            )
            continue
        if enc != "utf-8" and has_high and _is_utf8(data):
            # UTF-8 CJK text also decodes as gb18030 (as mojibake); valid UTF-8 is the stronger signal.
            notes.append(f"{source} charset {name!r} declared but the bytes are UTF-8")
            return Decoded(data.decode("utf-8"), "utf-8", "utf8", notes)
        return Decoded(text, enc, source, notes)
    if _is_utf8(data):
        return Decoded(data.decode("utf-8"), "utf-8", "utf8", notes)
    try:
        text = data.decode("gb18030")
        if _plausible_chinese(text):
            return Decoded(text, "gb18030", "detector", notes)
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:DETECT_SAMPLE_BYTES]).best()
    enc = canonical(best.encoding) if best is not None else None
    if enc:
        try:
            return Decoded(data.decode(enc), enc, "detector", notes)
        except UnicodeDecodeError:
            notes.append(f"detected {enc} does not decode the whole document")
    # Nothing decodes cleanly: the candidate needing the fewest replacements wins.
    candidates = dict.fromkeys(["utf-8", *([enc] if enc else []), "gb18030"])
    best_enc = min(candidates, key=lambda c: data.decode(c, errors="replace").count("\ufffd"))
    return _strict_or_replace(data, best_enc, "fallback", notes, max_replaced)


def decode_html(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(text, encoding) of a fetched HTML page, for link discovery: `decode` with the page's HTTP
    content type and `<meta>`, never refusing it (undecodable bytes become U+FFFD), and keeping
    a declared charset that fails on a handful of bytes (listing pages are mostly ASCII markup:
    the detector would guess a single-byte charset and the link titles would be mojibake)."""
    decoded = decode(
        data,
        http_charset=charset_from_content_type(content_type),
        html=True,
        max_replaced=1.0,
        declared_bad_bytes=_FEW_BAD_BYTES,
    )
    return decoded.text, decoded.encoding


# undecodable sequences tolerated in a declared charset by decode_html (the fetcher's old rule)
_FEW_BAD_BYTES = 8


def _strict_or_replace(
    data: bytes, enc: str, source: str, notes: list[str], max_replaced: float
) -> Decoded:
    try:
        return Decoded(data.decode(enc), enc, source, notes)
    except UnicodeDecodeError:
        pass
    text = data.decode(enc, errors="replace")
    bad = text.count("\ufffd")
    ratio = bad / max(1, len(text))
    if ratio > max_replaced:
        raise EncodingError(
            f"cannot decode the document: {bad} of {len(text)} characters are undecodable as {enc} "
            f"({ratio:.1%} > {max_replaced:.0%}); tried {', '.join(notes) or 'BOM/UTF-8/GB18030/detector'}"
        )
    notes.append(f"{bad} undecodable byte sequences replaced with U+FFFD ({enc})")
    return Decoded(text, enc, source, notes)
