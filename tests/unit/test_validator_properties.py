"""Property-style checks over synthetic reports (nianbao/samples/synth.py) and random mutations.

- every consistent synthetic report has no error; its only possible finding is T2-001 (the
  generator gives 规章 to county departments and townships, which cannot make them);
- the inconsistent variant breaks exactly T3-001 (natural_person, total) and T4-001;
- changing any single T3 or T4 number of a consistent report produces at least one error.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from validator_builders import consistent_report, get, put

from services.validator import validate
from shared.config import Settings
from shared.report import status_of
from shared.schema import SCHEMAS

synth = pytest.importorskip("nianbao.samples.synth")
S = Settings()


@settings(max_examples=60, deadline=None)
@given(fmt=st.sampled_from(["2019", "2021"]), seed=st.integers(0, 10_000))
def test_consistent_synthetic_reports_have_no_errors(fmt, seed):
    r = synth.synth_report(fmt, seed)
    findings = validate(r, settings=S)
    assert {f.rule for f in findings} <= {"T2-001"}, [f.message for f in findings]
    assert status_of(findings) in ("valid", "warnings")


@settings(max_examples=30, deadline=None)
@given(fmt=st.sampled_from(["2019", "2021"]), seed=st.integers(0, 10_000))
def test_inconsistent_synthetic_reports_break_exactly_the_two_documented_identities(fmt, seed):
    r = synth.synth_report(fmt, seed, consistent=False)
    errors = sorted((f.rule, f.cells[0]) for f in validate(r, settings=S) if f.severity == "error")
    assert errors == [
        ("T3-001", "applications.new_received.natural_person"),
        ("T3-001", "applications.new_received.total"),
        ("T4-001", "review_litigation.admin_review.total"),
    ]


def _numeric_paths(fmt: str) -> list[str]:
    s = SCHEMAS[fmt]
    t3 = [f"applications.{r.key}.{c.key}" for r in s.t3_rows for c in s.t3_cols]
    t4 = [f"review_litigation.{g.key}.{c.key}" for g in s.t4_groups for c in s.t4_cols]
    return t3 + t4


@settings(max_examples=150, deadline=None)
@given(fmt=st.sampled_from(["2019", "2021"]), data=st.data(), delta=st.sampled_from([-1, 1, 7]))
def test_changing_any_single_t3_or_t4_number_is_an_error(fmt, data, delta):
    r = consistent_report(fmt)
    path = data.draw(st.sampled_from(_numeric_paths(fmt)))
    value = get(r, path).value + delta
    if value < 0:
        value = get(r, path).value + 1
    put(r, path, value)
    findings = validate(r, settings=S)
    assert status_of(findings) == "invalid", path
    assert {f.rule for f in findings if f.severity == "error"} <= {
        "T3-001",
        "T3-002",
        "T3-003",
        "T4-001",
        "T4-002",
        "T4-003",
    }
    assert any(path in f.cells for f in findings if f.severity == "error")


_KINDS = ["number", "blank", "na_dash", "na_slash", "text", "missing", "unreadable"]
_VALUES = st.one_of(
    st.none(), st.integers(-5, 10**7), st.floats(-1e6, 1e9, allow_nan=False, allow_infinity=False)
)


@settings(max_examples=200, deadline=None)
@given(
    fmt=st.sampled_from(["2019", "2021"]),
    data=st.data(),
    drop_rows=st.booleans(),
    drop_table=st.sampled_from([None, "active_disclosure", "applications", "review_litigation"]),
)
def test_any_mix_of_cell_kinds_and_values_gives_findings_not_exceptions(
    fmt, data, drop_rows, drop_table
):
    from services.validator import RULES
    from shared.report import Cell

    r = consistent_report(fmt)
    paths = _numeric_paths(fmt) + [
        f"active_disclosure.{row}.{col}"
        for row, cols in r.tables["active_disclosure"].items()
        for col in cols
    ]
    for path in data.draw(st.lists(st.sampled_from(paths), max_size=25)):
        t, row, col = path.split(".")
        r.tables[t][row][col] = Cell(
            value=data.draw(_VALUES),
            raw=data.draw(st.text(max_size=6)),
            kind=data.draw(st.sampled_from(_KINDS)),
        )
    if drop_rows:
        r.tables["applications"].pop("granted", None)
    if drop_table:
        r.tables[drop_table] = None
    findings = validate(r, settings=S)
    assert all(f.rule in RULES and f.severity in ("error", "warning", "info") for f in findings)
    assert all(isinstance(p, str) for f in findings for p in f.cells)
