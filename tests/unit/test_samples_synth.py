"""Synthetic reports: plausible, non-zero, reproducible, and consistent with every §6 identity."""

from __future__ import annotations

import msgspec
import pytest

from nianbao.samples.synth import synth_report
from shared.schema import SCHEMAS, T3_COLS, T4_GROUPS

PERSONS = [c.key for c in T3_COLS if c.key != "total"]


def _v(t, r, c):
    return t[r][c].value


def _t3_identity_breaks(report) -> set[str]:
    t3 = report.tables["applications"]
    rows = [r.key for r in SCHEMAS[report.format_version].t3_rows]
    results = [
        k
        for k in rows
        if k not in ("new_received", "carried_over_in", "results_total", "carried_over_out")
    ]
    broken = set()
    for c in [c.key for c in T3_COLS]:
        if _v(t3, "new_received", c) + _v(t3, "carried_over_in", c) != _v(
            t3, "results_total", c
        ) + _v(t3, "carried_over_out", c):
            broken.add(f"T3-001:{c}")
        if _v(t3, "results_total", c) != sum(_v(t3, r, c) for r in results):
            broken.add(f"T3-003:{c}")
    for r in rows:
        if _v(t3, r, "total") != sum(_v(t3, r, c) for c in PERSONS):
            broken.add(f"T3-002:{r}")
    return broken


def _t4_breaks(report) -> set[str]:
    t4 = report.tables["review_litigation"]
    return {
        g.key
        for g in T4_GROUPS
        if _v(t4, g.key, "total")
        != sum(_v(t4, g.key, c) for c in ("upheld", "corrected", "other", "pending"))
    }


@pytest.mark.parametrize("fmt", ["2021", "2019"])
@pytest.mark.parametrize("seed", range(12))
def test_consistent_report_satisfies_every_arithmetic_identity(fmt, seed):
    report = synth_report(fmt, seed)
    assert _t3_identity_breaks(report) == set()
    assert _t4_breaks(report) == set()
    t2 = report.tables["active_disclosure"]
    if fmt == "2021":
        for row in ("regulations", "normative_documents"):
            assert _v(t2, row, "issued") <= _v(t2, row, "in_force") + _v(t2, row, "repealed")
    else:
        for row in ("regulations", "normative_documents"):
            assert _v(t2, row, "newly_published") <= _v(t2, row, "published_total")
        for row in ("administrative_licensing", "administrative_penalty", "administrative_fees"):
            assert _v(t2, row, "items_prev_year") + _v(t2, row, "items_change") >= 0


@pytest.mark.parametrize("fmt", ["2021", "2019"])
def test_every_cell_of_the_format_is_a_number_and_headline_numbers_are_not_zero(fmt):
    report = synth_report(fmt, 5)
    schema = SCHEMAS[fmt]
    t2 = report.tables["active_disclosure"]
    assert all(t2[r][c].kind == "number" for r, c, _ in schema.t2_cells())
    t3 = report.tables["applications"]
    assert set(t3) == {r.key for r in schema.t3_rows}
    assert all(set(row) == {c.key for c in T3_COLS} for row in t3.values())
    assert _v(t3, "new_received", "total") > 0 and _v(t3, "granted", "total") > 0
    assert _v(report.tables["review_litigation"], "admin_review", "total") > 0


def test_inconsistent_report_breaks_exactly_the_documented_identities():
    report = synth_report("2021", 7, consistent=False)
    assert _t3_identity_breaks(report) == {"T3-001:natural_person", "T3-001:total"}
    assert _t4_breaks(report) == {"admin_review"}


def test_same_seed_gives_the_same_report_and_another_seed_another():
    a = msgspec.json.encode(synth_report("2021", 42))
    assert a == msgspec.json.encode(synth_report("2021", 42))
    assert a != msgspec.json.encode(synth_report("2021", 43))


def test_narrative_numbers_match_the_tables():
    report = synth_report("2021", 9, agency="卫辉市人民政府", year=2023)
    t3 = report.tables["applications"]
    overview = report.sections["overview"].text
    assert f"收到政府信息公开申请{_v(t3, 'new_received', 'total')}件" in overview
    assert f"办结{_v(t3, 'results_total', 'total')}件" in overview
    assert report.title == "卫辉市人民政府2023年政府信息公开工作年度报告"
    assert (report.stat_period.start, report.stat_period.end) == ("2023-01-01", "2023-12-31")
    review = report.tables["review_litigation"]["admin_review"]["total"].value
    assert f"行政复议{review}件" in report.sections["review_litigation"].text


def test_2021_fee_keeps_four_decimals_in_raw_and_value():
    cell = synth_report("2021", 11).tables["active_disclosure"]["administrative_fees"][
        "fee_amount_wan_yuan"
    ]
    assert len(cell.raw.split(".")[1]) == 4
    assert cell.value == float(cell.raw)


def test_unknown_format_is_refused():
    with pytest.raises(ValueError):
        synth_report("pre2019", 1)
