"""nianbao/ops/selection.py: subjects, times, windows and content filters of a replay."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nianbao.ops.selection import (
    IdMatcher,
    Selection,
    facts_of,
    in_window,
    matches,
    parse_subject,
    parse_time,
)
from shared.events import DocFetched, DocParsed, DocRef, DocRejected
from shared.report import ParsedReport

ID = "a" * 64


def _ref(doc_id=ID, portal="sz.gov"):
    return DocRef(doc_id=doc_id, version="v", portal=portal, url="http://x/1", object_key="raw/v")


@pytest.mark.parametrize(
    "text, subject",
    [
        ("doc.fetched", "doc.fetched.>"),
        ("doc.fetched.>", "doc.fetched.>"),
        ("fetched", "doc.fetched.>"),
        ("doc.validated.sample", "doc.validated.sample"),
    ],
)
def test_a_subject_is_normalised_to_its_filter_subject(text, subject):
    assert parse_subject(text) == subject


@pytest.mark.parametrize("text", ["doc.unknown", "crawl.due", "doc.fetched.a.b", "doc.fetched.*"])
def test_a_subject_outside_doc_kinds_or_with_wildcards_inside_is_refused(text):
    with pytest.raises(ValueError):
        parse_subject(text)


def test_times_read_as_iso_dates_with_or_without_zone_unix_seconds_or_ages():
    utc = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    assert parse_time("2026-01-01") == utc
    assert parse_time("2026-01-01T00:00:00Z") == utc
    assert parse_time("2026-01-01T08:00:00+08:00") == utc
    assert parse_time(str(utc)) == utc
    assert parse_time("2h", now=10_000.0) == 10_000.0 - 7200
    assert parse_time("7d", now=1e6) == 1e6 - 7 * 86400
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_time("yesterday")


def test_the_window_bounds_are_inclusive_on_sequence_and_time():
    sel = Selection(subject="doc.fetched.>", from_seq=10, to_seq=20, since=100.0, until=200.0)
    assert in_window(sel, 10, 100.0) and in_window(sel, 20, 200.0)
    assert not in_window(sel, 9, 150.0) and not in_window(sel, 21, 150.0)
    assert not in_window(sel, 15, 99.9) and not in_window(sel, 15, 200.1)


def test_facts_come_from_the_event_that_carries_them():
    report = ParsedReport(report_year=2021, agency_name="鹿城区经信局")
    fetched = DocFetched(ref=_ref(), size=1, agency="鹿城区人民政府")
    parsed = DocParsed(ref=_ref(), report=report, fetched=fetched)
    assert facts_of(fetched).year is None and facts_of(fetched).agencies == ("鹿城区人民政府",)
    assert facts_of(parsed).year == 2021
    assert facts_of(parsed).agencies == ("鹿城区经信局", "鹿城区人民政府")
    rejected = DocRejected(stage="parser", reason="x", portal="p")
    assert (facts_of(rejected).doc_id, facts_of(rejected).portal) == (None, "p")


def test_portal_filter_compares_subject_tokens():
    facts = facts_of(DocFetched(ref=_ref(portal="sz.gov"), size=1))
    assert matches(Selection(subject="doc.fetched.>", portals=frozenset({"sz_gov"})), facts)
    assert not matches(Selection(subject="doc.fetched.>", portals=frozenset({"gz_gov"})), facts)


def test_doc_ids_match_in_full_or_by_prefix():
    ids = IdMatcher(frozenset({ID, "bbbb"}))
    assert ids(ID) and ids("bbbb" + "0" * 60)
    assert not ids("a" * 63 + "b") and not ids(None)


def test_year_on_doc_fetched_is_answered_by_the_index_ids():
    facts = facts_of(DocFetched(ref=_ref(), size=1))
    sel = Selection(subject="doc.fetched.>", years=frozenset({2021}))
    assert sel.needs_index
    assert not matches(sel, facts)  # the event cannot say
    assert matches(sel, facts, index_ids=frozenset({ID}))
    assert not matches(sel, facts, index_ids=frozenset({"b" * 64}))


def test_year_and_agency_on_doc_parsed_come_from_the_report_and_agencies_accept_globs():
    report = ParsedReport(report_year=2021, agency_name="温州市鹿城区经济和信息化局")
    facts = facts_of(DocParsed(ref=_ref(), report=report))
    sel = Selection(
        subject="doc.parsed.>", years=frozenset({2021}), agencies=frozenset({"*鹿城区*"})
    )
    assert not sel.needs_index and matches(sel, facts)
    assert not matches(Selection(subject="doc.parsed.>", years=frozenset({2020})), facts)
    assert not matches(Selection(subject="doc.parsed.>", agencies=frozenset({"鹿城区"})), facts)


def test_only_content_filters_or_latest_make_a_replay_decode_messages():
    assert not Selection(subject="doc.fetched.>", from_seq=3, since=1.0).needs_event
    assert Selection(subject="doc.fetched.>", latest=True).needs_event
    assert Selection(subject="doc.fetched.>", doc_ids=frozenset({"ab"})).needs_event
