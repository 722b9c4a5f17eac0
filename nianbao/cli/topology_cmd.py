"""`nianbao topology apply|check` — create/update the JetStream streams, KV bucket and durable
consumers (shared/topology.py), or list drift between the broker and this code.

`check` exits 1 when there is drift (so a deploy step or an init container can gate on it), 3 when
the broker does not answer. The broker is found as every command finds it (nianbao.cli.connection).
"""

from __future__ import annotations

import asyncio
import json
import sys

from nianbao.cli.connection import BrokerUnreachable, add_broker_arguments, connect, target_of
from shared import topology
from shared.config import load

EXIT_UNAVAILABLE = 3


def add_arguments(parser) -> None:
    parser.add_argument(
        "action", choices=("apply", "check"), help="apply: create/update; check: list drift"
    )
    parser.add_argument(
        "--json", action="store_true", help='print {"changes": [...], "drift": [...]} as JSON'
    )
    add_broker_arguments(parser)


async def _main(action: str, settings, as_json: bool = False) -> int:
    nc = await connect(settings.nats_url)
    try:
        js = nc.jetstream()
        changes = await topology.apply(js, settings) if action == "apply" else []
        drift = await topology.check(js, settings)
        if as_json:
            print(json.dumps({"changes": changes, "drift": drift, "matches": not drift}))
            return 1 if drift else 0
        for line in changes:
            print(line)
        if action == "check" and not drift:
            print("topology matches")
        for line in drift:
            print(f"drift: {line}", file=sys.stderr)
        return 1 if drift else 0
    finally:
        await nc.close()


def run(args) -> int:
    target = target_of(args)
    settings = load(nats_url=target.url, data_dir=args.data_dir)
    try:
        return asyncio.run(_main(args.action, settings, args.json))
    except BrokerUnreachable as exc:
        print(f"nianbao topology: {target.unreachable(exc.reason)}", file=sys.stderr)
        return EXIT_UNAVAILABLE
