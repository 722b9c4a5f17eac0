"""services/validator/handlers.py: findings are counted per rule and severity."""

from __future__ import annotations

from prometheus_client import REGISTRY

from services.validator.handlers import count_findings
from shared.report import Finding


def _count(rule: str, severity: str) -> float:
    return (
        REGISTRY.get_sample_value("nianbao_findings_total", {"rule": rule, "severity": severity})
        or 0.0
    )


def test_findings_are_counted_by_rule_and_severity():
    before = {
        k: _count(*k) for k in (("T3-002", "error"), ("T3-002", "warning"), ("T4-001", "error"))
    }
    findings = [
        Finding("T3-002", "error", "a"),
        Finding("T3-002", "error", "b"),
        Finding("T3-002", "warning", "c", tags=["due_to_blank"]),
        Finding("T4-001", "error", "d"),
    ]
    count_findings(findings)
    count_findings(findings[:1])
    after = {k: _count(*k) - v for k, v in before.items()}
    assert after == {("T3-002", "error"): 3.0, ("T3-002", "warning"): 1.0, ("T4-001", "error"): 1.0}
