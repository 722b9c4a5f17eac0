"""nianbao/export (and `nianbao export`): every format read back by the tools researchers use —
pandas, pyarrow, openpyxl, sqlite3 — with the same values, blanks still blank, Chinese intact,
2019 and 2021 reports side by side; from SQLite and from PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import math
import sqlite3

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from nianbao.cli.main import main
from nianbao.export.run import export
from shared.config import load
from shared.report import Cell, Evidence, Finding
from shared.storage.factory import open_search_store
from tests.support.storing import AGENCY, T3_ERROR, cell, event

COUNTY = "温州市鹿城区人民政府"
EVIDENCE = Evidence(kind="html", table=1, row=4, col=3, path="body>table[2]>tr[5]>td[4]")
WARNING = Finding(rule="M-007", severity="warning", message="section 六 does not mention fees",
                  cells=["sections.other_matters"])  # fmt: skip


def reports():
    return [
        event(
            "aaaa1111",
            year=2021,
            new_received=Cell(value=12, raw="12", kind="number", evidence=EVIDENCE),
            findings=[T3_ERROR, WARNING],
            status="invalid",
        ),  # fmt: skip
        event(
            "bbbb2222",
            year=2019,
            fmt="2019",
            agency=COUNTY,
            text="行政复议案件减少",
            new_received=cell(None, kind="blank", raw=""),
            fee=cell(1.25),
        ),  # fmt: skip
        event("cccc3333", year=2021, new_received=cell(None, kind="na_dash", raw="—")),
    ]


async def fill(url: str) -> None:
    store = await open_search_store(url, load(), migrate=True)
    try:
        for e in reports():
            await store.upsert(e)
    finally:
        await store.close()


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("NIANBAO_DATA_DIR", str(tmp_path))
    asyncio.run(fill(f"sqlite:///{tmp_path / 'index.db'}"))
    return tmp_path


def blank(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def check_reports(rows: list[dict]) -> None:
    """The wide table: values as indexed, a blank/dash/absent cell empty (never 0), Chinese intact."""
    by_id = {r["doc_id"]: r for r in rows}
    assert sorted(by_id) == ["aaaa1111", "bbbb2222", "cccc3333"]
    a, b, c = by_id["aaaa1111"], by_id["bbbb2222"], by_id["cccc3333"]
    assert a["applications.new_received.total"] == 12
    assert blank(b["applications.new_received.total"])  # blank cell
    assert blank(c["applications.new_received.total"])  # a dash is not a number
    assert blank(a["applications.carried_over_in.total"])  # absent from the report
    assert b["active_disclosure.administrative_fees.fee_amount_wan_yuan"] == 1.25
    assert (a["year"], b["year"]) == (2021, 2019)
    assert (str(a["format"]), str(b["format"])) == ("2021", "2019")  # CSV: pandas guesses int
    assert b["agency_name"] == COUNTY
    assert a["title"] == f"{AGENCY}2021年政府信息公开工作年度报告"
    assert (a["errors"], a["warnings"], a["infos"], a["status"]) == (1, 1, 0, "invalid")
    assert (a["publish_date"], a["publish_basis"]) == ("2022-01-20", "stated_date")


def check_findings(rows: list[dict]) -> None:
    assert [(r["doc_id"], r["rule"], r["severity"]) for r in rows] == [
        ("aaaa1111", "T3-001", "error"),
        ("aaaa1111", "M-007", "warning"),
    ]
    assert rows[0]["message_zh"].startswith("勾稽关系不成立")
    assert rows[1]["message"] == "section 六 does not mention fees"


def check_cells(rows: list[dict]) -> None:
    got = {(r["doc_id"], r["key"]): r for r in rows}
    total = got[("aaaa1111", "applications.new_received.total")]
    assert (total["value"], total["raw"], total["kind"]) == (12, "12", "number")
    assert total["label_zh"] == "本年新收政府信息公开申请数量 / 总计"
    assert json.loads(total["evidence"]) == {"kind": "html", "table": 1, "row": 4, "col": 3,
                                             "path": "body>table[2]>tr[5]>td[4]"}  # fmt: skip
    dash = got[("cccc3333", "applications.new_received.total")]
    assert (dash["raw"], dash["kind"]) == ("—", "na_dash") and blank(dash["value"])
    assert got[("bbbb2222", "applications.new_received.total")]["kind"] == "blank"


def test_csv_reads_back_in_pandas_with_blanks_blank_and_chinese_intact(data_dir, capsys):
    out = data_dir / "csv"
    assert main(["export", "--format", "csv", "--output", str(out)]) == 0
    assert "exported 3 report(s)" in capsys.readouterr().err
    read = lambda name: pd.read_csv(out / f"{name}.csv", encoding="utf-8-sig", dtype={"raw": str})  # noqa: E731
    check_reports(read("reports").to_dict("records"))
    check_findings(read("findings").to_dict("records"))
    check_cells(read("cells").to_dict("records"))
    dictionary = read("dictionary").set_index("key")
    assert (
        dictionary.loc["applications.new_received.total", "label_zh"]
        == "本年新收政府信息公开申请数量 / 总计"
    )
    assert dictionary.loc["applications.new_received.total", "formats"] == "2019 2021"


def test_parquet_reads_back_in_pyarrow_with_typed_columns(data_dir):
    out = data_dir / "pq"
    assert main(["export", "--format", "parquet", "--output", str(out)]) == 0
    reports_table = pq.read_table(out / "reports.parquet")
    assert str(reports_table.schema.field("applications.new_received.total").type) == "double"
    assert str(reports_table.schema.field("year").type) == "int64"
    check_reports(reports_table.to_pylist())
    findings = pq.read_table(out / "findings.parquet").to_pylist()
    check_findings(findings)
    assert findings[0]["cells"] == ["applications.results_total.total"]
    check_cells(pd.read_parquet(out / "cells.parquet").to_dict("records"))


def test_a_parquet_table_past_its_row_groups_per_file_goes_on_in_part_files(tmp_path, monkeypatch):
    # the footer pyarrow keeps until close grows with every row group: parts keep memory bounded
    from nianbao.export.writers import ParquetWriter

    monkeypatch.setattr(ParquetWriter, "ROW_GROUP_BYTES", 1)  # one row group per write
    monkeypatch.setattr(ParquetWriter, "GROUPS_PER_FILE", 2)
    w = ParquetWriter(tmp_path)
    w.begin("cells", (("doc_id", "str"), ("value", "float")))
    for i in range(5):
        w.write("cells", [(f"d{i}", float(i)), (f"d{i}", None)])
    w.close()
    files = sorted(p.name for p in tmp_path.glob("cells*.parquet"))
    assert files == ["cells-2.parquet", "cells-3.parquet", "cells.parquet"]
    assert [pq.ParquetFile(tmp_path / f).num_row_groups for f in files] == [2, 1, 2]
    parts = ("cells.parquet", "cells-2.parquet", "cells-3.parquet")
    rows = pd.concat([pd.read_parquet(tmp_path / f) for f in parts])
    assert rows["doc_id"].tolist() == [f"d{i}" for i in range(5) for _ in range(2)]
    assert rows["value"].isna().sum() == 5


def test_jsonl_keeps_nulls_and_lists(data_dir):
    out = data_dir / "jl"
    assert main(["export", "--format", "jsonl", "--output", str(out)]) == 0

    def read(name):
        return [
            json.loads(line) for line in (out / f"{name}.jsonl").read_text("utf-8").splitlines()
        ]

    check_reports(read("reports"))
    check_findings(read("findings"))
    check_cells(read("cells"))


def test_xlsx_reads_back_in_openpyxl_one_sheet_per_table(data_dir):
    out = data_dir / "all.xlsx"
    assert main(["export", "--format", "xlsx", "--output", str(out)]) == 0
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == ["reports", "cells", "findings", "dictionary"]

    def read(name: str) -> list[dict]:
        rows = list(book[name].iter_rows(values_only=True))
        return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]

    check_reports(read("reports"))
    check_findings(read("findings"))
    check_cells(read("cells"))


def test_sqlite_snapshot_links_cells_and_findings_to_their_report(data_dir):
    out = data_dir / "web.db"
    assert main(["export", "--format", "sqlite", "--output", str(out)]) == 0
    conn = sqlite3.connect(out)
    conn.row_factory = sqlite3.Row
    check_reports([dict(r) for r in conn.execute("SELECT * FROM reports")])
    check_findings([dict(r) for r in conn.execute("SELECT * FROM findings ORDER BY doc_id, seq")])
    check_cells([dict(r) for r in conn.execute("SELECT * FROM cells")])
    fks = {(r["table"], r["from"], r["to"]) for r in conn.execute("PRAGMA foreign_key_list(cells)")}
    assert fks == {("reports", "doc_id", "doc_id")}
    # the search text is segmented as the search stores segment it: a Chinese word matches
    hits = conn.execute(
        "SELECT doc_id FROM reports_fts WHERE reports_fts MATCH '\"复议\"'"
    ).fetchall()
    assert [h[0] for h in hits] == ["bbbb2222"]


def test_filters_are_those_of_search_including_rule_families(data_dir):
    out = data_dir / "t3"
    assert main(["export", "--format", "jsonl", "--output", str(out), "--rule", "T3-*"]) == 0
    assert [json.loads(x)["doc_id"] for x in (out / "reports.jsonl").read_text().splitlines()] == [
        "aaaa1111"
    ]
    out = data_dir / "y2019"
    assert (
        main(["export", "--format", "jsonl", "--output", str(out), "--year", "2019", "复议"]) == 0
    )
    assert [json.loads(x)["doc_id"] for x in (out / "reports.jsonl").read_text().splitlines()] == [
        "bbbb2222"
    ]


def test_an_unknown_rule_is_an_error_with_a_did_you_mean(data_dir, capsys):
    out = data_dir / "none"
    assert main(["export", "--format", "csv", "--output", str(out), "--rule", "T3-01"]) == 2
    assert "did you mean T3-001" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.postgres
def test_postgresql_exports_the_same_rows_as_sqlite(data_dir, postgres_url):
    asyncio.run(fill(postgres_url))

    async def run(url: str, out) -> None:
        store = await open_search_store(url, load())
        try:
            await export(store, "jsonl", out, chunk=2)  # several pages of the keyset pagination
            summary = await export(
                store, "jsonl", out / "t3", filters={"rule": "T3-*", "severity": "warning"}
            )
            assert summary.reports == 1
        finally:
            await store.close()

    asyncio.run(run(f"sqlite:///{data_dir / 'index.db'}", data_dir / "a"))
    asyncio.run(run(postgres_url, data_dir / "b"))
    for name in ("reports", "cells", "findings"):
        a = (data_dir / "a" / f"{name}.jsonl").read_text("utf-8")
        b = (data_dir / "b" / f"{name}.jsonl").read_text("utf-8")
        assert sorted(a.splitlines()) == sorted(b.splitlines()), name
    check_reports(
        [json.loads(x) for x in (data_dir / "b" / "reports.jsonl").read_text().splitlines()]
    )
