"""The catalogues users look names up in — rules and cell keys — and the guard rails built on them.

`rules()` lists every rule id with its severity and what it checks in English and Chinese
(services.validator's RULES, shared.findings_zh's RULE_ZH); `cells()` every cell key of the 2021
and 2019 formats with its Chinese label. `check_rule` and `check_cell` turn a name a user typed
into an error with a did-you-mean when it names nothing, so `search --rule T3-01` or
`--sum applications.new_recieved.total` never answers a silent 0. A rule may be a family:
`T3-*` names every T3 rule.
"""

from __future__ import annotations

import difflib
import functools

from nianbao.export.columns import TABLE_ZH, cell_keys
from services.validator.rules import RULES
from shared.findings_zh import RULE_ZH, cell_label
from shared.schema import extra_cell_keys

SEVERITIES = ("error", "warning", "info")


class UnknownName(ValueError):
    """A rule id or cell key that names nothing; the message says what was meant, if anything."""


def family(rule: str) -> str:
    return rule.rsplit("-", 1)[0]


def rules(severity: str | None = None, pattern: str | None = None) -> list[dict]:
    out = []
    for rid, (sev, title) in RULES.items():
        if severity and sev != severity:
            continue
        if pattern and not matches(pattern, rid):
            continue
        out.append({"id": rid, "family": family(rid), "severity": sev, "title": title,
                    "title_zh": RULE_ZH.get(rid, "")})  # fmt: skip
    return out


def cells(table: str | None = None, fmt: str | None = None, extra: bool = False) -> list[dict]:
    """The cells of the 2021 and 2019 formats (`formats`: the editions having each); with
    `extra`, then the extra cells the parser may keep beside them (provincial subtotals:
    `"extra": true`, no format)."""
    out = [
        {
            "key": key,
            "label_zh": cell_label(key),
            "table": t,
            "table_zh": TABLE_ZH[t],
            "row": r,
            "col": c,
            "formats": list(formats),
        }  # fmt: skip
        for key, (t, r, c, formats) in cell_keys().items()
        if (table is None or t == table) and (fmt is None or fmt in formats)
    ]
    if extra and fmt is None:
        for key in extra_cell_keys():
            t, r, c = key.split(".")
            if table is None or t == table:
                out.append({"key": key, "label_zh": cell_label(key), "table": t,
                            "table_zh": TABLE_ZH[t], "row": r, "col": c, "formats": [],
                            "extra": True})  # fmt: skip
    return out


@functools.cache
def known_cells() -> frozenset[str]:
    """Every cell key the parser can emit: the formats' and the extra cells'."""
    return frozenset(cell_keys()) | frozenset(extra_cell_keys())


def matches(pattern: str, rule: str) -> bool:
    return rule.startswith(pattern[:-1]) if pattern.endswith("*") else rule == pattern


def _did_you_mean(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(close)}?" if close else ""


def check_rule(pattern: str) -> str:
    """`pattern` (a rule id like T3-001, or a family like T3-*), normalised; UnknownName when it
    names no rule."""
    p = pattern.strip().upper()
    if any(matches(p, rid) for rid in RULES):
        return p
    known = list(RULES) + sorted({family(r) + "-*" for r in RULES})
    raise UnknownName(
        f"unknown rule {pattern!r}{_did_you_mean(p, known)} (`nianbao rules` lists them)"
    )


def check_cell(key: str) -> str:
    """A cell key (TABLE.ROW.COL) the parser can emit — of the 2021 or 2019 format, or an extra
    cell (a provincial subtotal); UnknownName otherwise."""
    k = key.strip()
    if k in known_cells():
        return k
    known = [*cell_keys(), *extra_cell_keys()]
    raise UnknownName(
        f"unknown cell {key!r}{_did_you_mean(k, known)} (`nianbao cells --extra` lists them)"
    )


def check_severity(severity: str) -> str:
    if severity in SEVERITIES:
        return severity
    raise UnknownName(
        f"unknown severity {severity!r}{_did_you_mean(severity, list(SEVERITIES))}"
        f" (one of {', '.join(SEVERITIES)})"
    )
