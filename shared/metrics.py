"""The metrics catalogue: every Prometheus metric nianbao exports, defined once.

Naming follows Prometheus conventions (`nianbao_` prefix, base units, `_total` for counters,
`_seconds` / `_bytes`). Labels are bounded: stage, outcome, reason, rule, severity, host_class,
status_class, portal (the registry is bounded and operator-controlled), never URLs or doc ids.
The README's metrics table and the Grafana dashboards are checked against this module.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from shared.topology import STAGES as _TOPOLOGY_STAGES

STAGES = tuple(_TOPOLOGY_STAGES)  # the stage label's values, in pipeline order

# --- every stage ---------------------------------------------------------------------------------
MESSAGES = Counter(
    "nianbao_messages_total",
    "Messages handled by a stage, by outcome (ok, noop, rejected, retried, dead_lettered).",
    ["stage", "outcome"],
)
PROCESSING_SECONDS = Histogram(
    "nianbao_processing_seconds",
    "Time a stage spends on one message.",
    ["stage"],
    # up to 30 min: the OCR stage takes seconds per page (Limits.for_ocr allows 60 pages × 30 s)
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
    + (120, 300, 900, 1800),
)
IN_FLIGHT = Gauge("nianbao_in_flight", "Messages a stage is processing right now.", ["stage"])
RETRIES = Counter(
    "nianbao_retries_total",
    "Transient failures nak'ed with a delay, by reason.",
    ["stage", "reason"],
)
REJECTIONS = Counter(
    "nianbao_rejections_total",
    "Permanent failures terminated as rejected, by reason.",
    ["stage", "reason"],
)
DEAD_LETTERS = Counter(
    "nianbao_dead_letters_total", "Messages that exhausted their delivery budget.", ["stage"]
)
DLQ_BACKLOG = Gauge(
    "nianbao_dlq_backlog",
    "Dead-lettered messages neither redriven nor dismissed, by kind: expected (an ordinary"
    " outcome such as not_a_report), exhausted (retries ran out), failure (any other rejection).",
    ["stage", "kind"],
)
CONSUMER_PENDING = Gauge(
    "nianbao_consumer_pending",
    "Messages not yet delivered to a consumer (lag), read from JetStream.",
    ["consumer"],
)
CONSUMER_ACK_PENDING = Gauge(
    "nianbao_consumer_ack_pending",
    "Delivered but unacknowledged messages, read from JetStream.",
    ["consumer"],
)
CONSUMER_REDELIVERED = Gauge(
    "nianbao_consumer_redelivered",
    "Messages redelivered at least once, read from JetStream.",
    ["consumer"],
)
READY = Gauge(
    "nianbao_ready", "1 when the stage's dependencies answer and topology matches.", ["stage"]
)

# --- fetcher -------------------------------------------------------------------------------------
HTTP_REQUESTS = Counter(
    "nianbao_fetch_requests_total",
    "HTTP requests made by the fetcher, by host class (public, allowed_private) and status class.",
    ["host_class", "status_class"],
)
FETCHED_BYTES = Counter("nianbao_fetched_bytes_total", "Bytes downloaded by the fetcher.")
STORED_BYTES = Counter(
    "nianbao_stored_bytes_total", "Bytes written to the object store (new objects only)."
)
ROBOTS_DENIALS = Counter(
    "nianbao_robots_denials_total",
    "URLs not fetched because robots.txt disallows them or is unreachable.",
    ["cause"],
)
NOT_MODIFIED = Counter(
    "nianbao_not_modified_total",
    "Fetches that produced nothing downstream (304, or same bytes).",
    ["cause"],
)
FETCH_OUTCOMES = Counter(
    "nianbao_fetch_outcomes_total",
    "Per-URL outcomes of the fetcher (new, changed, not_modified, unchanged, duplicate, robots_denied, gone, rejected, failed, bundled: a picture stored as a page of its report's one document).",
    ["outcome"],
)
PORTAL_LAST_SUCCESS = Gauge(
    "nianbao_portal_last_success_timestamp_seconds",
    "When each portal was last crawled successfully.",
    ["portal"],
)
PORTAL_FAILURES = Counter(
    "nianbao_portal_failures_total", "Failed portal crawls.", ["portal", "reason"]
)
PORTAL_COVERAGE = Gauge(
    "nianbao_portal_coverage_ratio",
    "Share of what a portal's 年报 column states it holds (recordCount, 共N条, totalRecord …) that "
    "the last crawl reached; absent when the column states no size.",
    ["portal"],
)
PORTAL_LIST_DECLARED = Gauge(
    "nianbao_portal_list_declared",
    "Size a portal's 年报 column states, in documents (else pages when only a page count is stated).",
    ["portal", "unit"],
)
PORTAL_LIST_REACHED = Gauge(
    "nianbao_portal_list_reached",
    "List entries (documents, else pages) the last crawl of a portal's 年报 column reached.",
    ["portal", "unit"],
)
BROWSER_RENDERS = Counter(
    "nianbao_fetcher_browser_renders_total",
    "年报 columns rendered in headless Chromium (a script pager the static pass could not "
    'follow, or a portal marked render = "browser"), by outcome: rendered, timeout, failed (the '
    "render broke); missing (no Chromium at chromium_path), broken (it does not start or died) "
    "or disabled (chromium_path is empty): then the column stays below full coverage.",
    ["outcome"],
)
REPORTS_MISSING = Gauge(
    "nianbao_reports_missing",
    "Registered agencies with no report found for a year.",
    ["year", "late"],
)

# --- parser / validator ----------------------------------------------------------------------------
DOCS_PARSED = Counter(
    "nianbao_docs_parsed_total",
    "Documents parsed, by detected format and input kind.",
    ["format", "kind"],
)
FINDINGS = Counter(
    "nianbao_findings_total", "Validation findings, by rule and severity.", ["rule", "severity"]
)
REPORTS_BY_STATUS = Counter(
    "nianbao_reports_validated_total", "Validated reports by status.", ["status"]
)

# --- indexer -------------------------------------------------------------------------------------
ROWS_WRITTEN = Counter(
    "nianbao_index_rows_written_total", "Rows written to the search store, by table.", ["table"]
)
STORE_SECONDS = Histogram(
    "nianbao_store_seconds",
    "Latency of object-store and search-store operations.",
    ["store", "op"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
OBJECTS_CORRUPT = Counter(
    "nianbao_objects_corrupt_total",
    "Objects whose bytes did not match their sha256 name when read (refused, never parsed).",
    ["store"],
)
REPORTS_INDEXED = Gauge("nianbao_reports_indexed", "Reports currently in the search store.")

# --- build --------------------------------------------------------------------------------------
BUILD_INFO = Gauge(
    "nianbao_build_info",
    "Always 1; the labels say which code runs (package, parser, validator, index schema versions).",
    ["package", "parser", "validator", "schema"],
)


def _build_info() -> None:
    from importlib.metadata import PackageNotFoundError, version

    from shared.versions import INDEX_SCHEMA_VERSION, PARSER_VERSION, VALIDATOR_VERSION

    try:
        package = version("nianbao")
    except PackageNotFoundError:
        package = "unknown"
    BUILD_INFO.labels(package, PARSER_VERSION, VALIDATOR_VERSION, INDEX_SCHEMA_VERSION).set(1)


_build_info()
