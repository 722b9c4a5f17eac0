"""Label normalisation and matching of table labels to schema keys (report-format.md §5).

Steps, in order: NFKC; traditional → simplified for the characters the table labels use (mirrors
such as the 武汉 2020 copy are in traditional characters); remove all whitespace (so wrapped and
stacked cells `商业\\n企业`, `结\\n果` join up); drop quotes; strip leading item markers
(`一、 （一） (一) 1. 1． 1、`); strip bracketed template notes, also an unclosed trailing one
(`部分公开（区分处理的，只计这一情` where the label wrapped). A `LabelIndex` then maps the result to
a key: exact first, then the longest known spelling contained in the label (stray characters
from stacked row-group labels in PDF text), then a unique known spelling the label is a prefix
of (a label truncated by wrapping). Reads no settings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

from shared.nfkc import drop_space, nfkc, translator
from shared.schema import Label

_TRAD_PAIRS = (
    "規规 範范 許许 處处 罰罚 強强 製制 廢废 現现 號号 數数 總总 計计 經经 複复 議议 訴诉 訟讼 結结 "
    "維维 糾纠 審审 請请 開开 與与 務务 資资 訊讯 費费 額额 設设 區区 發发 項项 條条 內内 類类 護护 "
    "權权 執执 詢询 據据 舉举 報报 確确 認认 補补 進进 徵征 繳缴 應应 關关 對对 來来 門门 機机 構构 "
    "業业 體体 會会 無无 產产 當当 過过 個个 達达 聯联 後后 轉转 續续 辦办 決决 實实 際际 標标 準准 "
    "於于 為为 並并 錄录 價价 歸归 屬属 顯显 層层 級级 證证 鄉乡 鎮镇 縣县 劃划 圖图 檔档 訂订 險险 "
    "穩稳 國国 家家 祕秘 協协 書书 單单 職职 屆届 制制 態态 門门 總总 裡里 週周 說说 須须 務务 "
    "況况 動动 復复 題题 問问 監监 傳传 統统 億亿 萬万 員员 長长 東东 廣广 寧宁 華华 陽阳 漢汉 濟济 "
    "蘇苏 貴贵 龍龙 陝陕 鄭郑 鐵铁 衛卫 農农 醫医 療疗 環环 稅税 財财 軍军 歷历 議议 組组 織织 "
    "紀纪 錄录 檢检 測测 購购 採采 於于 義义 幹干 濟济 廳厅 營营 觀观 規规 範范"
)
_TRAD = str.maketrans({p[0]: p[1] for p in _TRAD_PAIRS.split()})
_to_simplified = translator(_TRAD)  # s.translate(_TRAD), faster on long text
_QUOTE_CHARS = "\"'“”‘’「」『』〝〞"
_QUOTES = re.compile(f"[{_QUOTE_CHARS}]")
_MARKER = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.]|\((?:[一二三四五六七八九十]+|\d+)\)(?:[、.](?!\d))?|\d+[.、](?!\d)|[①②③④⑤⑥⑦⑧⑨⑩]|第[一二三四五六七八九十]+部分[、.:]?)"
)
_NOTE = re.compile(r"[(\[【][^()\[\]【】]*[)\]】]")
_UNCLOSED = re.compile(r"[(\[【][^()\[\]【】]*$")


_CACHE = 16384  # labels repeat across reports: normalise each distinct label once
_INDEX_CACHE = (
    4096  # per LabelIndex (ten of them); keys are labels, at most a few hundred characters
)


@lru_cache(maxsize=_CACHE)
def norm(text: str | None) -> str:
    """NFKC, traditional→simplified (label characters), no whitespace, no quotes."""
    return norm_text(text)


def norm_line(text: str) -> str:
    """`norm` for a line of any length: cached when short (labels, headings), not when prose."""
    return norm(text) if len(text) <= 200 else norm_text(text)


def norm_text(text: str | None, *, traditional: bool = True) -> str:
    """`norm` without the cache, for whole documents (never cache megabytes of text)."""
    if not text:
        return ""
    return norm_nfkc_text(nfkc(text), traditional=traditional)


def norm_nfkc_text(text: str, *, traditional: bool = True) -> str:
    """`norm_text` of a text already in NFKC (a document's text, normalised once by `interpret`):
    the same steps after NFKC."""
    if not traditional:
        return _drop_quotes(drop_space(text))
    return _drop_quotes(drop_space(_to_simplified(text)))


def _drop_quotes(s: str) -> str:
    """`_QUOTES.sub("", s)`; on long text (whole documents) one C scan per quote character is faster."""
    if len(s) < 256:
        return _QUOTES.sub("", s)
    for q in _QUOTE_CHARS:
        if q in s:
            s = s.replace(q, "")
    return s


def starts_outside(text: str, chars: str) -> bool:
    """True when `norm_text(text)` surely starts with none of `chars`, told from the raw first
    character without normalising. Only sure for a CJK ideograph (NFKC leaves it alone and it
    composes with nothing; traditional → simplified applies), an ASCII digit or an opening
    parenthesis; anything else (spaces, quotes, compatibility forms) gives False."""
    c = text[:1]
    if "\u4e00" <= c <= "\u9fff":
        return c.translate(_TRAD) not in chars
    if c in _PLAIN_STARTS:
        return unicodedata.normalize("NFKC", c) not in chars
    return False


_PLAIN_STARTS = frozenset("0123456789（(")


@lru_cache(maxsize=_CACHE)
def strip_marker(s: str) -> str:
    """Remove leading item markers, repeatedly (`三、(一)予以公开` → `予以公开`)."""
    while True:
        m = _MARKER.match(s)
        if not m or m.end() == len(s):
            return s
        s = s[m.end() :]


@lru_cache(maxsize=_CACHE)
def strip_notes(s: str) -> str:
    """Remove bracketed notes (nested one level) and an unclosed trailing bracket."""
    prev = None
    while prev != s:
        prev = s
        s = _NOTE.sub("", s)
    return _UNCLOSED.sub("", s)


@lru_cache(maxsize=_CACHE)
def core(text: str | None) -> str:
    """The comparable form of a label: normalised, without item markers and notes."""
    return strip_notes(strip_marker(norm(text)))


class LabelIndex:
    """Maps label text to keys for one set of candidate labels (one table part, one format).

    `match` and `exact` are the index's two questions. The same labels come back row after row and
    report after report, and an index lives as long as its TableReader (one per format), so each
    is answered once per distinct label: both are `functools.lru_cache`s built in `__init__`
    around `_match_uncached` / `_exact_uncached` of this index (bounded, `_INDEX_CACHE` labels each).
    """

    match: Callable[[str | None], str | None]
    """The key `text` names: exact, else the longest known spelling it contains, else a unique
    spelling it is the start of."""

    exact: Callable[[str | None], str | None]
    """Match only the whole label (after markers and notes), no containment."""

    def __init__(self, labels: Iterable[Label], *, min_contained: int = 4) -> None:
        self._exact: dict[str, str] = {}
        forms: list[tuple[str, str]] = []
        for lab in labels:
            for spelling in lab.spellings:
                for form in {norm(spelling), strip_marker(norm(spelling)), core(spelling)}:
                    if form:
                        self._exact.setdefault(form, lab.key)
                        forms.append((form, lab.key))
        # longest first, so 其他法律行政法规禁止公开 wins over 其他
        self._contained = sorted(
            {(f, k) for f, k in forms if len(f) >= min_contained}, key=lambda fk: -len(fk[0])
        )
        self.match = lru_cache(maxsize=_INDEX_CACHE)(self._match_uncached)
        self.exact = lru_cache(maxsize=_INDEX_CACHE)(self._exact_uncached)

    def _match_uncached(self, text: str | None) -> str | None:
        n = norm(text)
        if not n:
            return None
        for form in (n, strip_marker(n), strip_notes(strip_marker(n))):
            key = self._exact.get(form)
            if key:
                return key
        c = strip_notes(strip_marker(n))
        for form, key in self._contained:
            if form in n or (c and form in c):
                return key
        if len(c) >= 4:
            keys = {k for f, k in self._contained if f.startswith(c)}
            if len(keys) == 1:
                return keys.pop()
        return None

    def _exact_uncached(self, text: str | None) -> str | None:
        n = norm(text)
        for form in (n, strip_marker(n), strip_notes(strip_marker(n))):
            key = self._exact.get(form)
            if key:
                return key
        return None
