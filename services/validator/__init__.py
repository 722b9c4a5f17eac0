"""Validator: a `ParsedReport` → findings with the rule ids of report-format.md §6.

    from services.validator import validate, validate_pair, compare_documents, find_duplicates
    findings = validate(report)                 # one document
    findings += validate_pair(last_year, report)  # T2-003, T3-004
    status = shared.report.status_of(findings)

Pure functions, no I/O. Rules are split by group (structure, values, t2, t3, t4, metadata,
narrative, cross); the catalogue of ids and severities is rules.py. pre2019 reports get the
metadata rules (and S-006 / parse notes) only: they have no national tables.

Settings read: `fee_decimals` (V-005), through `settings` or `shared.config.load()`.
"""

from __future__ import annotations

from services.validator import metadata, narrative, ocr, structure, t2, t3, t4, values
from services.validator.cross import PairFindings, compare_documents, find_duplicates, validate_pair
from services.validator.rules import RULES
from shared.config import Settings, load
from shared.report import Finding, ParsedReport

_default_settings: Settings | None = None


def _settings() -> Settings:
    global _default_settings
    if _default_settings is None:
        _default_settings = load()
    return _default_settings


def validate(
    report: ParsedReport,
    *,
    settings: Settings | None = None,
    agency_level: str | None = None,
    agency_kind: str | None = None,
) -> list[Finding]:
    """Every single-document rule of §6.

    Args:
        report: the parsed report.
        settings: thresholds (fee_decimals); default `shared.config.load()` once per process.
        agency_level: central/provincial/prefecture/county/township when the caller knows it
            (portal registry); otherwise inferred from the agency name (T2-001).
        agency_kind: government/department when the portal registry says so (M-002 deadline,
            T2-001); otherwise the document's scope statements, then the name.
    """
    settings = settings or _settings()
    if report.format_version not in ("2019", "2021"):
        return [*structure.check(report), *metadata.check(report, agency_kind)]
    cells, missing = structure.scan(report)  # one pass over the grid for S-003 and the V rules
    findings = [*structure.check(report, missing), *metadata.check(report, agency_kind)]
    findings += values.check(report, settings, cells)
    findings += t2.check(report, agency_level, agency_kind)
    findings += t3.check(report)
    findings += t4.check(report)
    findings += narrative.check(report)
    return ocr.reclassify(report, findings)


__all__ = [
    "RULES",
    "PairFindings",
    "compare_documents",
    "find_duplicates",
    "validate",
    "validate_pair",
]
