"""Duplicate reports of one year across the whole index (X-001 same agency and year published
again, X-002 内容雷同), written back to the index as findings.

Two passes over the store, so memory holds fingerprints, not reports:
1. stream the year's reports (`export_batches`, keyset pages) and keep each one's Fingerprint
   (services/validator/cross.py: agency, tables hash, packed MinHash — a few hundred bytes);
2. pair candidates (`candidate_pairs`: linear in the reports) and load only the reports of those
   pairs, a page of later reports at a time (`load_reports`), to confirm them exactly.

"Later" is the re-publication: reports are ordered by publish date (undated last), then first
fetch, then doc_id, and a finding belongs to the later report of its pair. The findings replace
the year's X-* findings in one transaction (`replace_duplicate_findings`), so a rerun leaves the
same rows. Settings read: none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from services.validator.cross import Fingerprint, candidate_pairs, confirm, fingerprint
from shared.report import Finding
from shared.storage.queries import decode_report

CHUNK = 500  # reports per export page
CONFIRM_PAGE = 200  # later reports whose candidates are loaded together (≤ a few hundred reports)


@dataclass(frozen=True)
class Duplicate:
    """One finding about `doc_id` because of `duplicate_of`."""

    year: int
    doc_id: str
    agency: str | None
    duplicate_of: str
    duplicate_agency: str | None
    finding: Finding

    def as_dict(self) -> dict[str, Any]:
        f = self.finding
        return {
            "year": self.year, "doc_id": self.doc_id, "agency": self.agency, "duplicate_of": self.duplicate_of,
            "duplicate_agency": self.duplicate_agency, "rule": f.rule, "severity": f.severity,
            "message": f.message, "cells": list(f.cells), "tags": list(f.tags),
        }  # fmt: skip


@dataclass
class Outcome:
    year: int
    reports: int = 0  # scanned
    compared: int = 0  # candidate pairs confirmed or rejected
    loaded: int = 0  # reports read a second time (candidates only)
    written: int | None = None  # findings written to the index (None: --dry-run)
    found: list[Duplicate] = field(default_factory=list)

    def by_rule(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in self.found:
            out[d.finding.rule] = out.get(d.finding.rule, 0) + 1
        return dict(sorted(out.items()))


def _order(row: dict) -> tuple:
    fetched = row.get("fetched_at")
    return (
        row.get("publish_date") or "\uffff",  # undated after every date
        float("inf") if fetched is None else float(fetched),
        row["doc_id"],
    )


async def scan(store: Any, year: int, *, chunk: int = CHUNK) -> tuple[list[str], list[Fingerprint]]:
    """doc_ids and fingerprints of `year`'s reports, earliest publication first."""
    entries: list[tuple[tuple, Fingerprint]] = []
    async for batch in store.export_batches(chunk=chunk, year=year):
        for row in batch:
            entries.append((_order(row), fingerprint(decode_report(row["report_json"]))))
    entries.sort(key=lambda e: e[0])
    return [key[2] for key, _ in entries], [fp for _, fp in entries]


async def find(
    store: Any,
    year: int,
    *,
    chunk: int = CHUNK,
    page: int = CONFIRM_PAGE,
    progress: Callable[[str], None] | None = None,
) -> Outcome:
    """The year's duplicates, not written anywhere."""
    doc_ids, prints = await scan(store, year, chunk=chunk)
    outcome = Outcome(year=year, reports=len(doc_ids))
    if progress:
        progress(f"{len(doc_ids)} report(s) of {year} fingerprinted")
    pairs = candidate_pairs(prints)
    del prints
    laters = sorted(pairs)
    for start in range(0, len(laters), page):
        part = laters[start : start + page]
        need = sorted({i for later in part for i in (later, *pairs[later])})
        loaded = await store.load_reports([doc_ids[i] for i in need])
        outcome.loaded += len(loaded)
        reports = {i: loaded[doc_ids[i]] for i in need if doc_ids[i] in loaded}
        for later in part:
            if later not in reports:
                continue  # removed from the index since the scan
            earlier = {i: why for i, why in pairs[later].items() if i in reports}
            outcome.compared += len(earlier)
            for pair in confirm(later, earlier, reports.__getitem__):
                b, a = reports[pair.later], reports[pair.earlier]
                for f in pair.findings:
                    outcome.found.append(
                        Duplicate(year, doc_ids[pair.later], b.agency_name, doc_ids[pair.earlier],
                                  a.agency_name, f)
                    )  # fmt: skip
        if progress:
            progress(f"{min(start + page, len(laters))}/{len(laters)} candidate report(s) compared")
    return outcome


async def run(
    store: Any, year: int, *, write: bool = True, progress: Callable[[str], None] | None = None
) -> Outcome:
    """Find the year's duplicates and (unless `write` is False) make them the year's X-* findings."""
    outcome = await find(store, year, progress=progress)
    if write:
        by_doc: dict[str, list[Finding]] = {}
        for d in outcome.found:
            by_doc.setdefault(d.doc_id, []).append(d.finding)
        outcome.written = await store.replace_duplicate_findings(year, by_doc)
    return outcome
