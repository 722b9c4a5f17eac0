"""T2 (主动公开): T2-001, T2-002, T2-004. T2-003 is cross-year (cross.py), T2-005 narrative.

T2-001 needs the agency's power to make 规章, inferred from its name (agency.py) unless the caller
knows the level (registry); only 国务院部门, 省级人民政府 and 设区的市/自治州人民政府 make 规章.
"""

from __future__ import annotations

from services.validator import agency
from services.validator.rules import finding
from services.validator.sums import Identities, identity
from services.validator.text import section_text
from shared.report import Finding, ParsedReport
from shared.schema import SCHEMAS, cell_path

T = "active_disclosure"
_CAN_MAKE_BY_LEVEL = {"central": True, "provincial": True, "prefecture": True}
_SETTLED_LEVELS = ("central", "provincial", "prefecture", "county", "township")


def t2_001_regulations(
    report: ParsedReport, agency_level: str | None = None, agency_kind: str | None = None
) -> list[Finding]:
    rows = report.tables.get(T) or {}
    cells = rows.get("regulations") or {}
    nonzero = {
        cell_path(T, "regulations", col): c.value
        for col, c in cells.items()
        if c.kind == "number" and c.value
    }
    if not nonzero:
        return []
    # whom the report speaks for: registry kind, then scope statements (「代表市政府」), then name
    kind = agency.reporting_kind(report.agency_name, section_text(report, "overview"), agency_kind)
    level = agency_level or agency.level_of(report.agency_name)
    if kind == "government":
        may = (
            _CAN_MAKE_BY_LEVEL.get(level, False)
            if agency_level is not None or level in _SETTLED_LEVELS
            else None  # a government office speaking for 「X市」: the city's level is not settled
        )
    elif agency_level is not None and agency.kind_of(report.agency_name) == "government":
        may = _CAN_MAKE_BY_LEVEL.get(agency_level, False)
    else:
        may = agency.can_make_regulations(report.agency_name)
    if may is not False:
        return []
    shown = ", ".join(f"{p}={v:g}" for p, v in nonzero.items())
    return [
        finding(
            "T2-001",
            f"{report.agency_name or 'this agency'} ({level} {kind}) "
            f"cannot make 规章 but reports {shown}; probably 规范性文件 miscounted",
            list(nonzero),
        )
    ]


_T2_002 = Identities(
    T,
    (
        identity(
            "T2-002",
            [(row, "issued")],
            [(row, "in_force"), (row, "repealed")],
            f"{row}: issued <= in_force + repealed",
            "<=",
        )
        for row in ("regulations", "normative_documents")
    ),
)
_T2_004 = Identities(
    T,
    (
        *(
            identity(
                "T2-004",
                [(row, "newly_published")],
                [(row, "published_total")],
                f"{row}: newly_published <= published_total",
                "<=",
            )
            for row in ("regulations", "normative_documents")
        ),
        *(
            identity(
                "T2-004",
                [(r.key, "items_prev_year"), (r.key, "items_change")],
                [],
                f"{r.key}: items_prev_year + items_change >= 0",
                ">=",
            )
            for block in SCHEMAS["2019"].t2_blocks
            if "items_change" in {c.key for c in block.cols}
            for r in block.rows
        ),
    ),
)


def t2_002_issued(report: ParsedReport) -> list[Finding]:
    return _T2_002.check(report.tables.get(T))


def t2_004_2019(report: ParsedReport) -> list[Finding]:
    return _T2_004.check(report.tables.get(T))


def check(
    report: ParsedReport, agency_level: str | None = None, agency_kind: str | None = None
) -> list[Finding]:
    if not report.tables.get(T):
        return []
    out = t2_001_regulations(report, agency_level, agency_kind)
    if report.format_version == "2021":
        out += t2_002_issued(report)
    elif report.format_version == "2019":
        out += t2_004_2019(report)
    return out
