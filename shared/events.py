"""The one contract file: every event that crosses the broker.

Rules (msgspec schema evolution; tests/unit/test_events.py pins the JSON schema):
- every event is a frozen Struct on the tagged base `Event`; the tag is the `type` field;
- new fields get defaults; never rename, reorder or retype a field; never `forbid_unknown_fields`
  (a newer producer's extra fields must decode on an older consumer during a rolling deploy);
- a field no consumer reads may be retired if it has a default: removed here and listed in
  `RETIRED` so its name is never given another meaning. Older messages still carrying it decode
  (unknown fields are ignored), and older consumers read the default from newer messages;
- events carry references and identities, never document bytes (claim check): `doc_id` is the
  sha256 of the canonical URL, `version` the sha256 of the bytes, stored at `raw/<version>`
  (a report published as pictures: see `bundle_version`; its `object_key` names its PDF).
"""

from __future__ import annotations

import hashlib

import msgspec

from shared.report import Finding, ParsedReport

SCHEMA_VERSION = 1


class Event(msgspec.Struct, frozen=True, tag_field="type", kw_only=True):
    """Base of all events.

    - `frozen`: an event is a fact; handlers derive new events instead of mutating.
    - `tag_field="type"`: one decoder for the union dispatches on the tag; an unknown tag is a
      decode error, which the acking layer treats as poison (terminated, not retried).
    - `kw_only`: subclasses may add defaulted fields in any order.
    """

    schema_version: int = SCHEMA_VERSION
    emitted_at: float = 0.0  # unix seconds, set by the publisher


class DocRef(msgspec.Struct, frozen=True, kw_only=True):
    """Identity of one version of one document."""

    doc_id: str  # sha256(canonical URL)
    version: str  # sha256(bytes); a report published as pictures: bundle_version
    portal: str  # portal id from the registry; subject token
    url: str
    object_key: str  # raw/<sha256>


class CrawlDue(Event, frozen=True, tag="crawl.due"):
    portal: str
    slot: str  # ISO start of the schedule slot; part of the Msg-Id so replicas publish one job
    urls: list[str] = []  # explicit list URLs; empty → the registry's
    reason: str = "schedule"  # schedule | manual | retry


class DocFetched(Event, frozen=True, tag="doc.fetched"):
    ref: DocRef
    size: int  # bytes
    content_type: str | None = None  # as declared by the server (its charset is the parser's hint)
    fetched_at: float = 0.0
    title_hint: str | None = None  # link text on the list page
    agency: str | None = None  # from the registry
    division_code: str | None = None
    level: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    parent_url: str | None = None  # the report page an attachment came from
    companion: str | None = None  # 图片版 / 解读 when recognised
    # a report page's pictures bundled into one image-only PDF (its URL: the page's + "#pictures"):
    # the pictures' URLs in page order, each a page (a multi-frame TIFF several); [] otherwise
    pictures: list[str] = []
    # on a report page whose pictures are bundled (above): the bundle's doc_id. The page's tables
    # are in the pictures, so a page the parser finds to be only pictures is not a report of its
    # own (rejected read_as_pictures, naming the bundle): one publication, one report
    pictures_doc: str | None = None
    # on a bundle: the stored bytes (raw/<sha256>) of the page it was published on, whose stated
    # title, publication date and publisher (ArticleTitle, PubDate, ContentSource …) the report
    # takes where its pictures state none. A bundle's `version` is then the sha256 of the PDF's
    # and the page's versions (`bundle_version`): a corrected page is a new version of the report
    page_object_key: str | None = None


class DocParsed(Event, frozen=True, tag="doc.parsed"):
    ref: DocRef
    report: ParsedReport
    parser_version: str = ""
    fetched: DocFetched | None = None


class DocNeedsOcr(Event, frozen=True, tag="doc.ocr"):
    """A document whose pages are scans (or a picture): the parser hands it to the OCR stage on
    `doc.ocr.<portal>` instead of finishing it, so a scan read in seconds per page never holds up
    the text and HTML reports behind it, and OCR workers scale on their own consumer's lag. The
    OCR stage publishes the usual doc.parsed (or a rejection with its reason)."""

    ref: DocRef
    fetched: DocFetched
    scan_pages: list[int] = []  # 1-based pages without a text layer, as the text read found them
    source_modality: str = "image"  # image (nothing readable without OCR) | mixed


class DocValidated(Event, frozen=True, tag="doc.validated"):
    ref: DocRef
    report: ParsedReport
    findings: list[Finding]
    status: str  # valid | warnings | invalid
    parser_version: str = ""
    validator_version: str = ""
    fetched: DocFetched | None = None


class DocIndexed(Event, frozen=True, tag="doc.indexed"):
    ref: DocRef
    status: str
    findings: int = 0
    changed: bool = True  # False when the same version was already indexed (no-op)
    # the code that produced what is now indexed (for `nianbao reprocess`); "" from older indexers
    parser_version: str = ""
    validator_version: str = ""
    index_schema_version: str = ""


class DocRejected(Event, frozen=True, tag="doc.rejected"):
    stage: str  # fetcher | parser | ocr | validator | indexer
    reason: str  # bounded label: not_a_report, parse_error, too_large, …
    detail: str = ""
    ref: DocRef | None = None
    url: str | None = None
    portal: str | None = None
    original_subject: str | None = None
    original_seq: int | None = None


class CrawlFact(Event, frozen=True, tag="doc.fact"):
    """A crawl fact for the index, published by the fetcher on `doc.fact.<portal>` and written
    by the indexer into its store (services/indexer/facts.py), so `nianbao missing` can read it
    after the broker is gone, whichever store the index is. The fetcher holds no database
    credentials; the fact rides JetStream, so a restarted fetcher or indexer loses none.

    `kind`:
    - `link_dead`: a listed report link answers 404/410 (`url`, `status`, `since` = the first
      time the fetcher saw it so, `title`, `report_year`, `companion`);
    - `link_alive`: a link recorded as dead answers again (`url`): its dead status is cleared;
    - `coverage`: what the portal's list declares against what the crawl reached
      (`declared`, `reached`, `unit`).
    `checked_at` (unix seconds) orders facts: the store never lets an older fact undo a newer one
    (a replayed or redelivered fact is harmless)."""

    kind: str  # link_dead | link_alive | coverage
    portal: str
    checked_at: float
    url: str | None = None
    status: int | None = None  # 404 | 410
    since: float | None = None
    title: str | None = None
    report_year: int | None = None
    companion: str | None = None
    declared: int | None = None
    reached: int | None = None
    unit: str | None = None


# Retired fields (see the module docstring): struct → {field: why}. Never reuse these names.
RETIRED: dict[str, dict[str, str]] = {
    "DocFetched": {
        "encoding": "the fetcher's charset guess, never read: the parser detects the encoding"
        " from the bytes and content_type's charset, and records it on ParsedReport.encoding",
    },
}

AnyEvent = (
    CrawlDue
    | DocFetched
    | DocParsed
    | DocNeedsOcr
    | DocValidated
    | DocIndexed
    | DocRejected
    | CrawlFact
)

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(AnyEvent)


def encode(event: Event) -> bytes:
    return _encoder.encode(event)


def decode(data: bytes) -> AnyEvent:
    """Decode any event; raises msgspec.DecodeError / ValidationError on poison."""
    return _decoder.decode(data)


def doc_id_for(canonical_url: str) -> str:
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()


def version_for(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def bundle_version(pdf_version: str, page_version: str | None) -> str:
    """The version of a report published as pictures (DocFetched.pictures): what it is read from,
    its PDF (stored at raw/<pdf_version>, its `object_key`) and the page that states its metadata.
    Without a page it is the PDF's own version."""
    if page_version is None:
        return pdf_version
    return hashlib.sha256(f"{pdf_version}:{page_version}".encode()).hexdigest()


def object_key_for(version: str) -> str:
    return f"raw/{version}"


def msg_id(stage: str, ref: DocRef) -> str:
    """Nats-Msg-Id for an event derived from one document version at one stage.

    Derived, not random, so a retried publish after a lost ack is deduplicated by the stream.
    """
    return f"{stage}:{ref.doc_id}:{ref.version}"


# Headers of a re-published message (nianbao replay / dlq redrive). `REPLAY_HEADER` carries the
# token (`replay:<run>` or `redrive:<stream_seq>:<n>`) that every stage appends to the Msg-Ids of
# the events it derives, so a replay's downstream events are not swallowed by the dedup window
# (a changed parser must reach the index) while one replay still yields one event per stage.
REPLAY_HEADER = "Nianbao-Replay"
REPLAY_OF_HEADER = "Replay-Of"  # <stream>:<seq> of the original message


def replay_msg_id(base: str, token: str) -> str:
    """Msg-Id of an event derived while handling a replayed message."""
    return f"{base}|{token}"


def subject_token(portal: str) -> str:
    """Portal ids become one subject token: no dots, spaces or wildcards."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in portal) or "_"
