"""The six report sections: find their headings, name them, keep their text (report-format.md §2.3, §5).

A heading is a short paragraph numbered at the top level (`一、` … `六、`, `第一部分`, markdown `#`)
whose title is a known section title (canonical or alias, shared/schema.py SECTION_TITLES) or
carries the section's keywords (pre-2019 titles such as 概述 / 依申请公开政府信息情况 / 存在的主要问题
及改进措施). Second-level items `（一）依申请公开情况` are not section headings. Reads no settings.
"""

from __future__ import annotations

import re
from functools import lru_cache

from services.parser.document import Document, Grid, Paragraph, covered_row_text, row_text
from services.parser.read.labels import norm, norm_text, starts_outside, strip_notes
from shared.report import Section
from shared.schema import SECTION_TITLES

_NUMBERED = re.compile(r"^#*(?:[一二三四五六七八九十]+[、.:]|第[一二三四五六七八九十]+部分[、.:]?)")
_NUMBER_STARTS = "#一二三四五六七八九十第"  # what a _NUMBERED match can start with
_MARKDOWN = re.compile(r"^#+")
# 「（一）主动公开政府信息情况」 (also under a markdown 「### 」): a sub-heading of a section, never a
# section of its own while the document has 「一、」-style headings (then it is the fallback)
_SUB_MARKER = re.compile(r"^\((?:[一二三四五六七八九十]+)\)")
_TRAILING_NUMBER = re.compile(r"\d+$")
_MAX_HEADING = 34  # normalised characters; longer paragraphs are prose

# keyword → section, checked in this order (复议/诉讼 before 申请: 「因政府信息公开申请行政复议…」)
_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("review_litigation", ("行政复议", "行政诉讼")),
    ("applications", ("收到和处理", "依申请公开", "政府信息公开申请情况", "申请公开政府信息")),
    ("active_disclosure", ("主动公开",)),
    ("problems", ("主要问题", "存在问题", "存在的问题", "改进措施", "改进情况")),
    ("other_matters", ("需要报告", "需要说明", "其他事项", "其它事项", "需要报备", "其他需报告")),
    ("overview", ("总体情况", "概述", "基本情况", "总体概况", "工作概况")),
)

_CANONICAL = {key: norm(titles[0]) for key, titles in SECTION_TITLES.items()}
_CANONICAL_2019 = {**_CANONICAL, "problems": norm("政府信息公开工作存在的主要问题及改进情况")}
_KNOWN = {norm(t): key for key, titles in SECTION_TITLES.items() for t in titles}


def _title_part(n: str) -> tuple[str, bool]:
    m = _NUMBERED.match(n)
    if m:
        return n[m.end() :], True
    m = _MARKDOWN.match(n)
    if m:
        return n[m.end() :], True
    return n, False


def heading_key(text: str, *, sub: bool = False) -> tuple[str, str] | None:
    """(section key, normalised title) when `text` is a section heading, else None. With `sub`,
    a 「（一）…」 sub-heading with a section's title counts too (documents without 「一、」 headings)."""
    if len(text) > 3 * _MAX_HEADING:
        return None  # prose; and never put long paragraphs into the label cache
    return _heading_key(text, sub)


@lru_cache(
    maxsize=16384
)  # short paragraphs only; each is asked by the table reader and find_sections
def _heading_key(text: str, sub: bool = False) -> tuple[str, str] | None:
    n = norm(text).strip("*").rstrip("。.:*")
    if not n or len(n) > _MAX_HEADING or _TRAILING_NUMBER.search(n):
        return None
    title, numbered = _title_part(n)
    title = title.strip("*")
    if _SUB_MARKER.match(title):
        if not sub:
            return None
        title, numbered = _SUB_MARKER.sub("", title, count=1), True
    bare = strip_notes(title)
    if bare in _KNOWN:
        return _KNOWN[bare], bare
    if not numbered:
        return None
    for key, words in _KEYWORDS:
        if any(w in bare for w in words):
            return key, bare
    return None


_KNOWN_LONGEST = sorted(_KNOWN, key=len, reverse=True)


def run_in_heading(text: str) -> tuple[str, str, str] | None:
    """(key, heading as written, rest) for 「一、总体情况2021年，我局…」: a numbered known title
    that runs straight into its first paragraph (heading and text in one HTML <p>)."""
    if starts_outside(text, _NUMBER_STARTS):
        return None  # most prose: no need to normalise it to see it is not numbered
    n = norm_text(text[:120]).strip("*")
    m = _NUMBERED.match(n)
    if not m or len(n) <= _MAX_HEADING:
        return None
    after = n[m.end() :].lstrip("*")
    title = next((t for t in _KNOWN_LONGEST if after.startswith(t)), None)
    if title is None:
        return None
    for i in range(1, min(len(text), 80) + 1):  # where the title ends in the raw text
        head = norm_text(text[:i]).strip("*")
        if _title_part(head)[0].strip("*") == title:
            return _KNOWN[title], text[:i].strip(), text[i:].lstrip(" *:：。.\u3000")
    return None


def find_sections(doc: Document, format_version: str) -> dict[str, Section]:
    """First heading of each section wins; its text runs to the next heading. 「（一）」 sub-headings
    are sections only in a document with no top-level (「一、」) section heading at all."""
    found = _find_sections(doc, format_version, sub=False)
    return found or _find_sections(doc, format_version, sub=True)


def _find_sections(doc: Document, format_version: str, *, sub: bool) -> dict[str, Section]:
    canonical = _CANONICAL_2019 if format_version == "2019" else _CANONICAL
    found: dict[str, Section] = {}
    current: str | None = None
    buf: list[str] = []

    def close() -> None:
        if current is not None and current in found:
            found[current].text = "\n".join(buf).strip()

    for block in doc.blocks:
        if isinstance(block, Paragraph):
            hk = heading_key(block.text, sub=sub)
            rest = ""
            if hk is not None:
                title_raw = block.text.strip().lstrip("#").strip()
            else:
                run = run_in_heading(block.text)
                if run is not None:
                    hk, title_raw, rest = (run[0], norm(run[1])), run[1], run[2]
                    hk = (hk[0], _title_part(hk[1])[0].strip("*"))
            if hk is not None and hk[0] not in found:
                close()
                key, title = hk
                found[key] = Section(
                    title_raw=title_raw,
                    text="",
                    title_canonical=SECTION_TITLES[key][0]
                    if format_version != "2019" or key != "problems"
                    else "政府信息公开工作存在的主要问题及改进情况",
                    alias=title != canonical[key],
                )
                current, buf = key, ([rest] if rest else [])
                continue
            buf.append(block.text)
        elif isinstance(block, Grid):
            buf.extend(map(row_text if not block.exact else covered_row_text, block.rows))
    close()
    return found
