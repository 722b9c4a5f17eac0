"""`nianbao replay SUBJECT [window] [filters] [--dry-run] [--rate N] [--run-id ID]`

Re-publishes stored messages of a doc.* subject to the same live subject, so the stage that
consumes it (parser ← doc.fetched, validator ← doc.parsed, indexer ← doc.validated) handles them
again while the pipeline runs; unchanged data leaves the index exactly as it was. Replaying
doc.rejected[.<stage>] re-publishes the originals those rejections name (after a fix).

- window: --from-seq/--to-seq (stream sequences), --since/--until (ISO 8601, unix seconds, or an
  age such as 2h / 7d);
- filters: --portal, --agency (exact or *pattern*), --year, --doc (full id or prefix), each
  repeatable; --latest keeps only the last message of each doc; year/agency on doc.fetched are
  answered by the search index;
- --dry-run counts what would be replayed; --rate caps republished messages per second;
- interrupted runs resume: the same command (or --run-id ID) continues after the last checkpoint;
  `nianbao replay --runs` lists runs and their checkpoints.

Exit 0 done, 1 failed, 2 bad arguments, 3 broker or search store unreachable.
Settings read: nats_url, search, data_dir (through shared.config.load()).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

import nats

from nianbao.cli import argtypes
from nianbao.cli.connection import BrokerUnreachable, add_broker_arguments, target_of
from nianbao.ops.checkpoint import Checkpoints
from nianbao.ops.progress import ReplayProgress
from nianbao.ops.replay import ReplayError, ReplayResult, replay
from nianbao.ops.selection import CONSUMER, Selection, parse_subject, parse_time
from nianbao.ops.session import broker, ids_from_index
from shared.config import load
from shared.errors import StoreUnavailable
from shared.events import subject_token

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 1, 2, 3


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    add_broker_arguments(parser)
    parser.add_argument(
        "--search-url", help="search store URL (default: NIANBAO_SEARCH or <data_dir>/index.db)"
    )


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run", action="store_true", help="count what would be replayed; publish nothing"
    )
    parser.add_argument(
        "--rate", type=float, help="at most this many republished messages per second"
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="no progress bar or progress lines"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    add_connection_arguments(parser)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "subject", nargs="?", help="doc.fetched | doc.parsed | doc.validated (…) [.<portal>|.>]"
    )
    parser.add_argument("--from-seq", type=int, help="first stream sequence")
    parser.add_argument("--to-seq", type=int, help="last stream sequence")
    parser.add_argument(
        "--since", help="messages stored at or after (ISO 8601, unix s, or age: 2h, 7d)"
    )
    parser.add_argument("--until", help="messages stored at or before")
    parser.add_argument("--portal", action="append", default=[], help="portal id (repeatable)")
    parser.add_argument(
        "--agency", action="append", default=[], help="agency name or *pattern* (repeatable)"
    )
    parser.add_argument(
        "--year", action="append", type=argtypes.year, default=[], help="report year (repeatable)"
    )
    parser.add_argument("--doc", action="append", default=[], help="doc id or prefix (repeatable)")
    parser.add_argument("--latest", action="store_true", help="only the last message of each doc")
    parser.add_argument(
        "--include-replays", action="store_true", help="also copies made by earlier replays"
    )
    parser.add_argument(
        "--run-id", help="resume (or name) this run; default: derived from the selection"
    )
    parser.add_argument(
        "--restart", action="store_true", help="ignore the run's checkpoint; start over"
    )
    parser.add_argument("--force", action="store_true", help="replay a subject no stage consumes")
    parser.add_argument(
        "--runs", action="store_true", help="list replay runs and their checkpoints"
    )
    add_run_arguments(parser)


def selection_of(args: argparse.Namespace) -> Selection:
    """The Selection the arguments describe (ValueError with a message on bad input)."""
    subject = parse_subject(args.subject)
    kind = ".".join(subject.split(".")[:2])
    if kind not in (*CONSUMER, "doc.rejected") and not (args.force or args.dry_run):
        raise ValueError(
            f"no stage consumes {kind}: replay one of {', '.join(CONSUMER)},"
            " or doc.rejected for the originals it rejected (or --force)"
        )
    portals = {subject_token(p) for p in args.portal}
    if kind == "doc.rejected":
        pass  # its last token is the rejecting stage; portals stay a content filter
    else:
        if not subject.endswith(".>"):
            portals.add(subject.rsplit(".", 1)[1])
        if len(portals) == 1:  # one portal: the filter subject selects it, no decoding needed
            subject, portals = f"{kind}.{portals.pop()}", set()
    return Selection(
        subject=subject,
        from_seq=args.from_seq,
        to_seq=args.to_seq,
        since=parse_time(args.since) if args.since else None,
        until=parse_time(args.until) if args.until else None,
        portals=frozenset(portals),
        agencies=frozenset(args.agency),
        years=frozenset(args.year),
        doc_ids=frozenset(args.doc),
        latest=args.latest,
        include_replays=args.include_replays,
    )


def result_dict(r: ReplayResult) -> dict:
    return {
        "run": r.run,
        "dry_run": r.dry_run,
        "upper_seq": r.upper,
        "scanned": r.scanned,
        "selected": r.matched,
        "republished": r.published,
        "deduplicated": r.duplicates,
        "skipped_replay_copies": r.skipped_copies,
        "undecodable": r.undecodable,
        "originals_missing": r.originals_missing,
        "resumed_from_seq": r.resumed_from,
        "already_done": r.already_done,
        "seconds": round(r.seconds, 3),
        "rate_msg_s": round(r.rate, 1),
        "by_subject": dict(sorted(r.by_subject.items())),
    }


def print_result(r: ReplayResult, as_json: bool, out=None) -> None:
    out = out or sys.stdout  # looked up per call: sys.stdout may be replaced (tests, redirects)
    if as_json:
        print(json.dumps(result_dict(r), ensure_ascii=False), file=out)
        return
    if r.already_done:
        print(
            f"run {r.run} already finished: {r.published} republished (use --restart to run it again)",
            file=out,
        )
        return
    verb = "would replay" if r.dry_run else "republished"
    count = r.matched if r.dry_run else r.published
    resumed = f", resumed after seq {r.resumed_from}" if r.resumed_from is not None else ""
    print(
        f"run {r.run}: scanned {r.scanned} (up to seq {r.upper}{resumed}), {verb} {count}"
        f" in {r.seconds:.1f}s ({r.rate:,.0f} msg/s)",
        file=out,
    )
    if r.duplicates:
        print(
            f"  {r.duplicates} already republished before the interruption (dropped as duplicates)",
            file=out,
        )
    if r.skipped_copies:
        print(
            f"  skipped {r.skipped_copies} copies made by earlier replays (--include-replays to keep)",
            file=out,
        )
    if r.originals_missing:
        print(
            f"  {r.originals_missing} rejected originals have expired (or were crawl jobs): not replayed",
            file=out,
        )
    if r.undecodable:
        print(
            f"  {r.undecodable} messages could not be decoded, so filters could not select them",
            file=out,
        )
    for subject, n in sorted(r.by_subject.items()):
        print(f"  {subject}: {n}", file=out)


async def _index_ids(sel: Selection, settings):
    if not sel.needs_index:
        return None
    from shared.storage.factory import open_search_store

    search = await open_search_store(settings=settings)
    try:
        return await ids_from_index(search, sel.years, sel.agencies)
    finally:
        await search.close()


async def _runs(settings) -> int:
    async with broker(settings) as js:
        for cp in await (await Checkpoints.open(js)).runs():
            print(
                f"{cp.run}  {cp.status:<7}  {cp.selection.subject}  seq {cp.last_seq}/{cp.upper}"
                f"  published {cp.published}"
            )
    return EXIT_OK


async def _main(args, settings) -> int:
    if args.runs:
        return await _runs(settings)
    sel = selection_of(args)
    index_ids = await _index_ids(sel, settings)
    progress = None if args.no_progress else ReplayProgress(label=f"replay {sel.subject}")
    async with broker(settings) as js:
        result = await replay(
            js,
            sel,
            run=args.run_id,
            dry_run=args.dry_run,
            rate=args.rate,
            index_ids=index_ids,
            progress=progress,
            restart=args.restart,
        )
    print_result(result, args.json)
    return EXIT_OK


def run_async(main, args) -> int:
    """Run a command coroutine with the exit codes of the operator commands."""
    target = target_of(args)
    settings = load(nats_url=target.url, search=args.search_url, data_dir=args.data_dir)
    try:
        return asyncio.run(main(args, settings))
    except BrokerUnreachable as exc:
        print(f"nianbao: {target.unreachable(exc.reason)}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except ValueError as exc:
        print(f"nianbao: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (OSError, nats.errors.NoServersError, StoreUnavailable) as exc:
        print(f"cannot reach the broker or the search store: {exc}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except (ReplayError, nats.errors.Error) as exc:
        print(f"nianbao: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted: run the same command again to resume", file=sys.stderr)
        return 130


def run(args) -> int:
    if not args.runs and not args.subject:
        print("nianbao replay: a SUBJECT is required (or --runs)", file=sys.stderr)
        return EXIT_USAGE
    return run_async(_main, args)
