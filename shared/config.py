"""All settings and their defaults, in one place.

Every setting is read from an environment variable `NIANBAO_<NAME>` (upper case), converted
laxly with msgspec (env values are strings). Modules take a `Settings` instance; none reads the
environment itself.

Settings:
    data_dir: where the embedded defaults keep state (nats store, objects, sqlite)
    nats_url: broker URL; empty → the launcher starts nats-server and fills it in
    object_store: file:///path | s3://bucket?endpoint=host:port&secure=false
    search: sqlite:///path/to/index.db | postgresql://user:pass@host:port/db
    http_host / http_port: where a service serves /metrics, /healthz, /readyz
    user_agent: identifying User-Agent for the fetcher
    portals: path to the portal registry (portals.toml); empty → the bundled sample
    allow_private_hosts: hosts the fetcher may reach although private/loopback
    max_deliver / nak_delays_s / ack_wait_s: delivery budget per stage
    graceful_timeout_s: how long shutdown waits for in-flight handlers
    max_doc_bytes: cap on a fetched document
    fetch_deadline_s: total deadline of one fetch (a trickling server must not hold a slot)
    per_host_concurrency / min_delay_s: politeness
    fee_decimals: V-005 threshold on decimals in 本年收费金额
    s3_access_key / s3_secret_key: credentials of the s3:// object store (never logged)
    s3_region: region sent to the S3 endpoint (MinIO ignores it)
    search_migrate: apply search-store schema migrations when a store is opened (SQLite always does)
    store_timeout_s: how long a store call waits for a lock / connection before StoreUnavailable
    sample_portal_url: base URL of the bundled sample portal (the launcher fills it in)
    lag_interval_s: how often a service refreshes its consumer-lag gauges
    dlq_interval_s: how often a service refreshes the dead-letter backlog gauge (0: never)
    stream_replicas: JetStream replicas of DOCS, CRAWL, DLQ and fetch_state (3 on a 3-node cluster)
    chromium_path: the headless Chromium that renders a script-only 年报 column (a path or a
        name on PATH; Debian's `chromium`; "" turns rendering off: such columns stay below coverage)
    render_timeout_s: how long one column's render may take, its polite requests included
    missing_interval_s: how often `serve scheduler` refreshes nianbao_reports_missing (fetch_state)
    index_batch: the indexer's messages in flight (at least max_workers), upserted together in one
        transaction (shared.storage.batching): a commit rewrites a page per cell key, so 64 a
        commit cost ~0.3 ms less indexer CPU per report than 16 (bench_pipeline)
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from shared.errors import BadSetting
from shared.redact import redact

ENV_PREFIX = "NIANBAO_"

# Constraints: a value that makes no sense is refused at start with the setting's name (a lag
# interval of 0 would spin a core, a max_deliver of 0 would never deliver, a negative cap…).
Positive = Annotated[float, msgspec.Meta(gt=0)]
NonNegative = Annotated[float, msgspec.Meta(ge=0)]
AtLeastOne = Annotated[int, msgspec.Meta(ge=1)]
Port = Annotated[int, msgspec.Meta(ge=0, le=65535)]


class Settings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Settings forbid unknown fields (unlike events): a typo in config must fail loudly."""

    data_dir: str = ".nianbao"
    nats_url: str = ""
    object_store: str = ""  # default: file://<data_dir>/objects
    search: str = ""  # default: sqlite:///<data_dir>/index.db
    http_host: str = "127.0.0.1"
    http_port: Port = 0  # 0 → pick a free port
    user_agent: str = "nianbao/0.1 (+https://github.com/nianbao; annual-report monitor)"
    portals: str = ""
    allow_private_hosts: list[str] = []
    max_deliver: AtLeastOne = 6
    nak_delays_s: list[NonNegative] = msgspec.field(
        default_factory=lambda: [2.0, 10.0, 30.0, 120.0, 600.0]
    )
    ack_wait_s: Positive = 60.0
    graceful_timeout_s: NonNegative = 30.0
    max_workers: AtLeastOne = 1
    index_batch: AtLeastOne = 64
    max_doc_bytes: AtLeastOne = 64 * 1024 * 1024
    fetch_deadline_s: Positive = 60.0
    per_host_concurrency: int = 2  # the fetcher clamps it to 1..2 itself
    min_delay_s: NonNegative = 1.0
    fee_decimals: Annotated[int, msgspec.Meta(ge=0)] = 4
    log_level: Literal[
        "DEBUG",
        "INFO",
        "WARNING",
        "ERROR",
        "CRITICAL",
        "debug",
        "info",
        "warning",
        "error",
        "critical",
    ] = "INFO"
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_region: str = "us-east-1"
    search_migrate: bool = False
    store_timeout_s: Positive = 5.0
    sample_portal_url: str = ""
    lag_interval_s: Positive = 5.0
    dlq_interval_s: NonNegative = 30.0
    stream_replicas: Annotated[int, msgspec.Meta(ge=1, le=5)] = (
        1  # JetStream replicas of the streams and KV buckets
    )
    missing_interval_s: Positive = 900.0  # scheduler: refresh of nianbao_reports_missing
    chromium_path: str = "chromium"
    render_timeout_s: Positive = 90.0  # one column's render, politeness waits included

    @property
    def object_store_url(self) -> str:
        return self.object_store or f"file://{Path(self.data_dir).resolve() / 'objects'}"

    @property
    def search_url(self) -> str:
        return self.search or f"sqlite:///{Path(self.data_dir).resolve() / 'index.db'}"


def _split_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def unknown_settings(env: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """(variable, nearest known variable or None) for each NIANBAO_* name that is no setting."""
    import difflib

    known = [name.upper() for name in Settings.__struct_fields__]
    out = []
    for name in sorted(env):
        rest = name.removeprefix(ENV_PREFIX)
        if name.startswith(ENV_PREFIX) and rest not in known:
            # compared without the shared prefix, which would make every name look alike
            near = difflib.get_close_matches(rest, known, n=1, cutoff=0.6)
            out.append((name, ENV_PREFIX + near[0] if near else None))
    return out


def load(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Settings from the environment (`NIANBAO_*`), then explicit overrides."""
    source: Mapping[str, str] = os.environ if env is None else env
    raw: dict[str, object] = {}
    list_fields = {"allow_private_hosts", "nak_delays_s"}
    for name in Settings.__struct_fields__:
        value = source.get(ENV_PREFIX + name.upper())
        if value is None:
            continue
        raw[name] = _split_list(value) if name in list_fields else value
    raw.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as e:
        raise _bad_setting(e, raw, set(overrides)) from None


def _bad_setting(error: msgspec.ValidationError, raw: dict, overridden: set[str]) -> BadSetting:
    """The validation error as one line naming the variable and the value it was given."""
    m = re.search(r"at `\$\.(\w+)", str(error))
    reason = str(error).split(" - at ", 1)[0]
    if not m:
        return BadSetting(f"settings: {reason}")
    name = m.group(1)
    where = name if name in overridden else ENV_PREFIX + name.upper()
    value = raw.get(name)
    shown = ",".join(map(str, value)) if isinstance(value, list) else value
    return BadSetting(f"{where}={redact(str(shown))!r} is not valid: {reason}")
