"""Validator stage logic: doc.parsed → findings (+ cross-year rules when the search store has the
agency's previous year) → doc.validated.

Idempotent: pure function of the event (and the previous year's indexed report); Msg-Id
`validated:<doc_id>:<version>`.
Settings read: none.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from shared import metrics
from shared.events import DocParsed, DocValidated, subject_token
from shared.report import status_of
from shared.runtime.publish import Outgoing, outgoing
from shared.storage.base import SearchStore
from shared.topology import subject
from shared.versions import VALIDATOR_VERSION


async def previous_year(search, report):
    """The agency's report for the year before, when the store has it (else None)."""
    lookup = getattr(search, "previous_report", None)
    if search is None or lookup is None or not report.agency_name or not report.report_year:
        return None
    return await lookup(report.agency_name, report.report_year)


async def findings_for(report, search) -> list:
    from services.validator import validate, validate_pair  # the validator's library API

    findings = list(validate(report))
    prev = await previous_year(search, report)
    if prev is not None:
        findings += list(validate_pair(prev, report))
    return findings


_findings_children: dict[tuple[str, str], Any] = {}


def count_findings(findings) -> None:
    """nianbao_findings_total{rule, severity} += the report's findings: one inc per (rule,
    severity), with the labelled child resolved once per process (~45 findings per report made
    `labels()` a visible share of the stage's CPU)."""
    for key, n in Counter((f.rule, f.severity) for f in findings).items():
        child = _findings_children.get(key)
        if child is None:
            child = _findings_children[key] = metrics.FINDINGS.labels(*key)
        child.inc(n)


async def handle_parsed(event: DocParsed, search: SearchStore) -> list[Outgoing]:
    findings = await findings_for(event.report, search)
    status = status_of(findings, event.report)
    count_findings(findings)
    metrics.REPORTS_BY_STATUS.labels(status).inc()
    validated = DocValidated(
        ref=event.ref,
        report=event.report,
        findings=findings,
        status=status,
        parser_version=event.parser_version,
        validator_version=VALIDATOR_VERSION,
        fetched=event.fetched,
    )
    return [
        outgoing(
            subject("doc.validated", subject_token(event.ref.portal)),
            validated,
            "validated",
            event.ref,
        )
    ]
