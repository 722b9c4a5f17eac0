"""Cell text → `Cell` (report-format.md §5 "Cell values").

NFKC; surrounding whitespace (ideographic space, &nbsp;) and thousands separators removed; units
元/万元/件/个/项/条 recorded (also 「0（件）」); 〇/零 read as 0; signs accepted only where the column
allows them (2019 本年增/减); dashes and 无/不适用/N/A become `na_dash` / `na_slash`; empty becomes
`blank`; two numbers in one cell (「1 2」, PDF cells run together) and anything else are `text`
(never guessed into a number). Reads no settings.
"""

from __future__ import annotations

import re
from functools import lru_cache

from shared.nfkc import drop_space, nfkc
from shared.report import Cell, Evidence

_NUMBER = re.compile(
    r"^([+-]?)(\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)\(?(万元|万|元|件|个|项|条|次|宗|起)?\)?$"
)
_DASHES = frozenset({"-", "—", "–", "－", "——", "--", "―", "─", "一"})
_SLASHES = frozenset({"/", "／", "\\", "无", "不适用", "N/A", "n/a", "NA", "na", "暂无"})
_DASH_CHARS = "-—–－―─"
_SPLIT_DIGITS = re.compile(r"\d[\s\u3000\u00a0]+[+-]?\d")
_ZEROS = frozenset({"〇", "零", "○"})


class Placed(str):
    """A cell's text as its own object, so that where it was read can be looked up by identity
    (the table reader's `where` map: id → Evidence fields) — CPython shares equal short strings
    such as "0", a Placed never. It hashes and compares as its text, so the reader and its caches
    treat it as the plain string; text derived from it (slices, joins) is plain str and carries
    no evidence (none is guessed)."""

    __slots__ = ()


def with_evidence(cell: Cell, raw: str, where: dict[int, tuple]) -> Cell:
    """`cell` (read from `raw`) with the evidence `where` holds for that very object, if any."""
    if type(raw) is Placed:
        at = where.get(id(raw))
        if at is not None:
            cell.evidence = Evidence(*at)
    return cell


@lru_cache(maxsize=16384)
def clean(raw: str) -> str:
    """NFKC and no whitespace: the form numbers are read from."""
    return drop_space(nfkc(raw))


@lru_cache(maxsize=16384)
def is_value_like(raw: str | None) -> bool:
    """True when the text reads as a cell value (number or NA marker), not as a label."""
    if raw is None:
        return False
    s = clean(raw).replace("，", ",")
    if not s:
        return False
    if _NUMBER.match(s):
        return True
    return (
        s in _DASHES
        or s in _SLASHES
        or s in _ZEROS
        or (len(s) <= 3 and all(ch in _DASH_CHARS for ch in s))
    )


@lru_cache(maxsize=16384)
def cell_class(raw: str) -> int:
    """0 for an empty cell (`clean` is empty), 1 for a value (`is_value_like`), 2 for a label."""
    if not clean(raw):
        return 0
    return 1 if is_value_like(raw) else 2


def parse_cell(raw: str | None, signed: bool = False) -> Cell:
    """Read one cell. `raw` keeps the text as found (stripped of surrounding whitespace)."""
    if raw is None:
        return Cell(raw="", kind="blank")
    return Cell(*_read(raw, signed))  # (value, raw, kind, unit, note): Cell's field order


@lru_cache(maxsize=16384)
def _read(raw: str, signed: bool) -> tuple:
    shown = raw.strip()
    s = clean(raw).replace("，", ",")
    if not s:
        return None, shown, "blank", None, None
    if _SPLIT_DIGITS.search(shown):
        # 「1 2」: two cells run together (PDF) far more often than a space as thousands separator
        return None, shown, "text", None, "several numbers in one cell"
    if s in _ZEROS:
        return 0, shown, "number", None, None
    m = _NUMBER.match(s)
    if m:
        sign, digits, unit = m.groups()
        num = digits.replace(",", "")
        value: int | float = float(num) if "." in num else int(num)
        if sign == "-":
            value = -value
        # a sign where the column has none is kept as written (V-001 judges it), but marked
        note = "sign in an unsigned column" if sign and not signed and value != 0 else None
        return value, shown, "number", unit, note
    if s in _DASHES or (len(s) <= 3 and all(ch in _DASH_CHARS for ch in s)):
        return None, shown, "na_dash", None, None
    if s in _SLASHES:
        return None, shown, "na_slash", None, None
    return None, shown, "text", None, None
