"""Argument types of the command line: a number out of range is a one-line usage error from
argparse (exit 2), never an OverflowError from SQLite or a ValueError from `datetime` later."""

from __future__ import annotations

import argparse

FIRST_YEAR, LAST_YEAR = 2000, 2100  # the 条例's reports began with 2008; leave room both ways


def _int(value: str) -> int:
    return int(value)  # a ValueError: argparse says "invalid int value: 'many'", as for type=int


def year(value: str) -> int:
    n = _int(value)
    if not FIRST_YEAR <= n <= LAST_YEAR:
        raise argparse.ArgumentTypeError(f"year {n} is outside {FIRST_YEAR}–{LAST_YEAR}")
    return n


year.__name__ = "int"


def report_year(value: str) -> int:
    """A year, or `current` (the last report year due: reports on year Y are published by
    31 January of Y+1, so in calendar year C that is C−1) or `previous` (C−2) — for cron jobs."""
    import datetime

    named = {"current": 1, "previous": 2}
    if value in named:
        return datetime.date.today().year - named[value]
    return year(value)


report_year.__name__ = "year"


def bounded(low: int, high: int):
    """An int type accepting low..high inclusive."""

    def parse(value: str) -> int:
        n = _int(value)
        if not low <= n <= high:
            raise argparse.ArgumentTypeError(f"{n} is outside {low}–{high:,}")
        return n

    parse.__name__ = "int"
    return parse


limit = bounded(1, 100_000)
offset = bounded(0, 1_000_000_000)
