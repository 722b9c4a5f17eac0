"""deploy/prometheus: the config and rules pass promtool, every alert has a unit test that passes,
and every series a rule reads is one the services export (or another rule records)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support.deploy_tools import load_tool

ROOT = Path(__file__).resolve().parents[2]
PROM = ROOT / "deploy" / "prometheus"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
# Series Prometheus itself adds to every scrape target.
SCRAPE_SERIES = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}


def _promtool(*args: str) -> subprocess.CompletedProcess:
    if not Path(PROMTOOL).exists():
        pytest.fail("promtool not installed: .ci/run installs Debian's prometheus package")
    return subprocess.run([PROMTOOL, *args], cwd=PROM, capture_output=True, text=True, timeout=60)


def _rules() -> list[dict]:
    rules = []
    for path in sorted((PROM / "rules").glob("*.yml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            rules.extend(group["rules"])
    return rules


@pytest.mark.prometheus
def test_prometheus_config_passes_promtool_check_config():
    result = _promtool("check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 rule files found" in result.stdout


@pytest.mark.prometheus
def test_rule_files_pass_promtool_check_rules():
    files = sorted(str(p.relative_to(PROM)) for p in (PROM / "rules").glob("*.yml"))
    result = _promtool("check", "rules", *files)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.prometheus
def test_alert_rules_pass_their_unit_tests():
    tests = sorted(str(p.relative_to(PROM)) for p in (PROM / "tests").glob("*.yml"))
    assert tests, "no rule unit tests in deploy/prometheus/tests"
    result = _promtool("test", "rules", *tests)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_has_a_firing_case_in_the_rule_tests():
    alerts = {r["alert"] for r in _rules() if "alert" in r}
    fired: set[str] = set()
    for path in (PROM / "tests").glob("*.yml"):
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                if check.get("exp_alerts"):
                    fired.add(check["alertname"])
    assert alerts - fired == set(), "alerts without a case that fires"
    assert fired - alerts == set(), "rule tests for alerts that do not exist"


def test_the_alerts_the_operators_asked_for_exist():
    alerts = {r["alert"] for r in _rules() if "alert" in r}
    asked = {
        "NianbaoStageStalled",
        "NianbaoConsumerLagGrowing",
        "NianbaoDeadLettersWaiting",
        "NianbaoPortalFailingForADay",
        "NianbaoErrorRateHigh",
        "NianbaoReportsMissingAfterDeadline",
    }
    assert asked <= alerts


def test_every_alert_has_a_severity_and_a_summary():
    for rule in _rules():
        if "alert" in rule:
            assert rule["labels"]["severity"] in {"page", "ticket"}, rule["alert"]
            assert rule["annotations"]["summary"], rule["alert"]


def test_rules_read_only_series_the_services_export_or_rules_record():
    exported = load_tool("catalogue").exported_series()
    promql = load_tool("promql")
    recorded = {r["record"] for r in _rules() if "record" in r}
    for rule in _rules():
        names = promql.metric_names(rule["expr"])
        unknown = names - exported - recorded - SCRAPE_SERIES
        assert unknown == set(), (
            f"{rule.get('alert') or rule.get('record')} reads {sorted(unknown)}"
        )


def test_recorded_series_follow_the_level_metric_operation_convention():
    for rule in _rules():
        if "record" in rule:
            level, metric, operation = rule["record"].split(":")
            assert level and metric.startswith("nianbao_") and operation, rule["record"]


def test_scrape_config_discovers_every_stage_that_serves_metrics():
    config = yaml.safe_load((PROM / "prometheus.yml").read_text())
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "nianbao")
    names = {n.split(".")[0] for sd in job["dns_sd_configs"] for n in sd["names"]}
    assert names == {
        f"nianbao-{s}" for s in ("fetcher", "scheduler", "parser", "ocr", "validator", "indexer")
    }
    assert {sd["port"] for sd in job["dns_sd_configs"]} == {8080}


def test_relabelling_turns_the_service_dns_name_into_stage_and_namespace_labels():
    """Prometheus regexes are RE2 and anchored at both ends: re.fullmatch behaves the same here."""
    import re

    config = yaml.safe_load((PROM / "prometheus.yml").read_text())
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "nianbao")
    labels = {}
    for rule in job["relabel_configs"]:
        assert rule["source_labels"] == ["__meta_dns_name"]
        m = re.fullmatch(rule["regex"], "nianbao-validator.nianbao.svc.cluster.local")
        labels[rule["target_label"]] = (
            m.expand(rule.get("replacement", r"\1").replace("$", "\\")) if m else None
        )
    assert labels == {"stage": "validator", "namespace": "nianbao"}


def test_the_error_ratio_leaves_out_exactly_the_expected_rejections():
    """One list of expected rejections (shared/runtime/deadletters.py); the recording rule that
    the error-rate alert reads must name the same reasons."""
    import re

    from shared.runtime.deadletters import EXPECTED_REJECTIONS

    text = (ROOT / "deploy" / "prometheus" / "rules" / "recording.yml").read_text()
    (excluded,) = re.findall(r'nianbao_rejections_total\{reason!~"([^"]+)"\}', text)
    assert set(excluded.split("|")) == set(EXPECTED_REJECTIONS)
