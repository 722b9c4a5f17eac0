"""How a command finds the broker, the same way for every command that talks to it.

In order: `--nats-url`, `NIANBAO_NATS_URL`, the standard `NATS_URL`, the broker that
`nianbao run` recorded in the data dir (`<data-dir>/broker.json`, data dir from `--data-dir`,
`NIANBAO_DATA_DIR` or `.nianbao`), then nats://127.0.0.1:4222. A broker that does not answer is
one line on stderr naming the URL tried, where that URL came from and where to look instead;
nats-py's own error callback (a traceback per attempt) is silenced.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from nianbao.datadir import BROKER_FILE, BrokerRecord, read_broker
from shared.runtime.broker import DEFAULT_URL

ENV_URLS = ("NIANBAO_NATS_URL", "NATS_URL")


class BrokerUnreachable(Exception):
    """The broker at `url` did not answer; `reason` is short ("connection refused")."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot reach the broker at {url} ({reason})")
        self.url, self.reason = url, reason


@dataclass(frozen=True)
class BrokerTarget:
    url: str
    source: str  # "--nats-url", "NIANBAO_NATS_URL", "NATS_URL", "record" or "default"
    data_dir: str
    record: BrokerRecord | None = None

    def origin(self) -> str:
        """Where the URL came from, in words."""
        if self.source == "record" and self.record is not None:
            ended = "" if self.record.alive else ", which has ended"
            return f"recorded in {self.record.path} by nianbao run pid {self.record.pid}{ended}"
        if self.source == "default":
            return (
                f"the default: no --nats-url, NIANBAO_NATS_URL or NATS_URL, and no broker"
                f" recorded in {Path(self.data_dir) / BROKER_FILE}"
            )
        return f"from {self.source}"

    def unreachable(self, detail: str = "") -> str:
        hint = (
            f"start `nianbao run --data-dir {self.data_dir}` again, or pass --nats-url"
            if self.source == "record"
            else "start `nianbao run` (it records its broker in its --data-dir),"
            " or pass --nats-url / --data-dir"
            if self.source == "default"
            else f"check {self.source}, or unset it to use the broker `nianbao run` records"
        )
        why = f" ({detail})" if detail else ""
        return f"cannot reach the broker at {self.url}{why} — {self.origin()}; {hint}"


def add_broker_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--nats-url",
        help="broker URL (default: NIANBAO_NATS_URL, NATS_URL, the broker `nianbao run`"
        " recorded in the data dir, else nats://127.0.0.1:4222)",
    )
    add_data_dir_argument(parser)


def add_data_dir_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", help="state directory (default: NIANBAO_DATA_DIR or .nianbao)"
    )


def resolve(
    nats_url: str | None, data_dir: str | None, env: Mapping[str, str] | None = None
) -> BrokerTarget:
    env = os.environ if env is None else env
    data = data_dir or env.get("NIANBAO_DATA_DIR") or ".nianbao"
    if nats_url:
        return BrokerTarget(nats_url, "--nats-url", data)
    for name in ENV_URLS:
        if env.get(name):
            return BrokerTarget(env[name], name, data)
    record = read_broker(data)
    if record is not None:
        return BrokerTarget(record.url, "record", data, record)
    return BrokerTarget(DEFAULT_URL, "default", data)


def target_of(args: argparse.Namespace) -> BrokerTarget:
    return resolve(getattr(args, "nats_url", None), getattr(args, "data_dir", None))


async def connect(url: str, **options):
    """A quiet nats-py connection; BrokerUnreachable when the broker does not answer."""
    import nats

    options.setdefault("connect_timeout", 5)
    options.setdefault("max_reconnect_attempts", 2)
    options.setdefault("reconnect_time_wait", 0.5)
    seen: list[BaseException] = []

    async def quiet(exc: Exception) -> None:
        # nats-py's default callback logs a traceback for every failed attempt; keep the cause.
        seen.append(exc)

    try:
        return await nats.connect(url, error_cb=quiet, **options)
    except (OSError, TimeoutError, ValueError, nats.errors.Error) as exc:
        cause = seen[-1] if seen and isinstance(exc, nats.errors.NoServersError) else exc
        raise BrokerUnreachable(url, _reason(cause)) from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return "no answer"
    text = str(exc).strip()
    return text if text and len(text) < 80 else type(exc).__name__
