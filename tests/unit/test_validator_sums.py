"""services/validator/sums.py: compiled identities (`Identities`) give exactly the finding that
`check_identity` gives over `term()`s — the same message, cells, severity and tags — for every mix
of numbers, blanks, NA markers, text, missing and absent cells."""

from __future__ import annotations

import random

import pytest

from services.validator.sums import Identities, check_identity, fmt, identity, term
from shared.report import Cell, ParsedReport

T = "applications"
ROWS = ("a", "b", "c")
COLS = ("x", "y", "z")
KINDS = (
    "int",
    "int",
    "int",
    "float",
    "blank",
    "na_dash",
    "na_slash",
    "text",
    "missing",
    "unreadable",
    "absent",
    "none_value",
)


def _cell(kind: str, rng: random.Random) -> Cell | None:
    if kind == "int":
        return Cell(value=rng.randint(0, 9), raw="n", kind="number")
    if kind == "float":
        return Cell(value=rng.choice((0.1, 0.2, 0.3, 2.5, 1e-10)), raw="f", kind="number")
    if kind == "none_value":
        return Cell(value=None, raw="?", kind="number")  # a number without a value counts as blank
    if kind == "absent":
        return None
    return Cell(raw="r", kind=kind)


def _report(rng: random.Random) -> ParsedReport:
    rows: dict[str, dict[str, Cell]] = {}
    for r in ROWS:
        if rng.random() < 0.05:
            continue  # a whole row absent
        rows[r] = {c: cell for c in COLS if (cell := _cell(rng.choice(KINDS), rng)) is not None}
    return ParsedReport(format_version="2021", tables={T: rows})


def _sides(rng: random.Random):
    keys = [(r, c) for r in ROWS for c in COLS]
    return rng.sample(keys, rng.randint(1, 3)), rng.sample(keys, rng.randint(0, 4))


@pytest.mark.parametrize("op", ["==", "<=", ">="])
def test_compiled_identities_give_the_findings_check_identity_gives_over_terms(op):
    rng = random.Random(op)
    for _ in range(3000):
        lhs, rhs = _sides(rng)
        report = _report(rng)
        compiled = Identities(T, [identity("T3-002", lhs, rhs, "what", op)])
        expected = check_identity(
            "T3-002",
            [term(report, T, r, c) for r, c in lhs],
            [term(report, T, r, c) for r, c in rhs],
            "what",
            op,
        )
        assert compiled.check(report.tables[T]) == ([expected] if expected else [])


def test_several_identities_are_checked_in_their_order_over_shared_cells():
    rows = {
        "a": {
            "x": Cell(value=1, kind="number"),
            "y": Cell(value=2, kind="number"),
            "z": Cell(value=4, kind="number"),
        }
    }
    ids = Identities(
        T,
        [
            identity("T3-001", [("a", "z")], [("a", "x"), ("a", "y")], "first"),
            identity("T3-002", [("a", "z")], [("a", "y"), ("a", "y")], "second"),
            identity("T3-003", [("a", "x")], [("a", "y")], "third", "<="),
        ],
    )
    found = ids.check(rows)
    assert [(f.rule, f.message) for f in found] == [("T3-001", "first: 4 ≠ 3 (difference 1)")]
    assert found[0].cells == ["applications.a.z", "applications.a.x", "applications.a.y"]
    assert ids.each(rows)[1:] == [None, None]


def test_a_blank_on_the_side_that_must_grow_downgrades_the_error_and_is_named():
    rows = {
        "a": {
            "x": Cell(value=5, kind="number"),
            "y": Cell(value=3, kind="number"),
            "z": Cell(kind="blank"),
        }
    }
    [f] = Identities(
        T, [identity("T3-002", [("a", "x")], [("a", "y"), ("a", "z")], "row a")]
    ).check(rows)
    assert (f.severity, f.tags) == ("warning", ["due_to_blank"])
    assert f.message == "row a: 5 ≠ 3 (difference 2); blank cells counted as 0: applications.a.z"


def test_an_unreadable_cell_on_the_side_that_must_grow_leaves_the_identity_to_s003_and_v006():
    rows = {
        "a": {
            "x": Cell(value=5, kind="number"),
            "y": Cell(value=3, kind="number"),
            "z": Cell(raw="见附件", kind="text"),
        }
    }
    assert (
        Identities(T, [identity("T3-002", [("a", "x")], [("a", "y"), ("a", "z")], "row a")]).check(
            rows
        )
        == []
    )


def test_an_absent_table_makes_every_cell_unknown():
    assert (
        Identities(T, [identity("T3-002", [("a", "x")], [("a", "y")], "row a")]).check(None) == []
    )


def test_fmt_writes_numbers_as_people_do():
    assert [fmt(272), fmt(272.0), fmt(-3), fmt(0.1 + 0.2), fmt(1.5)] == [
        "272",
        "272",
        "-3",
        "0.3",
        "1.5",
    ]
