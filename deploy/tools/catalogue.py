"""The metrics catalogue as data, read from `shared/metrics.py`, and docs/metrics.md rendered from it.

`shared/metrics.py` is the single place metrics are defined; this module only reads it. The
dashboards test and the rules test use `exported_series()` to know which series really exist, so a
query that names a metric nobody exports fails CI instead of showing an empty panel.

    .venv/bin/python deploy/tools/catalogue.py --write    # regenerate docs/metrics.md
    .venv/bin/python deploy/tools/catalogue.py --check    # exit 1 when docs/metrics.md is stale
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.metrics import MetricWrapperBase

ROOT = Path(__file__).resolve().parents[2]
DOC_PATH = ROOT / "docs" / "metrics.md"

# The question each metric answers for an operator, and the section of the catalogue it belongs to.
# A metric missing here still appears in the catalogue (its help text stands in for the answer).
ANSWERS: dict[str, tuple[str, str]] = {
    "nianbao_messages": (
        "every stage",
        "Is each stage keeping up, and how do its messages end? `rate()` by `outcome`.",
    ),
    "nianbao_processing_seconds": (
        "every stage",
        "How long does one message take (p50/p99 per stage)? Where does the time go?",
    ),
    "nianbao_in_flight": (
        "every stage",
        "Is a stage busy or idle right now? Stuck handlers show as a flat non-zero line.",
    ),
    "nianbao_retries": (
        "every stage",
        "Which transient failures (store down, timeouts) are being retried, and how often?",
    ),
    "nianbao_rejections": (
        "every stage",
        "Which permanent failures (not a report, corrupt file) are rejected, and why?",
    ),
    "nianbao_dead_letters": (
        "every stage",
        "Which messages exhausted their delivery budget and need an operator?",
    ),
    "nianbao_dlq_backlog": (
        "every stage",
        "How many dead-lettered messages still wait for a decision (kind exhausted or failure),"
        " and how many are expected outcomes kept for inspection (kind expected: not_a_report …)?",
    ),
    "nianbao_consumer_pending": (
        "every stage",
        "How far behind is each JetStream consumer (lag)? Drives autoscaling.",
    ),
    "nianbao_consumer_ack_pending": (
        "every stage",
        "How many messages are delivered but not yet acknowledged?",
    ),
    "nianbao_consumer_redelivered": (
        "every stage",
        "Are messages being redelivered (ack timeouts, naks)?",
    ),
    "nianbao_ready": ("every stage", "Can the stage work: broker, stores and topology all answer?"),
    "nianbao_fetch_requests": (
        "fetcher",
        "Are portals answering? Requests by host class and status class (2xx, 3xx, 4xx, 5xx, error).",
    ),
    "nianbao_fetched_bytes": ("fetcher", "How much are we downloading from portals?"),
    "nianbao_stored_bytes": ("fetcher", "How fast does the object store grow (new objects only)?"),
    "nianbao_robots_denials": (
        "fetcher",
        "Are we skipping URLs because robots.txt disallows them or is unreachable?",
    ),
    "nianbao_not_modified": (
        "fetcher",
        "How much of a crawl is unchanged (304 or same bytes)? High is normal between deadlines.",
    ),
    "nianbao_fetch_outcomes": (
        "fetcher",
        "What happened to each URL of a crawl: new, changed, unchanged, denied, gone, failed?",
    ),
    "nianbao_portal_last_success_timestamp_seconds": (
        "fetcher",
        "Which portal has not been crawled successfully for how long?",
    ),
    "nianbao_portal_failures": ("fetcher", "Which portals fail, and why?"),
    "nianbao_portal_coverage_ratio": (
        "fetcher",
        "Did the last crawl reach everything a portal's 年报 column says it holds? Below 1: a script pager the crawler does not follow, or listed pages that are gone (alert NianbaoPortalListIncomplete; `nianbao portals check` shows declared/reached).",
    ),
    "nianbao_portal_list_declared": (
        "fetcher",
        "How many documents (or pages) does each portal's column state it holds?",
    ),
    "nianbao_portal_list_reached": (
        "fetcher",
        "How many list entries (or pages) did the last crawl of each column reach?",
    ),
    "nianbao_fetcher_browser_renders": (
        "fetcher",
        'How often does a column need headless Chromium (a script pager the static pass could not follow, or `render = "browser"` in the registry), and does it work: `rendered`, `timeout`, `failed` (the render broke), `missing` (no Chromium at `chromium_path`), `broken` (it does not start, or died) or `disabled` (`chromium_path` is empty): then the column stays below full coverage?',
    ),
    "nianbao_reports_missing": (
        "fetcher",
        'How many registered agencies are overdue for a year: `late="false"` no report found after the deadline, `late="true"` found but published late? Exported by `serve scheduler` (every `missing_interval_s`) and `nianbao missing`.',
    ),
    "nianbao_docs_parsed": (
        "parser / validator",
        "Which formats and input kinds arrive (2021 vs 2019 format; html, pdf, docx…)?",
    ),
    "nianbao_findings": (
        "parser / validator",
        "Which rules fail most, at which severity? The data-quality signal.",
    ),
    "nianbao_reports_validated": (
        "parser / validator",
        "What share of reports is valid, has warnings, or is invalid?",
    ),
    "nianbao_index_rows_written": (
        "indexer",
        "How many rows (reports, cells, findings) does the indexer write?",
    ),
    "nianbao_store_seconds": (
        "indexer",
        "Is the object store or the search store slow (p99 per store and operation)?",
    ),
    "nianbao_objects_corrupt": (
        "every stage",
        "Has any stored object's bytes stopped matching its sha256 name (bit rot, a bad copy)?"
        " Run `nianbao objects verify`.",
    ),
    "nianbao_reports_indexed": ("indexer", "How many reports are searchable right now?"),
    "nianbao_build_info": (
        "every stage",
        "Which code runs where (package, parser, validator, index schema versions)?",
    ),
}
SECTIONS = ("every stage", "fetcher", "parser / validator", "indexer", "other")
# Series each metric type puts on /metrics (prometheus_client; `_created` is on by default).
_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("", "_sum", "_count", "_created"),
    "info": ("_info",),
    "enum": ("",),
}
_UNITS = {"_seconds": "seconds", "_bytes": "bytes", "_timestamp_seconds": "Unix seconds"}


@dataclass(frozen=True)
class Family:
    name: str  # family name as prometheus_client knows it (no `_total`)
    type: str
    labels: tuple[str, ...]
    help: str
    attr: str = ""  # the constant in shared/metrics.py (e.g. MESSAGES)

    @property
    def series(self) -> tuple[str, ...]:
        return tuple(self.name + s for s in _SUFFIXES[self.type])

    @property
    def query_name(self) -> str:
        """The name to use in PromQL for the plain value (counters: `_total`)."""
        return self.name + "_total" if self.type == "counter" else self.name

    @property
    def unit(self) -> str:
        base = self.name.removesuffix("_total")
        for suffix, unit in sorted(_UNITS.items(), key=lambda kv: -len(kv[0])):
            if base.endswith(suffix):
                return unit
        return "count"


def families() -> list[Family]:
    """Every metric defined in shared/metrics.py, in definition order."""
    import shared.metrics as m

    return [
        Family(v._name, v._type, tuple(v._labelnames), v._documentation, attr)
        for attr, v in vars(m).items()
        if isinstance(v, MetricWrapperBase)
    ]


def exported_series() -> set[str]:
    """Every series name the services put on /metrics."""
    return {s for f in families() for s in f.series}


def render_markdown() -> str:
    fams = families()
    out = [
        "# nianbao metrics catalogue",
        "",
        "<!-- Generated by `deploy/tools/catalogue.py --write` from shared/metrics.py; do not edit by hand. -->",
        "",
        "Every service serves these on `/metrics` (port `NIANBAO_HTTP_PORT`, 8080 on Kubernetes).",
        "Names follow Prometheus conventions: `nianbao_` prefix, base units (`_seconds`, `_bytes`),",
        "`_total` on counters. Labels are bounded: `stage` (fetcher, parser, ocr, validator, indexer),",
        "`consumer` (the five JetStream durables), `outcome`, `reason`, `cause` (fixed sets in the code),",
        "`rule` and `severity` (the rule ids of report-format.md §6), `host_class`, `status_class`,",
        "`format`, `kind`, `status`, `table`, `store`, `op`, `year`, `late`, and `portal` (the portal",
        "registry is operator-controlled and bounded). Never URLs, doc ids or agency names.",
        "",
        "Consumer lag (`nianbao_consumer_*`) is read from the JetStream server by the services and",
        "exported as gauges; KEDA reads the same numbers from the NATS monitoring port to scale workers.",
        "",
    ]
    for section in SECTIONS:
        rows = [f for f in fams if ANSWERS.get(f.name, ("other", ""))[0] == section]
        if not rows:
            continue
        out += [
            f"## {section[0].upper()}{section[1:]}",
            "",
            "| metric | type | labels | unit | answers |",
            "|---|---|---|---|---|",
        ]
        for f in rows:
            answer = ANSWERS.get(f.name, (section, f.help))[1]
            labels = ", ".join(f"`{lbl}`" for lbl in f.labels) or "—"
            name = f"`{f.query_name}`"
            if f.type == "histogram":
                name += " (`_bucket`, `_sum`, `_count`)"
            out.append(f"| {name} | {f.type} | {labels} | {f.unit} | {answer} |")
        out.append("")
    out += [
        "## Cardinality budget",
        "",
        "Every label but `portal` has a fixed set of values; `portal` grows with the registry and only",
        "the fetcher replica that crawled a portal exports its series. `make bench` (bench_metrics)",
        "renders a fetcher's /metrics with N portals: about 3.5k series / 260 KiB at 1000 portals and",
        "15k series / 1.1 MiB at 5000 (without prometheus_client's `_created` series, which deploy/k8s",
        "disables with `PROMETHEUS_DISABLE_CREATED_SERIES=True`; with them, twice that). Rendering is",
        "done off the event loop.",
        "",
        "## Recording rules",
        "",
        "`deploy/prometheus/rules/recording.yml` precomputes the per-stage rates, error ratios and",
        "latency quantiles the dashboards and alerts use (`stage:nianbao_messages:rate5m`,",
        "`stage:nianbao_errors:ratio_rate5m`, `stage:nianbao_processing_seconds:p99_5m`, …).",
        "Alerts are in `deploy/prometheus/rules/alerts.yml`, each with a unit test in",
        "`deploy/prometheus/tests/`.",
        "",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = p.add_mutually_exclusive_group()
    g.add_argument("--write", action="store_true", help="write docs/metrics.md")
    g.add_argument("--check", action="store_true", help="exit 1 when docs/metrics.md is stale")
    args = p.parse_args(argv)
    text = render_markdown()
    if args.write:
        DOC_PATH.parent.mkdir(parents=True, exist_ok=True)
        DOC_PATH.write_text(text, encoding="utf-8")
    elif args.check:
        current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else ""
        if current != text:
            print(
                "docs/metrics.md is stale: run deploy/tools/catalogue.py --write", file=sys.stderr
            )
            return 1
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
