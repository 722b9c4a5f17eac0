"""The JetStream topology, declared in one place: streams, DLQ and one durable per stage.

Services never declare anything (FastStream's auto-declare overwrites stream config and nats-py
silently keeps an existing durable's old config); `nianbao topology apply` creates or updates,
`check` lists drift, and /readyz fails while there is any.

Settings read: max_deliver, ack_wait_s (per-stage consumers), stream_replicas (streams, KV).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    KeyValueConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import BucketNotFoundError, NotFoundError

from shared.config import Settings

DOCS = "DOCS"
CRAWL = "CRAWL"
DLQ = "DLQ"
DAY = 24 * 3600.0
# Events carry references and a parsed report (no document bytes); 1 MiB is nats-server's
# default max_payload, which bounds a message anyway.
MAX_MSG_SIZE = 1024 * 1024
ADVISORY = "$JS.EVENT.ADVISORY.CONSUMER"


@dataclass(frozen=True)
class Stage:
    """One pipeline stage: its durable consumer, the stream it reads and what it consumes.

    `side_inputs`: further (filter subject, event tag) pairs the same durable reads, for small
    events a stage's process handles beside its main input (the indexer writes the fetcher's
    crawl facts: one durable, one NATS user, one deployment, no second consumer to scale)."""

    name: str
    stream: str
    filter_subject: str
    input_tag: str
    side_inputs: tuple[tuple[str, str], ...] = ()

    @property
    def filter_subjects(self) -> list[str]:
        return [self.filter_subject, *(s for s, _ in self.side_inputs)]

    @property
    def input_tags(self) -> frozenset[str]:
        return frozenset({self.input_tag, *(t for _, t in self.side_inputs)})


STAGES: dict[str, Stage] = {
    "fetcher": Stage("fetcher", CRAWL, "crawl.due.>", "crawl.due"),
    "parser": Stage("parser", DOCS, "doc.fetched.>", "doc.fetched"),
    # scans and pictures, handed over by the parser: their own durable and workers (KEDA scales
    # them on its lag), so seconds of OCR per page never queue in front of text and HTML reports
    "ocr": Stage("ocr", DOCS, "doc.ocr.>", "doc.ocr"),
    "validator": Stage("validator", DOCS, "doc.parsed.>", "doc.parsed"),
    # and the fetcher's crawl facts (dead links, list coverage), written into the same index
    "indexer": Stage(
        "indexer", DOCS, "doc.validated.>", "doc.validated", (("doc.fact.>", "doc.fact"),)
    ),
}


@dataclass(frozen=True)
class Access:
    """What one process may do on the broker, and nothing more: the subjects it publishes (its
    outputs), the durable it pulls from, the KV buckets it reads or writes. deploy/tools/access.py
    turns ACCESS into the NATS users and subject permissions of deploy/k8s, so a stage's rights
    follow this topology and cannot drift from it (tests/unit/test_topology_access.py checks the
    services publish nothing outside their list)."""

    publishes: tuple[str, ...]
    consumes: str | None = None  # a key of STAGES
    writes_kv: tuple[str, ...] = ()
    reads_kv: tuple[str, ...] = ()


# Every worker reads the DLQ redrive records for its backlog gauge (shared/runtime/deadletters.py).
_DLQ_RECORDS = ("dlq_state",)

ACCESS: dict[str, Access] = {
    # crawl jobs, and slot memory + the missing-report export in fetch_state
    "scheduler": Access(("crawl.due.>",), writes_kv=("fetch_state",)),
    # documents, permanent failures, and crawl facts for the index (the indexer writes them)
    "fetcher": Access(
        ("doc.fetched.>", "doc.fact.>", "doc.rejected.fetcher"),
        "fetcher",
        writes_kv=("fetch_state",),
        reads_kv=_DLQ_RECORDS,
    ),
    "parser": Access(
        ("doc.parsed.>", "doc.ocr.>", "doc.rejected.parser"), "parser", reads_kv=_DLQ_RECORDS
    ),
    # the parser's second app (services/parser/ocr_app.py): reads scans, publishes doc.parsed
    "ocr": Access(("doc.parsed.>", "doc.rejected.ocr"), "ocr", reads_kv=_DLQ_RECORDS),
    "validator": Access(
        ("doc.validated.>", "doc.rejected.validator"), "validator", reads_kv=_DLQ_RECORDS
    ),
    "indexer": Access(("doc.indexed.>", "doc.rejected.indexer"), "indexer", reads_kv=_DLQ_RECORDS),
}

# JetStream key-value buckets: per-URL fetch state of the fetcher (services/fetcher/state.py),
# keyed by doc_id; one revision kept (the state is a cache of the last response, not history).
KV_BUCKETS: dict[str, KeyValueConfig] = {
    "fetch_state": KeyValueConfig(
        bucket="fetch_state",
        history=1,
        storage=StorageType.FILE,
        description="fetcher: ETag/Last-Modified/version per URL",
    ),
}


# Buckets of the operator tools, declared here but created on first use by nianbao/ops (services
# never read them, so they are not part of `check` and a missing one never fails /readyz).
OPS_BUCKETS: dict[str, KeyValueConfig] = {
    # nianbao replay: one checkpoint per run id (selection, upper bound, last published seq), so an
    # interrupted replay (Ctrl-C, a Job pod restarted) resumes where it stopped. Kept as long as
    # DOCS keeps the messages a run could still resume over.
    "replay_state": KeyValueConfig(
        bucket="replay_state",
        history=1,
        storage=StorageType.FILE,
        ttl=30 * DAY,
        description="replay: checkpoint per run id",
    ),
    # nianbao dlq: redrive records keyed by DLQ advisory sequence (the backlog is what has none);
    # they expire with the advisories they describe (the DLQ stream's max_age).
    "dlq_state": KeyValueConfig(
        bucket="dlq_state",
        history=1,
        storage=StorageType.FILE,
        ttl=30 * DAY,
        description="dlq: redrives per dead-letter entry",
    ),
}


async def ensure_ops_bucket(js: JetStreamContext, name: str):
    """An operator tool's KV bucket (OPS_BUCKETS), created on first use."""
    try:
        return await js.key_value(name)
    except (BucketNotFoundError, NotFoundError):
        return await js.create_key_value(config=OPS_BUCKETS[name])


def subject(kind: str, token: str) -> str:
    """`doc.fetched.<portal>`, `doc.ocr.<portal>`, `doc.rejected.<stage>`, `crawl.due.<portal>`."""
    return f"{kind}.{token}"


def streams(replicas: int = 1) -> list[StreamConfig]:
    """`replicas`: Settings.stream_replicas (3 on a 3-node cluster, so one server may be lost)."""
    return [
        StreamConfig(
            name=DOCS,
            description="document events, kept for replay",
            subjects=["doc.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            num_replicas=replicas,
            max_age=30 * DAY,
            duplicate_window=300.0,
            discard=DiscardPolicy.OLD,
            max_msg_size=MAX_MSG_SIZE,
        ),
        StreamConfig(
            name=CRAWL,
            description="crawl jobs (work queue)",
            subjects=["crawl.>"],
            retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE,
            num_replicas=replicas,
            max_age=DAY,
            duplicate_window=300.0,
            discard=DiscardPolicy.OLD,
            max_msg_size=MAX_MSG_SIZE,
        ),
        StreamConfig(
            name=DLQ,
            description="max-deliveries and terminated advisories; originals stay in DOCS/CRAWL",
            subjects=[
                f"{ADVISORY}.MAX_DELIVERIES.{DOCS}.*",
                f"{ADVISORY}.MSG_TERMINATED.{DOCS}.*",
                f"{ADVISORY}.MAX_DELIVERIES.{CRAWL}.*",
                f"{ADVISORY}.MSG_TERMINATED.{CRAWL}.*",
            ],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            num_replicas=replicas,
            # Longer than DOCS keeps nothing extra (the original would be gone), so equal it.
            max_age=30 * DAY,
            duplicate_window=120.0,
            discard=DiscardPolicy.OLD,
        ),
    ]


def consumer(stage: Stage, settings: Settings) -> ConsumerConfig:
    # one subject: filter_subject (as every durable had before side inputs); more: filter_subjects
    # (nats-server ≥ 2.10; the two fields are exclusive)
    many = len(stage.filter_subjects) > 1
    return ConsumerConfig(
        name=stage.name,
        durable_name=stage.name,
        filter_subject=None if many else stage.filter_subject,
        filter_subjects=stage.filter_subjects if many else None,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=float(settings.ack_wait_s),
        max_deliver=int(settings.max_deliver),
        max_ack_pending=1000,
    )


# Fields compared by `check`: the ones we set on purpose (the server fills in the rest).
_STREAM_FIELDS = (
    "subjects",
    "retention",
    "storage",
    "max_age",
    "duplicate_window",
    "discard",
    "max_msg_size",
    "num_replicas",
)
_CONSUMER_FIELDS = (
    "filter_subject",
    "filter_subjects",
    "deliver_policy",
    "ack_policy",
    "ack_wait",
    "max_deliver",
)


def _name(cfg: StreamConfig) -> str:
    assert cfg.name, "every stream of streams() is named"
    return cfg.name


async def apply(js: JetStreamContext, settings: Settings) -> list[str]:
    """Create or update every stream and consumer; return what was done (one line each)."""
    done: list[str] = []
    for cfg in streams(settings.stream_replicas):
        try:
            await js.stream_info(_name(cfg))
        except NotFoundError:
            await js.add_stream(config=cfg)
            done.append(f"created stream {cfg.name}")
        else:
            await js.update_stream(config=cfg)
            done.append(f"updated stream {cfg.name}")
    for name, kv_cfg in KV_BUCKETS.items():
        try:
            await js.key_value(name)
        except (BucketNotFoundError, NotFoundError):
            await js.create_key_value(config=replace(kv_cfg, replicas=settings.stream_replicas))
            done.append(f"created kv bucket {name}")
    for stage in STAGES.values():
        durable = consumer(stage, settings)
        # add_consumer on an existing durable updates the editable fields (server ≥ 2.10);
        # a non-editable change raises, which apply reports rather than hides.
        await js.add_consumer(stage.stream, config=durable)
        done.append(f"consumer {stage.stream}/{stage.name} ready")
    return done


def _same(want, have) -> bool:
    if isinstance(want, float) or isinstance(have, float):
        return want is not None and have is not None and abs(float(want) - float(have)) < 1e-6
    if isinstance(want, list) or isinstance(have, list):
        return sorted(want or []) == sorted(have or [])  # absent and empty lists are the same
    return (want or None) == (have or None)  # an absent and an empty filter_subject too


async def check(js: JetStreamContext, settings: Settings) -> list[str]:
    """Drift descriptions; an empty list means the broker matches this code."""
    drift: list[str] = []
    for cfg in streams(settings.stream_replicas):
        try:
            have = (await js.stream_info(_name(cfg))).config
        except NotFoundError:
            drift.append(f"stream {cfg.name} missing")
            continue
        for field in _STREAM_FIELDS:
            want, got = getattr(cfg, field), getattr(have, field)
            if not _same(want, got):
                drift.append(f"stream {cfg.name}.{field}: want {want!r}, have {got!r}")
    for bucket in KV_BUCKETS:
        try:
            await js.key_value(bucket)
        except (BucketNotFoundError, NotFoundError):
            drift.append(f"kv bucket {bucket} missing")
    for stage in STAGES.values():
        durable = consumer(stage, settings)
        try:
            have_durable = (await js.consumer_info(stage.stream, stage.name)).config
        except NotFoundError:
            drift.append(f"consumer {stage.stream}/{stage.name} missing")
            continue
        for field in _CONSUMER_FIELDS:
            want, got = getattr(durable, field), getattr(have_durable, field)
            if not _same(want, got):
                drift.append(
                    f"consumer {stage.stream}/{stage.name}.{field}: want {want!r}, have {got!r}"
                )
    return drift


async def check_or_error(js: JetStreamContext, settings: Settings) -> list[str]:
    """`check`, with a broker error reported as drift instead of raised (for /readyz)."""
    try:
        return await check(js, settings)
    except (NatsError, TimeoutError) as exc:
        return [f"broker: {type(exc).__name__}: {exc}"]
