"""PromQL of our rules and dashboards, read by a real parser (`promql-parser`, the Rust crate
promql-parser behind Python bindings): metric names and label matchers come from the syntax
tree, and an expression Prometheus would refuse is an error here too, not a guess.

Grafana's variables are not PromQL: before parsing, the duration macros ($__rate_interval,
$__interval, $__range) become a duration and any other variable outside a string becomes a
number; inside strings (`{stage=~"$stage"}`) they are just text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import promql_parser

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_DURATION_MACRO = re.compile(r"\$\{?__(?:rate_interval|interval|range)(?:_ms|_s)?\}?")
_GRAFANA_VAR = re.compile(r"\$\{[^}]*\}|\$\w+|\[\[\w+\]\]")


@dataclass(frozen=True)
class Selector:
    """A series selector: the metric name (None: matched by labels only) and the labels matched."""

    name: str | None
    labels: frozenset[str]


def _without_grafana_variables(expr: str) -> str:
    out, last = [], 0
    for m in _STRING.finditer(expr):
        out.append(_substitute(expr[last : m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(_substitute(expr[last:]))
    return "".join(out)


def _substitute(code: str) -> str:
    code = _DURATION_MACRO.sub("5m", code)
    return _GRAFANA_VAR.sub("1", code)


def parse(expr: str):
    """The syntax tree of `expr`; ValueError naming the expression when it is not PromQL."""
    try:
        return promql_parser.parse(_without_grafana_variables(expr))
    except ValueError as e:
        raise ValueError(f"not PromQL ({e}): {expr}") from e


def selectors(expr: str) -> list[Selector]:
    """Every series selector of `expr`, in order."""
    found: list[Selector] = []

    def visit(node) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            matchers = node.matchers.matchers
            name = node.name or next(
                (
                    m.value
                    for m in matchers
                    if m.name == "__name__" and m.op == promql_parser.MatchOp.Equal
                ),
                None,
            )
            found.append(Selector(name, frozenset(m.name for m in matchers) - {"__name__"}))

    promql_parser.walk(parse(expr), pre_visit=visit)
    return found


def metric_names(expr: str) -> set[str]:
    """The series `expr` reads (metrics or recorded series, `level:metric:operation`)."""
    return {s.name for s in selectors(expr) if s.name}


def label_values_metric(query: str) -> str | None:
    """The metric of a Grafana `label_values(metric{…}, label)` variable query (None: no metric)."""
    m = re.fullmatch(r"\s*label_values\((.*),\s*\w+\s*\)\s*", query, re.S)
    if not m:
        return None
    names = metric_names(m.group(1))
    return next(iter(names)) if len(names) == 1 else None
