"""Versioned reprocessing: find the reports the index holds from an older parser or validator
(`SearchStore.stale`) and replay only those, from the earliest stage that changed:

- parser version differs → replay the doc's latest `doc.fetched` (re-parse, re-validate, re-index);
- only the validator differs → replay its latest `doc.parsed` (re-validate, re-index).

The index rows say which versions produced them (`parser_version`, `validator_version`), so a
second `reprocess --stale` after the pipeline drained finds nothing.
Settings read: none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nianbao.ops.replay import ReplayResult, replay
from nianbao.ops.selection import Selection
from shared.versions import PARSER_VERSION, VALIDATOR_VERSION


@dataclass
class StalePlan:
    """doc ids to replay from each subject."""

    reparse: list[str] = field(default_factory=list)  # from doc.fetched
    revalidate: list[str] = field(default_factory=list)  # from doc.parsed
    versions: dict[tuple[str, str], int] = field(
        default_factory=dict
    )  # (parser, validator) → reports

    @property
    def total(self) -> int:
        return len(self.reparse) + len(self.revalidate)


async def stale_plan(
    search, parser_version: str | None = None, validator_version: str | None = None
) -> StalePlan:
    """Stale doc ids split by where their replay starts (versions default to this code's)."""
    parser_version = parser_version or PARSER_VERSION
    validator_version = validator_version or VALIDATOR_VERSION
    plan = StalePlan()
    for doc_id in await search.stale(parser_version, validator_version):
        row = await search.get_report(doc_id)
        if row is None:  # re-indexed or removed meanwhile
            continue
        have = (str(row.get("parser_version")), str(row.get("validator_version")))
        plan.versions[have] = plan.versions.get(have, 0) + 1
        (plan.reparse if have[0] != parser_version else plan.revalidate).append(doc_id)
    return plan


def selections(plan: StalePlan, portal: str | None = None) -> list[Selection]:
    tail = portal or ">"
    out = []
    if plan.reparse:
        out.append(
            Selection(subject=f"doc.fetched.{tail}", doc_ids=frozenset(plan.reparse), latest=True)
        )
    if plan.revalidate:
        out.append(
            Selection(subject=f"doc.parsed.{tail}", doc_ids=frozenset(plan.revalidate), latest=True)
        )
    return out


async def reprocess_stale(
    js,
    search,
    *,
    dry_run: bool = False,
    rate: float | None = None,
    progress_factory=None,
    portal: str | None = None,
) -> tuple[StalePlan, list[ReplayResult]]:
    """Plan from the index, then one replay per subject (each resumable like any replay)."""
    plan = await stale_plan(search)
    results = []
    for sel in selections(plan, portal):
        progress = progress_factory(sel.kind) if progress_factory else None
        results.append(await replay(js, sel, dry_run=dry_run, rate=rate, progress=progress))
    return plan, results
