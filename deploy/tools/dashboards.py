"""Grafana dashboards for nianbao, built as data and written as provisionable JSON.

The JSON under deploy/grafana/dashboards/ and the ConfigMap deploy/k8s/base/grafana-dashboards.yaml
(picked up by Grafana's dashboard sidecar) are both rendered from this module, so they cannot drift.
Panels read metrics of shared/metrics.py, recorded series of deploy/prometheus/rules, and the
PostgreSQL views of shared/storage/migrations; tests/unit/test_deploy_grafana.py checks all three.

    .venv/bin/python deploy/tools/dashboards.py --write
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "deploy" / "grafana" / "dashboards"
CONFIGMAP = ROOT / "deploy" / "k8s" / "base" / "grafana-dashboards.yaml"
DATASOURCES = ROOT / "deploy" / "grafana" / "provisioning" / "datasources" / "nianbao.yml"
DATASOURCES_CONFIGMAP = ROOT / "deploy" / "k8s" / "base" / "grafana-datasources.yaml"

# Panels name their data source through a dashboard variable, never a fixed uid, so a dashboard
# imported through Grafana's UI (Dashboards → Import) works on any Grafana: the variable lists the
# data sources of its type there. Its default is the provisioned one (provisioning/datasources/
# nianbao.yml); where that uid does not exist Grafana falls back to the default data source.
# (variable name, label, data-source type, provisioned uid, provisioned name)
DATA_SOURCES = (
    ("prometheus", "Prometheus", "prometheus", "nianbao-prometheus", "nianbao Prometheus"),
    (
        "postgres",
        "PostgreSQL",
        "grafana-postgresql-datasource",
        "nianbao-postgres",
        "nianbao PostgreSQL",
    ),
)
PROM = {"type": "prometheus", "uid": "${prometheus}"}
PG = {"type": "grafana-postgresql-datasource", "uid": "${postgres}"}
RATE = "$__rate_interval"


def _datasource_variables(panels: list[dict]) -> list[dict]:
    """A data-source variable for each data-source type the panels use."""
    used = {
        ref["type"]
        for panel in panels
        for ref in [panel.get("datasource") or {}]
        + [t["datasource"] for t in panel.get("targets", [])]
        if ref
    }
    return [
        {
            "type": "datasource",
            "name": name,
            "label": label,
            "query": kind,
            "regex": "",
            "refresh": 1,
            "hide": 0,
            "multi": False,
            "includeAll": False,
            "current": {"text": provisioned_name, "value": uid},
        }
        for name, label, kind, uid, provisioned_name in DATA_SOURCES
        if kind in used
    ]


class Board:
    """Lays panels out left to right in a 24-column grid, rows top to bottom."""

    def __init__(self, uid: str, title: str, description: str, variables: list[dict]):
        self.uid, self.title, self.description, self.variables = uid, title, description, variables
        self.panels: list[dict] = []
        self._x = self._y = self._row_h = 0

    def row(self, title: str) -> None:
        self._newline()
        self.panels.append(
            {
                "type": "row",
                "title": title,
                "collapsed": False,
                "panels": [],
                "gridPos": {"h": 1, "w": 24, "x": 0, "y": self._y},
            }
        )
        self._y += 1

    def add(self, panel: dict, w: int = 12, h: int = 8) -> None:
        if self._x + w > 24:
            self._newline()
        panel["gridPos"] = {"h": h, "w": w, "x": self._x, "y": self._y}
        self._x += w
        self._row_h = max(self._row_h, h)
        self.panels.append(panel)

    def _newline(self) -> None:
        self._y += self._row_h
        self._x = self._row_h = 0

    def render(self) -> dict:
        for i, panel in enumerate(self.panels, start=1):
            panel["id"] = i
        return {
            "uid": self.uid,
            "title": self.title,
            "description": self.description,
            "tags": ["nianbao"],
            "timezone": "browser",
            "schemaVersion": 39,
            "version": 1,
            "editable": True,
            "graphTooltip": 1,
            "refresh": "30s",
            "time": {"from": "now-6h", "to": "now"},
            "templating": {"list": _datasource_variables(self.panels) + self.variables},
            "annotations": {"list": []},
            "links": [
                {"type": "dashboards", "tags": ["nianbao"], "asDropdown": True, "title": "nianbao"}
            ],
            "panels": self.panels,
        }


def prom(
    title: str,
    exprs: list[tuple[str, str]],
    *,
    kind: str = "timeseries",
    unit: str = "short",
    description: str = "",
    instant: bool = False,
    thresholds: list[tuple[float, str]] | None = None,
    options: dict | None = None,
) -> dict:
    """A panel on the Prometheus data source; `exprs` are (PromQL, legend) pairs."""
    targets = [
        {
            "refId": chr(ord("A") + i),
            "datasource": PROM,
            "expr": expr,
            "legendFormat": legend,
            "instant": instant,
            "range": not instant,
            **({"format": "table"} if kind == "table" else {}),
        }
        for i, (expr, legend) in enumerate(exprs)
    ]
    steps = [{"color": "green", "value": None}] + [
        {"color": c, "value": v} for v, c in thresholds or []
    ]
    return {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": PROM,
        "targets": targets,
        "fieldConfig": {
            "defaults": {"unit": unit, "thresholds": {"mode": "absolute", "steps": steps}},
            "overrides": [],
        },
        "options": options or {},
    }


def sql(
    title: str, query: str, *, kind: str = "table", unit: str = "short", description: str = ""
) -> dict:
    """A panel on the PostgreSQL data source, reading one of the views of the migrations."""
    return {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": PG,
        "targets": [
            {
                "refId": "A",
                "datasource": PG,
                "format": "table",
                "rawQuery": True,
                "editorMode": "code",
                "rawSql": " ".join(query.split()),
            }
        ],
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {},
    }


def _var_query(name: str, label: str, metric: str, *, multi: bool = True) -> dict:
    return {
        "type": "query",
        "name": name,
        "label": label,
        "datasource": PROM,
        "query": {"query": f"label_values({metric}, {name})", "refId": f"{name}-values"},
        "definition": f"label_values({metric}, {name})",
        "refresh": 2,
        "sort": 1,
        "multi": multi,
        "includeAll": True,
        "current": {"text": "All", "value": "$__all"},
    }


def pipeline() -> dict:
    b = Board(
        "nianbao-pipeline",
        "nianbao / pipeline overview",
        "Is every stage keeping up, and what is failing and why?",
        [_var_query("stage", "stage", "nianbao_messages_total")],
    )
    s = '{stage=~"$stage"}'
    c = '{consumer=~"$stage"}'
    b.row("Is every stage keeping up?")
    b.add(
        prom(
            "Messages/s by stage",
            [(f"stage:nianbao_messages:rate5m{s}", "{{stage}}")],
            kind="stat",
            unit="ops",
            description="All outcomes, 5-minute rate (recording rule).",
        ),
        w=8,
        h=5,
    )
    b.add(
        prom(
            "Consumer lag (pending)",
            [(f"consumer:nianbao_consumer_pending:max{c}", "{{consumer}}")],
            kind="stat",
            thresholds=[(100, "yellow"), (1000, "red")],
            description="Messages not yet delivered to the stage's durable consumer, read from JetStream.",
        ),
        w=8,
        h=5,
    )
    b.add(
        prom(
            "Ready replicas",
            [
                (f"sum by (stage) (nianbao_ready{s})", "{{stage}}"),
                ('sum by (stage) (up{job="nianbao"})', "{{stage}} up"),
            ],
            kind="stat",
            description="Replicas whose /readyz passes (broker, stores, topology).",
        ),
        w=8,
        h=5,
    )
    b.add(
        prom(
            "Throughput by outcome",
            [
                (
                    f"sum by (stage, outcome) (rate(nianbao_messages_total{s}[{RATE}]))",
                    "{{stage}} {{outcome}}",
                )
            ],
            unit="ops",
        )
    )
    b.add(
        prom(
            "Consumer lag over time",
            [
                (f"consumer:nianbao_consumer_pending:max{c}", "{{consumer}} pending"),
                (f"consumer:nianbao_consumer_ack_pending:max{c}", "{{consumer}} unacked"),
            ],
            description="A line that only goes up means the stage cannot keep up (see KEDA scaling).",
        )
    )
    b.add(
        prom(
            "Processing time p50 / p99",
            [
                (
                    f"histogram_quantile(0.5, sum by (stage, le) (rate(nianbao_processing_seconds_bucket{s}[{RATE}])))",
                    "{{stage}} p50",
                ),
                (
                    f"histogram_quantile(0.99, sum by (stage, le) (rate(nianbao_processing_seconds_bucket{s}[{RATE}])))",
                    "{{stage}} p99",
                ),
            ],
            unit="s",
        )
    )
    b.add(
        prom(
            "In flight",
            [(f"sum by (stage) (nianbao_in_flight{s})", "{{stage}}")],
            description="Messages being handled now; flat and non-zero with no throughput = stuck.",
        )
    )
    b.row("What is failing, and why?")
    b.add(
        prom(
            "Error ratio (rejected + dead-lettered)",
            [(f"stage:nianbao_errors:ratio_rate5m{s}", "{{stage}}")],
            unit="percentunit",
            thresholds=[(0.2, "red")],
        ),
        w=8,
    )
    b.add(
        prom(
            "Rejections by reason",
            [
                (
                    f"sum by (stage, reason) (rate(nianbao_rejections_total{s}[{RATE}]))",
                    "{{stage}} {{reason}}",
                )
            ],
            unit="ops",
            description="Permanent failures: the message is terminated, doc.rejected records why.",
        ),
        w=8,
    )
    b.add(
        prom(
            "Retries by reason",
            [
                (
                    f"sum by (stage, reason) (rate(nianbao_retries_total{s}[{RATE}]))",
                    "{{stage}} {{reason}}",
                )
            ],
            unit="ops",
            description="Transient failures nak'ed with a growing delay.",
        ),
        w=8,
    )
    b.add(
        prom(
            "Dead-lettered in range",
            [(f"sum by (stage) (increase(nianbao_dead_letters_total{s}[$__range]))", "{{stage}}")],
            kind="stat",
            thresholds=[(1, "red")],
        ),
        w=8,
        h=5,
    )
    b.add(
        prom(
            "DLQ backlog",
            [(f"max by (stage) (nianbao_dlq_backlog{s})", "{{stage}}")],
            kind="stat",
            thresholds=[(1, "red")],
            description="Dead-lettered messages waiting for `nianbao dlq redrive`.",
        ),
        w=8,
        h=5,
    )
    b.add(
        prom(
            "Redelivered",
            [(f"consumer:nianbao_consumer_redelivered:max{c}", "{{consumer}}")],
            kind="stat",
            thresholds=[(50, "yellow")],
        ),
        w=8,
        h=5,
    )
    b.add(
        {
            "type": "alertlist",
            "title": "nianbao alerts firing",
            "description": "",
            "datasource": PROM,
            "targets": [],
            "fieldConfig": {"defaults": {}, "overrides": []},
            "options": {
                "alertName": "Nianbao",
                "stateFilter": {"firing": True, "pending": True},
                "maxItems": 20,
                "sortOrder": 1,
                "groupMode": "default",
            },
        },
        w=24,
        h=6,
    )
    b.row("Stores")
    b.add(
        prom(
            "Store latency p99",
            [
                (
                    f"histogram_quantile(0.99, sum by (store, op, le) (rate(nianbao_store_seconds_bucket[{RATE}])))",
                    "{{store}} {{op}}",
                )
            ],
            unit="s",
        ),
        w=8,
    )
    b.add(
        prom(
            "Index rows written/s",
            [(f"sum by (table) (rate(nianbao_index_rows_written_total[{RATE}]))", "{{table}}")],
            unit="ops",
        ),
        w=4,
    )
    b.add(
        prom(
            "Corrupt objects read (1 h)",
            [("sum(increase(nianbao_objects_corrupt_total[1h]))", "corrupt")],
            kind="stat",
            description="Objects whose bytes did not match their sha256 name when read;"
            " run `nianbao objects verify`.",
        ),
        w=4,
    )
    b.add(
        sql(
            "Reports indexed",
            "SELECT sum(reports) AS reports FROM v_reports_per_year_region",
            kind="stat",
            description="Reports in the search store (PostgreSQL).",
        ),
        w=4,
    )
    b.add(
        prom(
            "Object store growth",
            [(f"sum(rate(nianbao_stored_bytes_total[{RATE}]))", "stored")],
            kind="stat",
            unit="Bps",
        ),
        w=4,
    )
    return b.render()


def portals() -> dict:
    b = Board(
        "nianbao-portals",
        "nianbao / portals",
        "Which portals are unhealthy, what the crawler does to them, and who has not published.",
        [_var_query("portal", "portal", "nianbao_portal_last_success_timestamp_seconds")],
    )
    p = '{portal=~"$portal"}'
    b.row("Portal health")
    b.add(
        prom(
            "Time since last successful crawl",
            [(f"portal:nianbao_portal_last_success:age_seconds{p}", "{{portal}}")],
            kind="table",
            unit="s",
            instant=True,
            thresholds=[(43200, "yellow"), (86400, "red")],
            description="Red after a day: NianbaoPortalFailingForADay fires when failures continue.",
            options={"sortBy": [{"displayName": "Value", "desc": True}]},
        ),
        w=12,
        h=10,
    )
    b.add(
        prom(
            "Failures by portal and reason (in range)",
            [
                (
                    f"sum by (portal, reason) (increase(nianbao_portal_failures_total{p}[$__range]))",
                    "{{portal}} {{reason}}",
                )
            ],
            kind="bargauge",
            instant=True,
            thresholds=[(1, "orange")],
        ),
        w=12,
        h=10,
    )
    b.add(
        prom(
            "年报 column coverage: declared vs reached",
            [
                (f"min by (portal) (nianbao_portal_coverage_ratio{p})", "{{portal}} ratio"),
                (f"max by (portal) (nianbao_portal_list_declared{p})", "{{portal}} declared"),
                (f"max by (portal) (nianbao_portal_list_reached{p})", "{{portal}} reached"),
            ],
            kind="table",
            instant=True,
            thresholds=[(0, "red"), (1, "green")],
            description=(
                "What each portal's report column says it holds (共N条) against what the crawler"
                " reached; below 1 the list is incomplete (NianbaoPortalListIncomplete after 6 h,"
                " `nianbao portals check PORTAL`)."
            ),
            options={"sortBy": [{"displayName": "Value", "desc": False}]},
        ),
        w=24,
        h=8,
    )
    b.row("What the crawler does")
    b.add(
        prom(
            "Requests by host class and status class",
            [
                (
                    f"sum by (host_class, status_class) (rate(nianbao_fetch_requests_total[{RATE}]))",
                    "{{host_class}} {{status_class}}",
                )
            ],
            unit="reqps",
        ),
        w=8,
    )
    b.add(
        prom(
            "URL outcomes",
            [(f"sum by (outcome) (rate(nianbao_fetch_outcomes_total[{RATE}]))", "{{outcome}}")],
            unit="ops",
            description="new / changed go downstream; not_modified / unchanged produce nothing.",
        ),
        w=8,
    )
    b.add(
        prom(
            "robots.txt denials and unchanged fetches",
            [
                (
                    f"sum by (cause) (rate(nianbao_robots_denials_total[{RATE}]))",
                    "robots: {{cause}}",
                ),
                (
                    f"sum by (cause) (rate(nianbao_not_modified_total[{RATE}]))",
                    "unchanged: {{cause}}",
                ),
            ],
            unit="ops",
        ),
        w=8,
    )
    b.add(
        prom(
            "Downloaded vs stored",
            [
                (f"sum(rate(nianbao_fetched_bytes_total[{RATE}]))", "downloaded"),
                (f"sum(rate(nianbao_stored_bytes_total[{RATE}]))", "stored (new)"),
            ],
            unit="Bps",
        ),
        w=12,
    )
    b.add(
        prom(
            "Crawl backlog",
            [('consumer:nianbao_consumer_pending:max{consumer="fetcher"}', "crawl jobs waiting")],
        ),
        w=12,
    )
    b.row("Who has not published")
    b.add(
        prom(
            "Overdue reports, by year",
            [
                (
                    'sum by (year) (nianbao_reports_missing{late="false"})',
                    "{{year}} missing after the deadline",
                ),
                ('sum by (year) (nianbao_reports_missing{late="true"})', "{{year}} published late"),
            ],
            kind="bargauge",
            instant=True,
            thresholds=[(1, "red")],
            description="Registered agencies whose report is overdue and not found, or was found after the "
            "deadline. `nianbao missing --year Y` lists them.",
        ),
        w=12,
    )
    b.add(
        sql(
            "Publication timeliness by year and level",
            "SELECT year, level, reports, on_time, late, unknown, round(avg_days_late::numeric, 1) AS avg_days_late "
            "FROM v_timeliness_by_year ORDER BY year DESC, level",
        ),
        w=12,
    )
    return b.render()


def quality() -> dict:
    b = Board(
        "nianbao-quality",
        "nianbao / data quality",
        "How good are the reports: validation status, which rules fail, and what the numbers say.",
        [_var_query("severity", "severity", "nianbao_findings_total")],
    )
    b.row("Validation, from the pipeline's metrics")
    b.add(
        prom(
            "Reports by status (in range)",
            [
                (
                    "sum by (status) (increase(nianbao_reports_validated_total[$__range]))",
                    "{{status}}",
                )
            ],
            kind="piechart",
            instant=True,
        ),
        w=8,
    )
    b.add(
        prom(
            "Share of invalid reports",
            [
                (
                    'status:nianbao_reports_validated:increase1h{status="invalid"} / ignoring (status) '
                    "sum without (status) (status:nianbao_reports_validated:increase1h)",
                    "invalid share (1h)",
                )
            ],
            unit="percentunit",
            thresholds=[(0.5, "red")],
            description="A jump usually means a parser regression or a portal with a new layout.",
        ),
        w=8,
    )
    b.add(
        prom(
            "Formats and input kinds (in range)",
            [
                (
                    "sum by (format, kind) (increase(nianbao_docs_parsed_total[$__range]))",
                    "{{format}} {{kind}}",
                )
            ],
            kind="bargauge",
            instant=True,
        ),
        w=8,
    )
    b.add(
        prom(
            "Findings by rule (in range)",
            [
                (
                    'sum by (rule, severity) (increase(nianbao_findings_total{severity=~"$severity"}[$__range]))',
                    "{{rule}} {{severity}}",
                )
            ],
            kind="bargauge",
            instant=True,
            options={"displayMode": "gradient", "orientation": "horizontal"},
        ),
        w=12,
        h=12,
    )
    b.add(
        prom(
            "Findings/s by severity",
            [
                (
                    'sum by (severity) (rate(nianbao_findings_total{severity=~"$severity"}[$__rate_interval]))',
                    "{{severity}}",
                )
            ],
            unit="ops",
        ),
        w=12,
        h=12,
    )
    b.row("The reports themselves, from PostgreSQL")
    b.add(
        sql(
            "Reports per year and region",
            "SELECT year, region, sum(reports) AS reports, sum(valid) AS valid, sum(warnings) AS warnings, "
            "sum(invalid) AS invalid FROM v_reports_per_year_region GROUP BY year, region "
            "ORDER BY year DESC, reports DESC",
        ),
        w=12,
        h=10,
    )
    b.add(
        sql(
            "Rule failure rates",
            "SELECT year, rule, severity, failing_reports, reports, failure_rate FROM v_rule_failure_rates "
            "ORDER BY year DESC, failure_rate DESC LIMIT 50",
            unit="short",
            description="Share of a year's reports with at least one finding of the rule.",
        ),
        w=12,
        h=10,
    )
    b.add(
        sql(
            "Applications and denial rate by agency level",
            "SELECT year, level, reports, reports_with_numbers, new_received, results_total, granted, denied, "
            "denial_rate FROM v_applications_by_level ORDER BY year DESC, level",
            description="Sums of the T3 totals column; only numeric cells count (a blank is never 0).",
        ),
        w=24,
        h=10,
    )
    b.add(
        sql(
            "Latest late publications",
            "SELECT year, agency, level, deadline, published, days_late, basis FROM v_publication_timeliness "
            "WHERE NOT on_time ORDER BY published DESC LIMIT 50",
        ),
        w=24,
        h=10,
    )
    return b.render()


BOARDS = {"pipeline-overview.json": pipeline, "portals.json": portals, "data-quality.json": quality}


def render_all() -> dict[str, str]:
    return {
        name: json.dumps(build(), ensure_ascii=False, indent=2) + "\n"
        for name, build in BOARDS.items()
    }


def _configmap(
    name: str, header: list[str], label: str, annotations: list[str], files: dict[str, str]
) -> str:
    lines = [
        *header,
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata:",
        f"  name: {name}",
        "  labels:",
        "    app.kubernetes.io/part-of: nianbao",
        "    app.kubernetes.io/component: grafana",
        f'    {label}: "1"',
        *annotations,
        "data:",
    ]
    for name, text in sorted(files.items()):
        lines.append(f"  {name}: |")
        lines.extend(("    " + line) if line else "" for line in text.rstrip("\n").split("\n"))
    return "\n".join(lines) + "\n"


def render_configmap(files: dict[str, str]) -> str:
    """One ConfigMap with every dashboard, labelled for Grafana's dashboard sidecar."""
    header = [
        "# Generated by deploy/tools/dashboards.py from deploy/grafana/dashboards/*.json; do not edit.",
        "# Grafana's dashboard sidecar (kube-prometheus-stack / the grafana chart) loads ConfigMaps",
        '# labelled grafana_dashboard="1" into the folder named by the grafana_folder annotation.',
    ]
    return _configmap(
        "nianbao-grafana-dashboards",
        header,
        "grafana_dashboard",
        ["  annotations:", "    grafana_folder: nianbao"],
        files,
    )


def render_datasources_configmap() -> str:
    """The data-source provisioning file as a ConfigMap for Grafana's datasource sidecar."""
    header = [
        "# Generated by deploy/tools/dashboards.py from deploy/grafana/provisioning/datasources/; do not edit.",
        '# Grafana\'s datasource sidecar loads ConfigMaps labelled grafana_datasource="1".',
    ]
    text = DATASOURCES.read_text(encoding="utf-8")
    return _configmap(
        "nianbao-grafana-datasources", header, "grafana_datasource", [], {"nianbao.yml": text}
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--write", action="store_true", help="write the JSON files and the ConfigMap")
    args = p.parse_args(argv)
    files = render_all()
    if not args.write:
        print(json.dumps(sorted(files)))
        return 0
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (OUT_DIR / name).write_text(text, encoding="utf-8")
    CONFIGMAP.parent.mkdir(parents=True, exist_ok=True)
    CONFIGMAP.write_text(render_configmap(files), encoding="utf-8")
    DATASOURCES_CONFIGMAP.write_text(render_datasources_configmap(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
