"""Agency level and kind inferred from the name in the title (T2-001, M-002, V-004).

Names are all we have in one document, so the inference is conservative: where a name does not
settle the question (「新乡市人民政府」 may be a 设区的市 or a 县级市), the level is
`prefecture_or_county` and rules that need the level stay silent rather than guess.

Levels: central | provincial | prefecture | prefecture_or_county | county | township | unknown.
Kinds: government (人民政府 itself, 乡镇/街道, the 管委会 of a zone) | department (any
部门/机构/办公室) | unknown.

`reporting_kind` answers "for whom does this report speak" (the M-002 deadline): the portal
registry's kind when known, then the document's own scope statements (「代表市政府」, 「全市共受理」,
「汇总…各有关单位」), then the name; `unknown` when none of them settles it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Literal

Level = Literal[
    "central", "provincial", "prefecture", "prefecture_or_county", "county", "township", "unknown"
]
Kind = Literal["government", "department", "unknown"]

MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_TOWNSHIP = re.compile(r"(乡|镇|街道|街道办事处|苏木)(人民政府|政府)?$")
_GOV = re.compile(r"^(?P<place>.+?)(人民政府|政府)$")
_CENTRAL_PREFIX = ("国务院", "国家", "中国", "中华人民共和国", "中央", "海关总署")
_CENTRAL_SUFFIX = ("部", "总署", "总局", "委员会", "银行", "署")
# a place marker in front of the unit name means a local body (国家…总局 has no such marker,
# but 「市场」 contains 市, so markers are matched as a place suffix followed by more text)
_LOCAL = re.compile(r"(省|自治区|市|自治州|州|盟|地区|县|自治县|区|旗|乡|镇|街道)(?!场)")
_FIRST_PLACE = re.compile(r"[^省市县区旗]{1,9}?(省|自治区|市(?!场)|自治州|盟|地区|县|区|旗)")
_SECOND_PLACE = re.compile(r"[^省市县区旗]{1,4}?(区|县|自治县|旗)")
# a zone's 管委会 governs the zone: it reports for it, as a government does (deadline 31 March)
_ZONE_COMMITTEE = re.compile(
    r"(开发区|新区|实验区|示范区|高新区|园区|保税区|合作区|试验区)(党工委)?(管理委员会|管委会)$"
)
# the document says it speaks for a whole government: 「代表市政府」, 「全区共受理」, 「汇总…各有关单位」
_GOVERNMENT_SCOPE = re.compile(
    r"代表(?:省|市|区|县|州|旗|镇|乡)?(?:人民)?政府"
    r"|全(?:省|市|区|县|州|旗)(?:各级行政机关)?共(?:计)?(?:受理|收到|新收|办理|主动公开)"
    r"|汇总[^。]{0,30}(?:各有关单位|各部门|各单位|各乡镇|各街道|各县)"
)


def normalise(name: str | None) -> str:
    if not name:
        return ""
    s = unicodedata.normalize("NFKC", name)
    return re.sub(r"\s+", "", s)


def _gov_level(place: str) -> Level:
    if place.endswith(("省", "自治区")) or place in MUNICIPALITIES:
        return "provincial"
    if _TOWNSHIP.search(place):
        return "township"
    if place.endswith("自治州") or place.endswith("盟"):
        return "prefecture"
    if place.endswith(("县", "自治县", "旗", "自治旗", "特区", "林区")):
        return "county"
    if place.endswith("区"):
        # 市辖区 (county level); 新区/开发区 are zones, treated as county level too
        return "county"
    if place.endswith("市"):
        # 「X市Y市」 (a city inside a city) is a 县级市; a bare 「X市」 may be either
        inner = place[:-1]
        if "市" in inner:
            return "county"
        return "prefecture_or_county"
    return "unknown"


@functools.lru_cache(maxsize=4096)
def kind_of(name: str | None) -> Kind:
    s = normalise(name)
    if not s:
        return "unknown"
    if _TOWNSHIP.search(s) or _GOV.match(s) or _ZONE_COMMITTEE.search(s):
        return "government"
    return "department"


def reporting_kind(name: str | None, text: str = "", registry_kind: str | None = None) -> Kind:
    """Whom the report speaks for: registry first, then scope statements in `text`, then the name."""
    if registry_kind in ("government", "department"):
        return registry_kind  # type: ignore[return-value]
    if text and _GOVERNMENT_SCOPE.search(normalise(text[:6000])):
        return "government"
    return kind_of(name)


@functools.lru_cache(maxsize=4096)
def level_of(name: str | None) -> Level:
    s = normalise(name)
    if not s:
        return "unknown"
    if _TOWNSHIP.search(s):
        return "township"
    m = _GOV.match(s)
    if m:
        return _gov_level(m.group("place"))
    if s.startswith(_CENTRAL_PREFIX) or (s.endswith(_CENTRAL_SUFFIX) and not _LOCAL.search(s[:-1])):
        return "central"
    # a department: the level of the government it belongs to, from the leading place name
    # (「温州市鹿城区经济和信息化局」 → 温州市鹿城区 → county). Only a second token ending in 区/县/旗
    # is joined: 「杭州市城市管理局」 must not read 城市 as a place.
    first = _FIRST_PLACE.match(s)
    if not first:
        return "unknown"
    place = first.group(0)
    second = _SECOND_PLACE.match(s, first.end())
    if second:
        place += second.group(0)
    return _gov_level(place)


def can_make_regulations(name: str | None) -> bool | None:
    """True for 国务院部门, 省级人民政府, 设区的市/自治州人民政府; False when the name says it cannot;
    None when the name does not settle it."""
    level, kind = level_of(name), kind_of(name)
    if level == "central":
        return True
    if kind == "government":
        if level in ("provincial", "prefecture"):
            return True
        if level in ("county", "township"):
            return False
        return None
    if kind == "department" and level in (
        "provincial",
        "prefecture",
        "prefecture_or_county",
        "county",
        "township",
    ):
        return False
    return None
