"""What a replay selects, as data and pure predicates: a subject, a sequence / time window and
content filters (portal, agency, year, doc ids).

Facts come from the event itself when it carries them (doc.parsed / doc.validated know the
report's year and agency); doc.fetched does not know the year, so year (and, when the registry
gave no agency, agency) filters on it are answered by the search index: the caller passes the
doc ids the index has for those years/agencies (`index_ids`).

Settings read: none.
"""

from __future__ import annotations

import fnmatch
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec

from shared.events import (
    CrawlFact,
    DocFetched,
    DocIndexed,
    DocParsed,
    DocRejected,
    DocValidated,
    doc_id_for,
    subject_token,
)
from shared.topology import DOCS, STAGES

KINDS = (
    "doc.fetched",
    "doc.ocr",
    "doc.parsed",
    "doc.validated",
    "doc.indexed",
    "doc.rejected",
    "doc.fact",
)
# the stage that consumes each kind (a replay of the others reaches no handler)
CONSUMER = {tag: s.name for s in STAGES.values() if s.stream == DOCS for tag in s.input_tags}
FULL_ID = 64  # sha256 hex: shorter doc ids are prefixes (the CLI shows short ids)


class Selection(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A replay's selection; stored in its checkpoint so a resume selects the same messages."""

    subject: str  # filter subject: doc.fetched.> or doc.fetched.<portal>
    from_seq: int | None = None
    to_seq: int | None = None
    since: float | None = None  # unix seconds (message time in the stream)
    until: float | None = None
    portals: frozenset[str] = frozenset()
    agencies: frozenset[str] = frozenset()  # exact names or globs (*区*)
    years: frozenset[int] = frozenset()
    doc_ids: frozenset[str] = frozenset()  # full ids or prefixes
    latest: bool = False  # only the last message of each doc_id in the window
    include_replays: bool = False  # also copies made by earlier replays / redrives

    @property
    def kind(self) -> str:
        return ".".join(self.subject.split(".")[:2])

    @property
    def needs_event(self) -> bool:
        """True when messages must be decoded to decide (otherwise headers and metadata do)."""
        return bool(self.portals or self.agencies or self.years or self.doc_ids or self.latest)

    @property
    def needs_index(self) -> bool:
        """Year/agency filters on events that do not carry the report's year."""
        return bool(self.years or self.agencies) and self.kind not in (
            "doc.parsed",
            "doc.validated",
        )


def parse_subject(text: str) -> str:
    """`doc.fetched`, `doc.fetched.>`, `doc.fetched.<portal>` or `fetched` → the filter subject."""
    text = text.strip()
    if not text.startswith("doc."):
        text = f"doc.{text}"
    parts = text.split(".")
    kind = ".".join(parts[:2])
    if kind not in KINDS:
        raise ValueError(
            f"unknown subject {text!r}: choose one of {', '.join(k + '.>' for k in KINDS)}"
        )
    if len(parts) == 2 or parts[2:] == [">"]:
        return f"{kind}.>"
    if len(parts) != 3 or parts[2] in ("*", ">") or parts[2] != subject_token(parts[2]):
        raise ValueError(f"bad subject {text!r}: expected {kind}.<portal> with one plain token")
    return text


_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_time(text: str, now: float | None = None) -> float:
    """ISO 8601 (`2026-01-01`, `2026-01-01T08:00:00+08:00`, `…Z`; naive means UTC), unix seconds,
    or an age (`90m`, `2h`, `7d`: that long before now) → unix seconds."""
    text = text.strip()
    m = _RELATIVE.match(text)
    if m:
        return (time.time() if now is None else now) - float(m.group(1)) * _UNIT_S[m.group(2)]
    try:
        return float(text)
    except ValueError:
        pass
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(
            f"bad time {text!r}: use ISO 8601, unix seconds or an age like 2h / 7d"
        ) from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def in_window(sel: Selection, seq: int, ts: float) -> bool:
    if sel.from_seq is not None and seq < sel.from_seq:
        return False
    if sel.to_seq is not None and seq > sel.to_seq:
        return False
    if sel.since is not None and ts < sel.since:
        return False
    return sel.until is None or ts <= sel.until


@dataclass(frozen=True)
class Facts:
    """What the filters look at, taken from one event (None: the event does not say)."""

    doc_id: str | None
    portal: str | None
    agencies: tuple[str, ...]
    year: int | None


def facts_of(event) -> Facts:
    ref = getattr(event, "ref", None)
    doc_id = ref.doc_id if ref else None
    portal = ref.portal if ref else getattr(event, "portal", None)
    if isinstance(event, (DocParsed, DocValidated)):
        names = (event.report.agency_name, event.fetched.agency if event.fetched else None)
        return Facts(doc_id, portal, tuple(n for n in names if n), event.report.report_year)
    if isinstance(event, DocFetched):
        return Facts(doc_id, portal, (event.agency,) if event.agency else (), None)
    if isinstance(event, (DocIndexed, DocRejected)):
        return Facts(doc_id, portal, (), None)
    if isinstance(event, CrawlFact):  # a link's fact is about the document at that URL
        return Facts(doc_id_for(event.url) if event.url else None, portal, (), event.report_year)
    return Facts(doc_id, portal, (), None)


class IdMatcher:
    """Full doc ids by set lookup, prefixes by one `startswith` over a tuple (10k ids stay fast)."""

    def __init__(self, ids: frozenset[str]) -> None:
        self.full = frozenset(i for i in ids if len(i) >= FULL_ID)
        self.prefixes = tuple(sorted(i for i in ids if len(i) < FULL_ID))

    def __call__(self, doc_id: str | None) -> bool:
        return doc_id is not None and (doc_id in self.full or doc_id.startswith(self.prefixes))


def _agency_ok(patterns: frozenset[str], names: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(n, p) for p in patterns for n in names)


def matches(
    sel: Selection,
    facts: Facts,
    ids: IdMatcher | None = None,
    index_ids: frozenset[str] | None = None,
) -> bool:
    """Content filters. `index_ids` answers year/agency for events that do not carry them."""
    if sel.portals and (facts.portal is None or subject_token(facts.portal) not in sel.portals):
        return False
    if sel.doc_ids and not (ids or IdMatcher(sel.doc_ids))(facts.doc_id):
        return False
    from_index = index_ids is not None and facts.doc_id in index_ids
    if sel.years and not (facts.year in sel.years if facts.year is not None else from_index):
        return False
    return not sel.agencies or _agency_ok(sel.agencies, facts.agencies) or from_index
