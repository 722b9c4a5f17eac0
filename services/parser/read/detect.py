"""Which format a document is in, from its header labels — never from the year (report-format.md §3.3).

- "2021" / "2019": the T2 column labels that only one format has (shared/schema.py FORMAT_MARKERS);
  when T2 is absent, the T3 （六） sub-rows of 2021 decide, else the year breaks the tie;
- "pre2019": no national table, but the document reads as an annual report (title or section
  titles of the free-form reports);
- "unknown": not a report at all (news, error page, random text).
Reads no settings.
"""

from __future__ import annotations

import re

from services.parser.read.labels import norm, norm_nfkc_text

_MARKERS_2021 = tuple(
    norm(m) for m in ("本年制发件数", "本年废止件数", "现行有效件数", "本年收费金额")
)
_MARKERS_2019 = tuple(
    norm(m)
    for m in (
        "本年新制作数量",
        "本年新公开数量",
        "对外公开总数量",
        "上一年项目数量",
        "采购项目数量",
        "采购总金额",
    )
)
_T3_MARKERS = tuple(
    norm(m)
    for m in (
        "本年新收政府信息公开申请数量",
        "上年结转政府信息公开申请数量",
        "结转下年度继续办理",
        "本年度办理结果",
    )
)
_T3_2021 = tuple(norm(m) for m in ("逾期不补正", "逾期未按收费通知要求缴纳费用"))
_T4_MARKERS = tuple(
    norm(m) for m in ("结果维持", "结果纠正", "尚未审结", "未经复议直接起诉", "复议后起诉")
)
_CAPTION_1 = norm("第二十条第（一）项")
_CAPTION_9 = norm("第二十条第（九）项")
_REPORT_TITLE = re.compile(
    r"(?:政府信息公开|政务公开|信息公开|政务信息公开).{0,8}(?:年度报告|年报|工作报告)"
)
_PRE2019_SECTIONS = tuple(
    norm(m)
    for m in (
        "主动公开政府信息情况",
        "主动公开政府信息的情况",
        "依申请公开政府信息情况",
        "依申请公开政府信息的情况",
        "政府信息公开的收费及减免情况",
        "因政府信息公开申请行政复议",
        "存在的主要问题及改进措施",
        "政府信息公开工作存在的主要问题",
    )
)


def detect(text: str, *, title: str | None = None, year: int | None = None) -> str:
    """Format of a document given its whole text in NFKC (`interpret` normalises it once; any
    order) and, if known, its title/year."""
    n = norm_nfkc_text(text, traditional=False)
    h21 = sum(1 for m in _MARKERS_2021 if m in n)
    h19 = sum(1 for m in _MARKERS_2019 if m in n)
    if not (h21 or h19):  # a mirror in traditional characters: map them and look again
        n = norm_nfkc_text(text)
        h21 = sum(1 for m in _MARKERS_2021 if m in n)
        h19 = sum(1 for m in _MARKERS_2019 if m in n)
    if h21 or h19:
        if h21 != h19:
            return "2021" if h21 > h19 else "2019"
        return "2021" if any(m in n for m in _T3_2021) else "2019"
    t3 = sum(1 for m in _T3_MARKERS if m in n)
    t4 = sum(1 for m in _T4_MARKERS if m in n)
    if _CAPTION_9 in n:
        return "2019"
    if t3 >= 2 or t4 >= 3 or _CAPTION_1 in n:
        if any(m in n for m in _T3_2021):
            return "2021"
        if year is not None:
            return "2021" if year >= 2021 else "2019"
        return "2021"
    if looks_like_report(n, title):
        return "pre2019"
    return "unknown"


def looks_like_report(normalised_text: str, title: str | None) -> bool:
    """An annual report without national tables: report title, or several free-form section titles."""
    if title and _REPORT_TITLE.search(norm(title)):
        return True
    head = normalised_text[:400]  # the document start, where a title sits
    if _REPORT_TITLE.search(head):
        return True
    return sum(1 for m in _PRE2019_SECTIONS if m in normalised_text) >= 2
