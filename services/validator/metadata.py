"""M-001 … M-007: the report as a document (title, year, dates, publisher, sections 五 and 六).

These are the only rules applied to pre2019 reports (besides S-006): free-form reports have no
national tables. M-002 deadlines: 条例 (2019) Art. 49 — departments by 1月31日, governments by
3月31日 of Y+1; reports for 2018 and earlier fall under the 2008 条例 (3月31日 for all). Township
governments and bodies whose kind the name does not settle get the later (3月31日) deadline.
"""

from __future__ import annotations

import re
from datetime import date

from services.validator import agency
from services.validator.rules import E, finding
from services.validator.text import norm, section_text
from shared.report import Finding, ParsedReport

_YEAR = re.compile(r"((?:19|20)\d\d)年")
_TITLE = re.compile(r"^(?P<agency>.+?)(?P<year>(?:19|20)\d\d)年度?政府信息公开工作年度报告$")
_DATE = re.compile(r"((?:19|20)\d\d)\D(\d{1,2})\D(\d{1,2})")
_GENERIC_SUFFIX = re.compile(r"(办公室|办公厅|门户网站|网站|政务公开办|信息公开办)$")
_GENERIC_CHARS = set("市区县省局委办厅人民政府")


def title_year(report: ParsedReport) -> int | None:
    m = _YEAR.search(norm(report.title))
    return int(m.group(1)) if m else report.report_year


def m001_period(report: ParsedReport) -> list[Finding]:
    y = title_year(report)
    if y is None or report.stat_period is None:
        return []
    years = {report.stat_period.start[:4], report.stat_period.end[:4]}
    if years == {str(y)}:
        return []
    sp = report.stat_period
    return [
        finding(
            "M-001",
            f"title year {y} but statistics period {sp.start} – {sp.end}",
            ["title", "stat_period"],
        )
    ]


def _date(iso: str | None) -> date | None:
    m = _DATE.match(norm(iso)) if iso else None
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def deadline(report_year: int, agency_name: str | None, kind: str | None = None) -> date:
    """31 March (governments, and everyone before 2019), 31 January (departments, 条例 Art. 49).
    `kind` when known (registry, scope statements); else the name decides."""
    kind = kind or agency.kind_of(agency_name)
    if report_year <= 2018 or kind != "department":
        return date(report_year + 1, 3, 31)
    return date(report_year + 1, 1, 31)


def _scope_text(report: ParsedReport) -> str:
    return section_text(report, "overview")


def m002_published(report: ParsedReport, agency_kind: str | None = None) -> list[Finding]:
    y, pub = report.report_year, _date(report.publish_date)
    if y is None or pub is None:
        return []
    if pub.year <= y:
        return [
            finding(
                "M-002",
                f"published {pub.isoformat()} (the date the document states), during or before "
                f"the report year {y}: wrong year or wrong report",
                ["publish_date"],
                severity=E,
                tags=["basis=stated_date"],
            )
        ]
    kind = agency.reporting_kind(report.agency_name, _scope_text(report), agency_kind)
    due = deadline(y, report.agency_name, kind)
    if pub > due:
        late = (pub - due).days
        whose = "a department's" if kind == "department" else "a government's"
        return [
            finding(
                "M-002",
                f"published {pub.isoformat()} (the date the document states), {late} days after "
                f"the deadline {due.isoformat()} ({whose})",
                ["publish_date"],
                tags=["basis=stated_date", f"agency_kind={kind}"],
            )
        ]
    return []


def agency_core(name: str | None) -> str:
    s = norm(name)
    while True:
        t = _GENERIC_SUFFIX.sub("", s)
        if t == s:
            return s
        s = t


def same_agency(a: str | None, b: str | None) -> bool:
    """Fuzzy: containment after dropping 办公室/网站 suffixes, or — past their common prefix — the
    distinctive characters of the shorter name (市/局/人民政府… ignored) mostly (>= 75%) in the
    longer one (「鹿城区经信局」 ~ 「温州市鹿城区经济和信息化局」, but not 「温州市鹿城区财政局」)."""
    x, y = agency_core(a), agency_core(b)
    if not x or not y:
        return True
    if x in y or y in x:
        return True
    i = 0
    while i < min(len(x), len(y)) and x[i] == y[i]:
        i += 1
    x, y = x[i:], y[i:]  # a shared place prefix says nothing about the unit (财政局 vs 经信局)
    short, long_ = sorted((x, y), key=len)
    chars = [c for c in short if c not in _GENERIC_CHARS]
    if not chars:
        return False
    return sum(c in long_ for c in chars) / len(chars) >= 0.75


# a publisher field names an agency when it ends like one; 「本网」「原创」「区政府办」 say nothing
_AGENCY_END = re.compile(
    r"(局|委|委员会|办|办公室|办公厅|厅|政府|院|会|中心|所|处|室|部|署|镇|乡|街道|办事处)$"
)


def _names_an_agency(name: str) -> bool:
    core = agency_core(name)
    return bool(_AGENCY_END.search(norm(name))) and any(c not in _GENERIC_CHARS for c in core)


def m003_publisher(report: ParsedReport) -> list[Finding]:
    page = report.page_agency
    if not page or not report.agency_name or not _names_an_agency(page):
        return []
    if same_agency(report.agency_name, page):
        return []
    return [
        finding(
            "M-003",
            f"title names 「{report.agency_name}」 but the page is published by 「{report.page_agency}」",
            ["agency_name", "page_agency"],
        )
    ]


_SUFFIXES = ("图片版", "超链版", "文字解读", "解读", "图解")


def m004_title(report: ParsedReport) -> list[Finding]:
    t = norm(report.title).lstrip("#")
    if not t:
        if report.source_modality == "image":
            return []  # a scan says nothing until OCR reads it (S-006 says so)
        return [finding("M-004", "no title found", ["title"])]
    if _TITLE.match(t):
        return []
    why = []
    if any(s in t for s in _SUFFIXES):
        why.append("variant or companion page suffix")
    if re.match(r"^(?:19|20)\d\d年", t):
        why.append("year before the agency name")
    if "政府信息公开工作年度报告" not in t:
        why.append("not 「政府信息公开工作年度报告」")
    reason = "; ".join(why) or "unexpected wording"
    return [
        finding(
            "M-004",
            f"title 「{report.title.strip()}」 deviates from 「{{机关全称}}{{Y}}年政府信息公开工作年度报告」: {reason}",
            ["title"],
        )
    ]


_AGGREGATE = re.compile(
    r"(汇总|综合)[^。]{0,30}(各部门|各单位|所属|下属|乡镇|街道|编制主体)"
    r"|(各部门|各单位|所属|下属|乡镇|街道|编制主体)[^。]{0,30}(汇总|综合)"
)


def m005_aggregate(report: ParsedReport) -> list[Finding]:
    if agency.kind_of(report.agency_name) != "government":
        return []
    text = norm(section_text(report, "overview")) or norm(report.title)
    m = _AGGREGATE.search(text[:3000])
    if not m:
        return []
    return [
        finding(
            "M-005",
            f"aggregate report (「{m.group(0)[:40]}」): not additive with its subordinate bodies' own reports",
            ["sections.overview"],
            tags=["report_kind=aggregate"],
        )
    ]


_EMPTY = {"", "无", "暂无", "没有", "无。", "暂无。"}


def m006_problems(report: ParsedReport) -> list[Finding]:
    if "problems" not in report.sections:
        return []
    text = re.sub(r"[。.、，,;；:：\-—]", "", norm(section_text(report, "problems")))
    if text in _EMPTY:
        return [
            finding(
                "M-006",
                "section 五 (problems and improvements) is empty or only 「无」",
                ["sections.problems"],
            )
        ]
    return []


# 「信息处理费」 in any wording: 处理费, 收费, or 费用 (「…信息处理事项及费用」, seed 002)
_FEE_WORDS = re.compile(r"处理费|收费|收取|费用")


def m007_fee(report: ParsedReport) -> list[Finding]:
    if report.format_version != "2021" or "other_matters" not in report.sections:
        return []
    if _FEE_WORDS.search(norm(section_text(report, "other_matters"))):
        return []
    return [
        finding(
            "M-007",
            "section 六 does not mention 信息处理费 (fees under 国办函〔2020〕109号)",
            ["sections.other_matters"],
        )
    ]


def check(report: ParsedReport, agency_kind: str | None = None) -> list[Finding]:
    return [
        *m001_period(report),
        *m002_published(report, agency_kind),
        *m003_publisher(report),
        *m004_title(report),
        *m005_aggregate(report),
        *m006_problems(report),
        *m007_fee(report),
    ]
