"""`nianbao dlq list|show|redrive|dismiss|backlog`

- `list [--stage S] [--reason R] [--all]`: dead letters waiting for a decision (with --all also the
  redriven and dismissed): entry id, when, stage, kind, deliveries, reason, original subject/doc;
- `show ID`: one entry with its rejection detail and the original message (headers and event);
- `redrive ID… | --stage S | --reason R | --all-waiting [--dry-run]`: re-publish originals to their
  subject (after the fault is fixed), recorded so the backlog drops;
- `dismiss ID… | filters [--note TEXT]`: record that entries need no redrive;
- `backlog`: waiting entries per stage (the nianbao_dlq_backlog gauge).

Exit 0 done, 1 an entry could not be redriven (its original expired), 2 bad arguments,
3 broker unreachable.
Settings read: nats_url (through shared.config.load()).
"""

from __future__ import annotations

import argparse
import json
import sys

import msgspec

from nianbao.cli.replay_cmd import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    add_connection_arguments,
    run_async,
)
from nianbao.ops.dlq import dismiss, redrive, when
from nianbao.ops.session import broker
from shared.events import decode
from shared.runtime.deadletters import DeadLetter, DeadLetters

ALL_STATES = ("waiting", "redriven", "dismissed")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        choices=("list", "show", "redrive", "dismiss", "backlog"),
        help="list waiting entries, show one, redrive or dismiss some, count the backlog",
    )
    parser.add_argument("ids", nargs="*", type=int, help="entry ids (from `dlq list`)")
    parser.add_argument("--stage", help="only this stage (parser, validator, indexer, fetcher)")
    parser.add_argument("--reason", help="only this reason (e.g. parse_error, max_deliveries)")
    parser.add_argument(
        "--all", action="store_true", help="list: also redriven and dismissed entries"
    )
    parser.add_argument(
        "--all-waiting", action="store_true", help="redrive/dismiss: every waiting entry"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="redrive: show what would be redriven"
    )
    parser.add_argument("--note", default="", help="dismiss: why")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_connection_arguments(parser)


def entry_dict(e: DeadLetter) -> dict:
    return {
        "id": e.dlq_seq,
        "at": e.at,
        "stage": e.stage,
        "kind": e.kind,
        "state": e.state,
        "deliveries": e.deliveries,
        "reason": e.reason,
        "detail": e.detail,
        "stream": e.stream,
        "stream_seq": e.stream_seq,
        "subject": e.subject,
        "doc_id": e.doc_id,
        "url": e.url,
        "redrives": e.record.get("redrives", 0),
    }


def _line(e: DeadLetter) -> str:
    original = e.subject or "(original expired)"
    doc = (e.doc_id or "")[:12]
    return (
        f"{e.dlq_seq:>6}  {when(e.at)}  {e.stage:<9} {e.kind:<14} x{e.deliveries:<2} {e.state:<9}"
        f" {e.reason:<16} {original}  {doc}  {e.url or ''}"
    )


async def _select(dead: DeadLetters, args, states=("waiting",)) -> list[DeadLetter]:
    entries = await dead.entries(stage=args.stage, reason=args.reason, states=states)
    if args.ids:
        wanted = set(args.ids)
        entries = [
            e
            for e in await dead.entries(stage=args.stage, reason=args.reason, states=ALL_STATES)
            if e.dlq_seq in wanted
        ]
        missing = wanted - {e.dlq_seq for e in entries}
        if missing:
            raise ValueError(f"no dead letter with id {', '.join(map(str, sorted(missing)))}")
    return entries


def _show(e: DeadLetter, raw, as_json: bool) -> None:
    headers = dict(raw.headers or {}) if raw is not None else {}
    try:
        event = msgspec.to_builtins(decode(raw.data)) if raw is not None else None
    except (msgspec.DecodeError, msgspec.ValidationError):
        event = None
    body = (
        (raw.data or b"").decode("utf-8", "replace") if raw is not None and event is None else None
    )
    if as_json:
        print(
            json.dumps(
                {
                    **entry_dict(e),
                    "original": None
                    if raw is None
                    else {
                        "subject": raw.subject,
                        "seq": raw.seq,
                        "headers": headers,
                        "event": event,
                        "raw": body,
                    },
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    print(_line(e))
    if e.detail:
        print(f"detail: {e.detail}")
    if raw is None:
        print(f"original {e.stream}:{e.stream_seq} has expired from the stream")
        return
    print(f"original {e.stream}:{raw.seq} {raw.subject}")
    for k, v in sorted(headers.items()):
        print(f"  {k}: {v}")
    text = json.dumps(event, ensure_ascii=False, indent=2) if event is not None else body
    print(text if len(text) < 4000 else text[:4000] + "\n  … (use --json for all of it)")


async def _main(args, settings) -> int:
    async with broker(settings) as js:
        dead = await DeadLetters.open(js)
        if args.action == "backlog":
            counts = await dead.backlog()
            print(
                json.dumps(counts)
                if args.json
                else "\n".join(f"{s:<9} {n}" for s, n in counts.items())
            )
            return EXIT_OK
        if args.action == "list":
            entries = await dead.entries(
                stage=args.stage,
                reason=args.reason,
                states=ALL_STATES if args.all else ("waiting",),
            )
            if args.json:
                print(json.dumps([entry_dict(e) for e in entries], ensure_ascii=False))
            else:
                for e in entries:
                    print(_line(e))
                print(f"{len(entries)} dead letter(s)", file=sys.stderr)
            await dead.backlog()
            return EXIT_OK
        if args.action == "show":
            e, raw = await dead.show(args.ids[0])
            _show(e, raw, args.json)
            return EXIT_OK
        entries = await _select(dead, args)
        if args.action == "dismiss":
            n = await dismiss(dead, entries, args.note)
            print(f"dismissed {n} dead letter(s)")
            return EXIT_OK
        if args.dry_run:
            for e in entries:
                print(_line(e))
            print(f"would redrive {len(entries)} dead letter(s)")
            return EXIT_OK
        failed = 0
        for e, seq, error in await redrive(dead, entries):
            if error:
                failed += 1
                print(f"{e.dlq_seq}: not redriven: {error}", file=sys.stderr)
            elif not args.json:
                print(f"{e.dlq_seq}: redriven to {e.subject} as {e.stream}:{seq}")
        await dead.backlog()
        print(f"redrove {len(entries) - failed} of {len(entries)} dead letter(s)")
        return EXIT_FAILED if failed else EXIT_OK


def usage_error(args) -> str | None:
    """What is wrong with the arguments, found before connecting to anything."""
    if args.action == "show" and len(args.ids) != 1:
        return "dlq show takes one entry id"
    if args.action in ("redrive", "dismiss") and not (
        args.ids or args.stage or args.reason or args.all_waiting
    ):
        return f"dlq {args.action}: name entry ids, a --stage/--reason filter, or --all-waiting"
    return None


def run(args) -> int:
    error = usage_error(args)
    if error:
        print(f"nianbao {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return run_async(_main, args)
    except KeyError as exc:
        print(f"nianbao dlq: {exc.args[0]}", file=sys.stderr)
        return EXIT_USAGE
