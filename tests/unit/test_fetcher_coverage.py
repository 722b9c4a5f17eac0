"""services/fetcher/coverage.py: the size a list page states, and reached against declared."""

from __future__ import annotations

import pytest

from services.fetcher.coverage import Coverage, Declared, coverage, declared, merge


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("listModel({ recordCount: '20', prepage: 10 })", Declared(20, None, 10)),
        ('<script>createPageHTML(3, 0, "index", "html");</script>', Declared(None, 3, None)),
        ("var countPage = 2; var currentPage = 0;", Declared(None, 2, None)),
        ("<div>共 47 条记录 共5页</div>", Declared(47, 5, None)),
        ("$('#1').jpage({ totalRecord: 24, perPage: 15 })", Declared(24, None, 15)),
        ("<datastore><totalrecord>31</totalrecord></datastore>", Declared(31, None, None)),
        ('{"recordCount": 20, "data": []}', Declared(20, None, None)),
        ("<p>没有分页</p>", Declared()),
        ("", Declared()),
    ],
)
def test_a_list_page_states_its_size_in_the_ways_of_its_cms(text, expected):
    assert declared(text) == expected


def test_a_number_too_large_to_be_a_column_size_is_not_read_as_one():
    assert declared("recordCount = 20230128100001").records is None


def test_reached_against_declared_documents_gives_the_share_at_most_one():
    assert coverage(Declared(20, None, 10), 10, 1).ratio == 0.5
    assert coverage(Declared(20, None, 10), 10, 1).describe() == "10/20 documents"
    assert coverage(Declared(3, None, None), 4, 1).ratio == 1.0  # a 解读 listed beside the count
    assert coverage(Declared(0), 0, 1).ratio == 1.0


def test_a_page_count_alone_counts_pages_and_no_statement_leaves_coverage_unknown():
    by_pages = coverage(Declared(None, 3, None), 25, 2)
    assert (by_pages.declared, by_pages.reached, by_pages.unit, by_pages.complete) == (
        3,
        2,
        "pages",
        False,
    )
    unknown = coverage(Declared(), 7, 1)
    assert (unknown.declared, unknown.ratio, unknown.complete) == (None, None, None)
    assert unknown.describe() == "7 documents reached, size not stated"


def test_a_portal_sums_its_columns_and_is_unknown_when_one_column_states_nothing():
    assert merge([Coverage(20, 10), Coverage(5, 5)]) == Coverage(25, 15)
    assert merge([Coverage(20, 10), Coverage(None, 5)]).declared is None
    assert merge([]) == Coverage(None, 0)
