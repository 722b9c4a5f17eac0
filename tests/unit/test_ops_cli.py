"""nianbao/cli/{replay,reprocess,dlq}_cmd.py: arguments become the right selection; results print
as sentences or JSON; bad arguments exit 2 without touching the broker."""

from __future__ import annotations

import argparse
import io
import json
from collections import Counter

import pytest

from nianbao.cli import replay_cmd
from nianbao.cli.main import main
from nianbao.ops.replay import ReplayResult


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    replay_cmd.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_one_portal_goes_into_the_filter_subject_so_nothing_is_decoded():
    sel = replay_cmd.selection_of(_args("doc.fetched", "--portal", "sz.gov"))
    assert sel.subject == "doc.fetched.sz_gov" and sel.portals == frozenset()
    assert not sel.needs_event


def test_filters_and_window_arguments_fill_the_selection():
    sel = replay_cmd.selection_of(
        _args(
            "doc.parsed.>",
            "--portal",
            "a",
            "--portal",
            "b",
            "--year",
            "2021",
            "--agency",
            "*区*",
            "--doc",
            "abc",
            "--from-seq",
            "5",
            "--since",
            "2026-01-01T00:00:00Z",
            "--latest",
        )
    )
    assert sel.subject == "doc.parsed.>" and sel.portals == frozenset({"a", "b"})
    assert (sel.years, sel.agencies, sel.doc_ids, sel.from_seq, sel.latest) == (
        frozenset({2021}),
        frozenset({"*区*"}),
        frozenset({"abc"}),
        5,
        True,
    )
    assert sel.since == 1767225600.0


def test_a_subject_no_stage_consumes_needs_force_unless_only_counted():
    with pytest.raises(ValueError, match="no stage consumes doc.indexed"):
        replay_cmd.selection_of(_args("doc.indexed"))
    assert replay_cmd.selection_of(_args("doc.indexed", "--dry-run")).subject == "doc.indexed.>"


@pytest.mark.parametrize(
    "argv",
    [
        ["replay"],
        ["replay", "doc.nothing"],
        ["replay", "doc.fetched", "--since", "last week"],
        ["reprocess"],
        ["dlq", "redrive"],
    ],
)
def test_bad_arguments_exit_2_before_any_connection(argv, capsys):
    # an unreachable broker URL: exit 2 proves the command stopped before connecting
    assert main([*argv, "--nats-url", "nats://127.0.0.1:1"]) == 2
    assert capsys.readouterr().err


def test_a_result_prints_as_sentences_or_json():
    r = ReplayResult(
        run="r1",
        dry_run=False,
        upper=90,
        scanned=90,
        matched=12,
        published=12,
        duplicates=2,
        skipped_copies=5,
        resumed_from=40,
        seconds=2.0,
        by_subject=Counter({"doc.fetched.a": 12}),
    )
    out = io.StringIO()
    replay_cmd.print_result(r, False, out)
    text = out.getvalue()
    assert (
        "run r1: scanned 90 (up to seq 90, resumed after seq 40), republished 12 in 2.0s (45 msg/s)"
        in text
    )
    assert "2 already republished before the interruption" in text and "doc.fetched.a: 12" in text
    out = io.StringIO()
    replay_cmd.print_result(r, True, out)
    data = json.loads(out.getvalue())
    assert (data["selected"], data["republished"], data["deduplicated"], data["by_subject"]) == (
        12,
        12,
        2,
        {"doc.fetched.a": 12},
    )


def test_doc_rejected_keeps_its_stage_token_and_filters_portals_by_content():
    sel = replay_cmd.selection_of(_args("doc.rejected.parser", "--portal", "sample"))
    assert sel.subject == "doc.rejected.parser" and sel.portals == frozenset({"sample"})
