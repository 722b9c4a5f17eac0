"""`nianbao topology apply|check` — create/update the JetStream streams, KV bucket and durable
consumers (shared/topology.py), or list drift between the broker and this code.

`check` exits 1 when there is drift (so a deploy step or an init container can gate on it).
"""

from __future__ import annotations

import asyncio
import sys

import nats

from shared import topology
from shared.config import load
from shared.runtime.broker import DEFAULT_URL


def add_arguments(parser) -> None:
    parser.add_argument("action", choices=("apply", "check"))
    parser.add_argument(
        "--nats-url", help="broker URL (default: NIANBAO_NATS_URL or nats://127.0.0.1:4222)"
    )


async def _main(action: str, settings) -> int:
    nc = await nats.connect(
        settings.nats_url or DEFAULT_URL, connect_timeout=5, max_reconnect_attempts=2
    )
    try:
        js = nc.jetstream()
        if action == "apply":
            for line in await topology.apply(js, settings):
                print(line)
            drift = await topology.check(js, settings)
        else:
            drift = await topology.check(js, settings)
            if not drift:
                print("topology matches")
        for line in drift:
            print(f"drift: {line}", file=sys.stderr)
        return 1 if drift else 0
    finally:
        await nc.close()


def run(args) -> int:
    settings = load(nats_url=args.nats_url)
    try:
        return asyncio.run(_main(args.action, settings))
    except (OSError, nats.errors.NoServersError) as exc:
        print(f"cannot reach the broker: {exc}", file=sys.stderr)
        return 2
