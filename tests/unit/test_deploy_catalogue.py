"""deploy/tools/catalogue.py and promql.py: docs/metrics.md matches shared/metrics.py, and metric
names are read out of PromQL correctly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.deploy_tools import load_tool

ROOT = Path(__file__).resolve().parents[2]


catalogue = load_tool("catalogue")
promql = load_tool("promql")


def test_docs_metrics_md_lists_exactly_the_metrics_of_shared_metrics():
    documented = set(
        re.findall(r"^\| `(nianbao_\w+)`", (ROOT / "docs" / "metrics.md").read_text(), re.M)
    )
    defined = {f.query_name for f in catalogue.families()}
    hint = "regenerate: .venv/bin/python deploy/tools/catalogue.py --write"
    assert defined - documented == set(), f"undocumented metrics; {hint}"
    assert documented - defined == set(), f"documented metrics that no longer exist; {hint}"


def test_the_catalogue_explains_only_metrics_that_exist():
    assert set(catalogue.ANSWERS) <= {f.name for f in catalogue.families()}, (
        "answers for metrics that are gone"
    )


def test_counters_are_queried_with_total_and_histograms_with_bucket():
    series = catalogue.exported_series()
    assert {
        "nianbao_messages_total",
        "nianbao_processing_seconds_bucket",
        "nianbao_processing_seconds_count",
        "nianbao_in_flight",
    } <= series
    assert "nianbao_messages" not in series


def test_labels_are_bounded_never_urls_or_ids():
    forbidden = {"url", "doc_id", "agency", "version", "path", "host", "subject"}
    for family in catalogue.families():
        assert forbidden.isdisjoint(family.labels), family.name


def test_metric_names_follow_prometheus_conventions():
    for family in catalogue.families():
        assert family.name.startswith("nianbao_"), family.name
        assert not family.name.endswith("_total"), family.name  # client adds it to counters
        if family.type == "histogram":
            assert family.name.endswith("_seconds") or family.name.endswith("_bytes"), family.name


def test_promql_names_skip_functions_labels_ranges_and_grouping():
    expr = (
        "histogram_quantile(0.99, sum by (stage, le) (rate(nianbao_processing_seconds_bucket"
        '{stage=~"$stage", le!="x"}[$__rate_interval])))'
    )
    assert promql.metric_names(expr) == {"nianbao_processing_seconds_bucket"}


def test_promql_names_include_both_sides_of_a_binary_operation_and_recorded_series():
    expr = (
        "stage:nianbao_errors:ratio_rate5m > 0.2 and on (stage) sum without (outcome) "
        '(rate(nianbao_messages_total{outcome="ok"}[5m] offset 1h)) > 1e3'
    )
    assert promql.metric_names(expr) == {
        "stage:nianbao_errors:ratio_rate5m",
        "nianbao_messages_total",
    }


def test_promql_names_ignore_label_replace_strings_and_keywords():
    expr = 'label_replace(up{job="nianbao"} == bool 0, "consumer", "$1", "stage", "(.*)") unless vector(1)'
    assert promql.metric_names(expr) == {"up"}


def test_promql_names_a_series_selected_by_its_name_label():
    assert promql.metric_names('sum({__name__="nianbao_in_flight", stage="parser"})') == {
        "nianbao_in_flight"
    }
    assert promql.metric_names('count({__name__=~"nianbao_.+"})') == set()


def test_promql_selectors_carry_the_labels_they_match():
    (selector,) = promql.selectors(
        'rate(nianbao_messages_total{stage=~"$stage", outcome!="ok"}[5m])'
    )
    assert selector == promql.Selector("nianbao_messages_total", frozenset({"stage", "outcome"}))


@pytest.mark.parametrize(
    "expr",
    [
        "sum(rate(nianbao_messages_total[5m])",  # unclosed parenthesis
        "nianbao_in_flight unless bool vector(1)",  # bool on a set operator
        "rate(nianbao_messages_total)",  # rate of an instant vector
        'nianbao_in_flight{stage="parser"',  # unclosed matcher
    ],
)
def test_an_expression_prometheus_would_refuse_is_an_error_naming_it(expr):
    with pytest.raises(ValueError, match=re.escape(expr)):
        promql.metric_names(expr)


def test_grafana_variables_and_macros_are_substituted_before_parsing():
    expr = (
        'sum by (stage) (increase(nianbao_dead_letters_total{stage=~"${stage}"}[$__range]))'
        " / rate(nianbao_messages_total[$__rate_interval]) > $threshold"
    )
    assert promql.metric_names(expr) == {"nianbao_dead_letters_total", "nianbao_messages_total"}


def test_label_values_variable_names_its_metric():
    assert (
        promql.label_values_metric("label_values(nianbao_messages_total, stage)")
        == "nianbao_messages_total"
    )
    assert promql.label_values_metric("label_values(stage)") is None
