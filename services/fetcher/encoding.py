"""Decode HTML fetched from portals: BOM, then HTTP header, then <meta>, then a detector.

gb2312 and gbk declarations are decoded as gb18030 (its superset): portals that declare gb2312
routinely use characters outside it. The chosen encoding is returned so it can be recorded on
the DocFetched event (report-format.md §8 "Encodings").

Reads no settings.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_HEADER = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.I)
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "iso-8859-1": "cp1252"}


def normalise(name: str) -> str | None:
    """Python codec name for a declared charset, widened to its superset; None if unknown."""
    try:
        canonical = codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None
    return _SUPERSETS.get(canonical, _SUPERSETS.get(name.strip().lower(), canonical))


def header_charset(content_type: str | None) -> str | None:
    match = _HEADER.search(content_type or "")
    return normalise(match.group(1)) if match else None


def sniff_encoding(data: bytes, content_type: str | None = None) -> str:
    """The encoding to decode `data` with, by BOM → header → <meta> → detector → utf-8."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    if _is_utf8(data):
        # Valid multi-byte UTF-8 is almost never accidental, and pages migrated from GBK CMSs
        # often keep their old `charset=gb2312` declaration after being re-encoded.
        return "utf-8"
    declared = header_charset(content_type)
    if declared is None:
        match = _META.search(data[:4096])
        declared = normalise(match.group(1).decode("ascii")) if match else None
    if declared is not None and _decodes(data, declared):
        return declared
    best = from_bytes(data[:65536]).best()
    if best is not None:
        return normalise(best.encoding) or "utf-8"
    return declared or "utf-8"


def decode_html(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(text, encoding). Undecodable bytes become U+FFFD rather than aborting discovery."""
    encoding = sniff_encoding(data, content_type)
    return data.decode(encoding, errors="replace"), encoding


def _is_utf8(data: bytes) -> bool:
    sample = data[:65536]
    if sample.isascii():
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(sample) - 3  # only a character cut by the sample boundary
    return True


def _decodes(data: bytes, encoding: str) -> bool:
    # A wrong declaration (UTF-8 page labelled gb2312, common after CMS migrations) shows up as
    # decode errors; tolerate a handful of bad bytes from truncated or hand-edited pages.
    text = data[:65536].decode(encoding, errors="replace")
    return text.count("\ufffd") <= 8
