"""How big and how slow /metrics gets as the portal registry grows (label cardinality budget).

Every metric of shared/metrics.py is re-created in a private registry (the process-wide one is
left alone) and filled with a realistic set of label values: the bounded sets (stages,
outcomes, reasons, rule ids × severities, …) plus N portals with a few failure reasons each.
Prints series count, exposition size and the time to render one scrape, with prometheus_client's
`_created` series (its default) and without them (PROMETHEUS_DISABLE_CREATED_SERIES=True, which
deploy/k8s sets: nothing reads them, and they double the counters' series).
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    enable_created_metrics,
    generate_latest,
)

from shared.topology import STAGES as _STAGES

ROOT = Path(__file__).resolve().parents[1]
STAGES = tuple(_STAGES)

VALUES = {
    "stage": STAGES,
    "consumer": STAGES,
    "outcome": ("ok", "rejected", "retried", "dead_lettered"),
    "reason": ("store_unavailable", "timeout", "not_a_report", "corrupt", "http_5xx"),
    "cause": ("disallowed", "unreachable"),
    "host_class": ("public", "allowed_private"),
    "status_class": ("2xx", "3xx", "4xx", "5xx", "error"),
    "year": ("2023", "2024", "2025"),
    "late": ("true", "false"),
    "format": ("2021", "2019", "pre2019"),
    "kind": ("html", "pdf", "docx", "xlsx", "text"),
    "severity": ("error", "warning", "info"),
    "rule": tuple(f"T3-{i:03d}" for i in range(1, 61)),
    "status": ("valid", "warnings", "invalid"),
    "table": ("reports", "cells", "findings"),
    "store": ("postgres", "s3"),
    "op": ("upsert", "get", "put", "search"),
}


def _catalogue():
    spec = importlib.util.spec_from_file_location(
        "deploy_catalogue", ROOT / "deploy/tools/catalogue.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def build(portals: int) -> CollectorRegistry:
    registry = CollectorRegistry()
    kinds = {"counter": Counter, "gauge": Gauge, "histogram": Histogram}
    for fam in _catalogue().families():
        metric = kinds[fam.type](fam.name, fam.help, list(fam.labels), registry=registry)
        combos: list[tuple[str, ...]] = [()]
        for label in fam.labels:
            values = (
                [f"portal-{i:05d}" for i in range(portals)] if label == "portal" else VALUES[label]
            )
            if fam.name == "nianbao_portal_failures" and label == "reason":
                values = values[:2]  # a failing portal has one or two reasons, not all
            combos = [c + (v,) for c in combos for v in values]
        for combo in combos:
            child = metric.labels(*combo) if combo else metric
            if fam.type == "histogram":
                child.observe(0.1)
            elif fam.type == "counter":
                child.inc()
            else:
                child.set(1)
    return registry


def main() -> None:
    try:
        for created in (True, False):
            enable_created_metrics() if created else disable_created_metrics()
            print(f"-- with _created series: {created}")
            _measure()
    finally:
        enable_created_metrics()


def _measure() -> None:
    for portals in (100, 1000, 5000):
        registry = build(portals)
        generate_latest(registry)  # warm up
        runs = 5
        started = time.perf_counter()
        for _ in range(runs):
            body = generate_latest(registry)
        per_scrape = (time.perf_counter() - started) / runs
        series = sum(1 for line in body.decode().splitlines() if line and not line.startswith("#"))
        print(
            f"portals={portals:5d}  series={series:6d}  /metrics={len(body) / 1024:8.0f} KiB  "
            f"render={per_scrape * 1000:7.1f} ms/scrape"
        )


if __name__ == "__main__":
    main()
