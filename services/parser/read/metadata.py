"""Report metadata: title, agency_name, report_year, stat_period, publish_date, page agency, notices.

- title: the first short paragraph near the top that names an annual report (a title split over
  two lines — agency, then 「2021年度政府信息公开工作年度报告」 — is joined), else the container's title;
- agency_name: the title without the year and without 「政府信息公开工作年度报告」 (year-first titles
  「2022年度螅镇…」 too); report_year from the title, else from the statistics period;
- stat_period: 「统计期限自2021年1月1日至12月31日」 and its variants;
- publish_date / page_agency: 「发布日期:2023-01-28」「信息来源:…」 in the text, or the container's;
- cited_notices: 国办公开办函〔2019〕60号 and similar numbers found anywhere (rule S-005).
Reads no settings.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from services.parser.document import Document, Paragraph
from shared.report import StatPeriod

_CN_DIGITS = str.maketrans("〇○零一二三四五六七八九", "000123456789")
_CN_YEAR = re.compile(r"[〇○零一二三四五六七八九]{4}(?=年)")
_WS = re.compile(r"[\s\u3000\u00a0]+")
_REPORT_WORD = re.compile(r"(?:年度报告|年报|工作报告|年度工作报告)")
_TITLE_TAIL = re.compile(
    r"(?:关于)?(?:本机关|本单位)?(?:的)?(?:政府信息公开|政务信息公开|政务公开|信息公开)(?:工作)?(?:年度)?(?:工作)?(?:年度报告|年报|工作报告|报告).*$"
)
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年度?")
_SUFFIX = re.compile(
    r"(?:[(（【\[](?:图片版|超链版|文字版|全文|修订版|更正版|附件)[)）】\]]|\.(?:pdf|docx?|wps|xlsx?|html?))$",
    re.I,
)
_STAT = re.compile(
    r"(?:统计期限|统计时限|统计时间|统计期间|统计区间|统计周期|统计范围|数据统计|所列数据|统计数据)"
    r"[^。;；]{0,30}?((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日[起]?(?:至|到|—|－|-|~|～)+"
    r"(?:((?:19|20)\d{2})年)?(\d{1,2})月(\d{1,2})日"
)
_PUBLISH = re.compile(
    r"(?:发布日期|发布时间|发文日期|公开日期|发布于)[:：]?\s*((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})"
)
_ISO = re.compile(r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
_PAGE_AGENCY = re.compile(
    r"(?:信息来源|发布机构|来源|发文机关|发布单位)[:：][ \t\u3000]*([^\s|｜:：,，]{2,40})"
)
# a crawler's saved copy starts with header lines: 「标题: …」「发布机构: 」「来源：http://…」「栏目：…」
_HEADER_KEY = re.compile(r"^(?:标题|题目|题名|文章标题|名称|title)[:：]\s*", re.I)
# a page printed to PDF runs the byline on after the title with no break between them:
# 「…年度报告发布日期：2023-01-27来源：…字号：大中小」; the title ends where the byline starts
_BYLINE = re.compile(
    r"(?:发布日期|发布时间|发文日期|公开日期|发布机构|信息来源|来源|字号|浏览次数|阅读次数|点击数|访问量)[:：]"
)
_NOT_AN_AGENCY = re.compile(r"^(?:https?|www\.|栏目|来源|发布|标题|信息来源)", re.I)
_NOTICE = re.compile(
    r"((?:国办|国务院办公厅|国务院|国办公开办)[\u4e00-\u9fff]{0,6}?[函发令字])\s*[〔\[［(（【]\s*(\d{4})\s*[〕\]］)）】]\s*(\d{1,4})\s*号"
)
_MAX_TITLE = 80
_SENTENCE = re.compile(
    r"[,。;>»]|^(?:现将|根据|按照|依据|为了|本报告)|如下|当前位置|您的位置|您现在的位置"
)
_AGENCY_TAIL = re.compile(
    r"(?:关于)?(?:政府信息公开|政务信息公开|政务公开|信息公开)(?:工作)?(?:年度报告)?$"
)
_YEAR_NEAR_REPORT = re.compile(
    r"((?:19|20)\d{2})\s*年度?\s*(?:政府信息公开|政务公开)(?:工作)?(?:年度)?(?:报告|年报)"
)
_CONTAINER_SPLIT = re.compile(r"\s*[_|｜]\s*|\s+-\s+")
_TITLE_PUNCT = re.compile(r"[，。,:：;；>»]")
_TAG = re.compile(r"^[【\[][^】\]]{1,12}[】\]]")  # 「【年度报告】…」 column tags before the title
_COMPANION = re.compile(r"^(?:文字解读|图解|解读)[:：]")


@dataclass
class Metadata:
    title: str | None = None
    agency_name: str | None = None
    report_year: int | None = None
    stat_period: StatPeriod | None = None
    publish_date: str | None = None
    page_agency: str | None = None
    cited_notices: list[str] | None = None


def _clean_title(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).strip().lstrip("#").strip()
    t = _HEADER_KEY.sub("", t)
    t = _CN_YEAR.sub(lambda m: m.group(0).translate(_CN_DIGITS), t)
    t = _WS.sub("", t)
    byline = _BYLINE.search(t)
    return t[: byline.start()] if byline and byline.start() > 0 else t


def _title_like(t: str) -> bool:
    return (
        len(t) <= _MAX_TITLE
        and bool(_REPORT_WORD.search(t))
        and ("公开" in t or "年报" in t)
        and not _SENTENCE.search(t)  # 「现将…年度报告公布如下：」 is a sentence about the report
    )


def names_a_report(title: str | None) -> bool:
    """A title that names an annual report (not a site's or a column's name, not a sentence)."""
    return bool(title) and _title_like(_clean_title(title or ""))


def find_title(doc: Document) -> str | None:
    """A report title near the top; one naming a year wins over a breadcrumb like 「政府信息公开年报」."""
    paras = [b.text for b in doc.blocks[:40] if isinstance(b, Paragraph) and b.text.strip()]
    weak: str | None = None
    for i, raw in enumerate(paras[:25]):
        t = _clean_title(raw)
        if not _title_like(t):
            continue
        agency, year = split_title(t)
        if (not agency or year is None) and i > 0:
            # a title split over two lines: 「宁波市…局」+「2021年度…报告」, or 「某某局2021年度」+「政府信息公开…报告」
            prev = _clean_title(paras[i - 1])
            if (
                2 <= len(prev) <= 40
                and not _TITLE_PUNCT.search(prev)
                and not _REPORT_WORD.search(prev)
            ):
                joined_agency, joined_year = split_title(prev + t)
                if joined_agency and joined_year is not None:
                    return prev + t
        if year is None:
            weak = weak or t
            continue
        return t
    container = _container_title(doc.title)
    if container and _YEAR_IN_TITLE.search(container):
        return container
    return weak or container


# what office tools and scanners write as a document's Title: a file name or a placeholder
_FILE_NAME = re.compile(
    r"[\\/]|\.(?:pdf|docx?|wps|xlsx?|html?|jpe?g|png|tiff?)$|^(?:microsoft\s*word|untitled|无标题|新建)",
    re.I,
)


def _container_title(title: str | None) -> str | None:
    if not title or _FILE_NAME.search(title.strip()):
        return None  # never take metadata from a file name
    parts = _CONTAINER_SPLIT.split(title)
    for p in parts:
        if _REPORT_WORD.search(p):
            return _clean_title(p)
    return _clean_title(title)


def split_title(title: str) -> tuple[str | None, int | None]:
    """(agency_name, year) from a normalised title."""
    t = _SUFFIX.sub("", title)
    t = _TAG.sub("", _COMPANION.sub("", t))
    m = _YEAR_IN_TITLE.search(t)
    year = int(m.group(1)) if m else None
    if m:
        before, after = t[: m.start()], t[m.end() :]
        agency = _AGENCY_TAIL.sub("", before.removesuffix("关于")).strip(" -—_:：")
        if not agency:
            agency = _TITLE_TAIL.sub("", after)
    else:
        agency = _TITLE_TAIL.sub("", t)
    agency = agency.strip(' -—_:：《》"“”')
    return (agency or None), year


def _first(text: str, words: tuple[str, ...]) -> int:
    """Where the first of `words` starts in `text`, -1 if none does. Each pattern below starts with
    one of a few keywords and each keyword starts with one of its words (a prefix, so a match
    starts where a word does): searching from there finds the same matches without the regex
    trying every earlier position, and no keyword means no search at all."""
    found = [i for i in map(text.find, words) if i >= 0]
    return min(found) if found else -1


_STAT_WORDS = ("统计", "数据统计", "所列数据")
_PUBLISH_WORDS = ("发布日期", "发布时间", "发文日期", "公开日期", "发布于")
_PAGE_AGENCY_WORDS = ("信息来源", "发布机构", "来源", "发文机关", "发布单位")
_NOTICE_WORDS = ("国办", "国务院")  # prefixes of 国办公开办 and 国务院办公厅 too


# The find_* functions below take the document's text in NFKC, as `read_metadata` receives it; a
# prefix of an NFKC text is NFKC too (composition only looks back), so heads need no normalising.


def find_stat_period(text: str) -> StatPeriod | None:
    flat = "".join(text.split())  # = _WS.sub: \u3000 and \u00a0 are whitespace
    start = _first(flat, _STAT_WORDS)
    m = _STAT.search(flat, start) if start >= 0 else None
    if not m:
        return None
    y1, mo1, d1, y2, mo2, d2 = m.groups()
    y2 = y2 or y1
    try:
        return StatPeriod(
            start=f"{int(y1):04d}-{int(mo1):02d}-{int(d1):02d}",
            end=f"{int(y2):04d}-{int(mo2):02d}-{int(d2):02d}",
        )
    except ValueError:
        return None


def _iso(m: re.Match[str]) -> str | None:
    y, mo, d = (int(x) for x in m.groups()[:3])
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def find_publish_date(text: str, container: str | None) -> str | None:
    head = text[:20000]
    start = _first(head, _PUBLISH_WORDS)
    m = _PUBLISH.search(head, start) if start >= 0 else None
    if m:
        return _iso(m)
    if container:
        m2 = _ISO.search(unicodedata.normalize("NFKC", container))
        if m2:
            return _iso(m2)
    return None


def find_page_agency(text: str, container: str | None) -> str | None:
    if container:
        return container.strip() or None
    head = text[:5000]
    start = _first(head, _PAGE_AGENCY_WORDS)
    for m in _PAGE_AGENCY.finditer(head, start) if start >= 0 else ():
        if not _NOT_AN_AGENCY.match(m.group(1)):
            return m.group(1)
    return None


def find_notices(text: str) -> list[str]:
    seen: dict[str, None] = {}
    start = _first(text, _NOTICE_WORDS)
    for m in _NOTICE.finditer(text, start) if start >= 0 else ():
        seen.setdefault(f"{m.group(1)}〔{m.group(2)}〕{m.group(3)}号", None)
    return list(seen)


def read_metadata(doc: Document, text: str) -> Metadata:
    """Metadata of `doc`, whose whole text in NFKC is `text` (`interpret` normalises it once)."""
    md = Metadata()
    md.title = find_title(doc)
    if md.title:
        md.agency_name, md.report_year = split_title(md.title)
    md.stat_period = find_stat_period(text)
    if md.report_year is None and md.stat_period is not None:
        md.report_year = int(md.stat_period.start[:4])
    if md.report_year is None:
        m = _YEAR_NEAR_REPORT.search(text[:3000])
        md.report_year = int(m.group(1)) if m else None
    md.publish_date = find_publish_date(text, doc.publish_date)
    md.page_agency = find_page_agency(text, doc.page_agency)
    md.cited_notices = find_notices(text)
    return md
