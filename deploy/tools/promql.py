"""Metric names referenced by a PromQL expression (enough of PromQL for our rules and dashboards).

Not a parser: it strips what cannot be a metric name (strings, label matchers, ranges, grouping
clauses, Grafana variables, function calls, keywords, numbers) and returns the identifiers left.
Names with a colon are recording-rule outputs (`level:metric:operation`).
"""

from __future__ import annotations

import re

_KEYWORDS = {
    "and",
    "or",
    "unless",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "offset",
    "bool",
    "inf",
    "nan",
    "atan2",
    "start",
    "end",
}
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_GRAFANA_VAR = re.compile(r"\$\{[^}]*\}|\$\w+|\[\[\w+\]\]")
_IDENT = re.compile(r"(?<![\w.$])[A-Za-z_:][\w:]*")


def metric_names(expr: str) -> set[str]:
    """Identifiers in `expr` that name series (metrics or recorded series)."""
    text = _STRING.sub(" ", expr)
    text = _GRAFANA_VAR.sub("1", text)
    text = _MATCHERS.sub(" ", text)
    text = _RANGE.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    names: set[str] = set()
    for m in _IDENT.finditer(text):
        name = m.group(0)
        rest = text[m.end() :].lstrip()
        if rest.startswith("("):  # a function call (sum, rate, histogram_quantile, label_replace…)
            continue
        if name.lower() in _KEYWORDS:
            continue
        names.add(name)
    return names


def label_values_metric(query: str) -> str | None:
    """The metric of a Grafana `label_values(metric{…}, label)` variable query (None: no metric)."""
    m = re.match(r"\s*label_values\(\s*([A-Za-z_:][\w:]*)", query)
    if m and "," in query:
        return m.group(1)
    return None
