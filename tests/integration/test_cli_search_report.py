"""`nianbao search`, `nianbao report` and `nianbao migrate` against real stores."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from nianbao.cli.main import main
from shared.config import load
from shared.storage.base import ObjectMeta
from shared.storage.factory import open_object_store, open_search_store
from tests.support.storing import AGENCY, T3_ERROR, cell, event


@pytest.fixture
def indexed(tmp_path, monkeypatch):
    """A data dir with three indexed reports and the original of one in the object store."""
    monkeypatch.setenv("NIANBAO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "200")

    async def fill() -> None:
        store = await open_search_store(f"sqlite:///{tmp_path / 'index.db'}")
        await store.upsert(
            event(
                "aaaa1111", year=2021, new_received=cell(3), findings=[T3_ERROR], status="invalid"
            )
        )
        await store.upsert(
            event("bbbb2222", year=2022, new_received=cell(5), text="行政复议案件减少")
        )
        await store.upsert(
            event(
                "cccc3333",
                year=2022,
                agency="温州市鹿城区人民政府",
                new_received=cell(None, kind="blank", raw=""),
            )
        )
        await store.close()
        objects = await open_object_store(f"file://{tmp_path / 'objects'}")
        await objects.put_if_absent("raw/v1", b"original", ObjectMeta(key="", size=0))

    asyncio.run(fill())
    return tmp_path


def test_search_json_lists_matching_reports_with_filters(indexed, capsys):
    assert main(["search", "复议", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert [h["doc_id"] for h in hits] == ["bbbb2222"]
    assert main(["search", "--year", "2022", "--agency", "*人民政府", "--json"]) == 0
    assert [h["doc_id"] for h in json.loads(capsys.readouterr().out)] == ["cccc3333"]
    assert main(["search", "--rule", "T3-001", "--json"]) == 0
    assert [h["doc_id"] for h in json.loads(capsys.readouterr().out)] == ["aaaa1111"]


def test_search_facets_in_json(indexed, capsys):
    assert main(["search", "--facets", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["results"]) == 3
    assert out["facets"]["year"] == {"2022": 2, "2021": 1}
    assert out["facets"]["rule"] == {"T3-001": 1}


def test_search_sum_of_a_cell_by_year(indexed, capsys):
    assert main(["search", "--sum", "applications.new_received.total", "--json"]) == 0
    sums = json.loads(capsys.readouterr().out)
    assert sums["2022"] == {"sum": 5, "numbers": 1, "reports": 2, "not_numbers": 1}
    assert sums["2021"]["sum"] == 3


def test_search_table_shows_agency_status_and_snippet(indexed, capsys):
    assert main(["search", "复议"]) == 0
    out = capsys.readouterr().out
    assert "bbbb2222" in out and AGENCY in out and "valid" in out and "【复议】" in out


def test_report_by_prefix_shows_tables_findings_and_link(indexed, capsys):
    assert main(["report", "aaaa", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["doc_id"] == "aaaa1111"
    assert report["tables"]["applications"]["new_received"]["total"]["value"] == 3
    assert report["findings"][0]["rule"] == "T3-001"
    assert report["download_url"] == (indexed / "objects" / "raw" / "v1").as_uri()
    assert main(["report", "aaaa1111"]) == 0
    out = capsys.readouterr().out
    assert "new_received" in out and "T3-001" in out and "invalid" in out


def _ocr_scan(tmp_path) -> None:
    """A report read by OCR: one sure cell (score 0.991) and one withheld as unsure (0.62)."""
    import msgspec

    from shared.report import Cell, Evidence

    sure = Cell(
        value=3,
        raw="3",
        kind="number",
        score=0.991,
        evidence=Evidence(kind="ocr", page=2, box=(301.2, 410.0, 318.7, 421.5)),
    )
    unsure = Cell(raw="0.1", kind="unreadable", note="OCR score 0.62 below 0.97", score=0.62,
                  evidence=Evidence(kind="ocr", page=1, box=(250.0, 600.0, 280.0, 611.0)))  # fmt: skip
    scan = event("dddd4444", year=2022, new_received=sure, fee=unsure)
    scan = msgspec.structs.replace(
        scan, report=msgspec.structs.replace(scan.report, source_modality="ocr")
    )

    async def fill() -> None:
        store = await open_search_store(f"sqlite:///{tmp_path / 'index.db'}")
        await store.upsert(scan)
        await store.close()

    asyncio.run(fill())


def test_report_shows_which_cells_were_read_by_ocr_and_their_scores(indexed, capsys):
    _ocr_scan(indexed)
    assert main(["report", "dddd4444", "--json", "--no-link"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["source_modality"] == "ocr"
    total = report["tables"]["applications"]["new_received"]["total"]
    assert (total["value"], total["score"]) == (3, 0.991)
    assert total["evidence"] == {"kind": "ocr", "page": 2, "box": [301.2, 410.0, 318.7, 421.5]}
    fee = report["tables"]["active_disclosure"]["administrative_fees"]["fee_amount_wan_yuan"]
    assert (fee["kind"], fee["score"], fee["evidence"]["page"]) == ("unreadable", 0.62, 1)
    # a cell not read by OCR carries neither
    assert "score" not in report["tables"]["applications"]["new_received"]["natural_person"]

    assert main(["report", "dddd4444", "--no-link"]) == 0
    out = capsys.readouterr().out
    assert "2 cells read by OCR ᵒ, 1 withheld as unsure" in out
    rows = [
        line
        for line in out.splitlines()
        if "active_disclosure.administrative_fees" in line
        or "applications.new_received.total" in line
    ]
    # lowest score first: the withheld fee, then the sure total
    assert "0.620" in rows[0] and "unreadable" in rows[0] and "250, 600, 280, 611" in rows[0]
    assert "0.991" in rows[1] and "number" in rows[1] and "301, 410, 319, 422" in rows[1]


def test_a_report_read_from_text_shows_no_ocr_cells(indexed, capsys):
    assert main(["report", "aaaa1111", "--no-link"]) == 0
    out = capsys.readouterr().out
    assert "OCR" not in out and "ᵒ" not in out and "source_modality" not in out


def test_report_of_an_unknown_id_exits_1(indexed, capsys):
    assert main(["report", "ffff"]) == 1
    assert "no indexed report" in capsys.readouterr().err


def test_search_against_an_unreachable_store_exits_3(tmp_path, capsys):
    assert main(["search", "x", "--search-url", "postgresql://u@127.0.0.1:1/db"]) == 3
    assert "unavailable" in capsys.readouterr().err


MIGRATIONS = Path(__file__).resolve().parents[2] / "shared" / "storage" / "migrations"


@pytest.mark.postgres
def test_migrate_applies_then_reports_nothing_pending(postgres_url, capsys):
    assert main(["migrate", "--check", "--search-url", postgres_url]) == 1
    assert main(["migrate", "--search-url", postgres_url]) == 0
    every = sorted(int(f.name[:3]) for f in MIGRATIONS.glob("[0-9][0-9][0-9]_*.sql"))
    assert every[:3] == [1, 2, 3]  # the test is about the command, not one count of migrations
    assert f"applied {every}" in capsys.readouterr().out
    assert main(["migrate", "--check", "--search-url", postgres_url]) == 0
    assert main(["migrate", "--search-url", postgres_url]) == 0
    assert "applied nothing" in capsys.readouterr().out


@pytest.mark.s3
def test_report_shows_a_presigned_link_for_s3(indexed, s3_endpoint, monkeypatch, capsys):
    import urllib.request

    url = f"s3://cli-links?endpoint={s3_endpoint}&secure=false"
    monkeypatch.setenv("NIANBAO_OBJECT_STORE", url)
    monkeypatch.setenv("NIANBAO_S3_ACCESS_KEY", "cli-key")
    monkeypatch.setenv("NIANBAO_S3_SECRET_KEY", "cli-secret")

    async def put() -> None:
        objects = await open_object_store(url, load())
        await objects.put_if_absent("raw/v1", b"original from s3", ObjectMeta(key="", size=0))
        await objects.close()

    asyncio.run(put())
    assert main(["report", "bbbb2222", "--json"]) == 0
    link = json.loads(capsys.readouterr().out)["download_url"]
    assert link.startswith(f"http://{s3_endpoint}/cli-links/raw/v1?") and "X-Amz-Signature=" in link
    with urllib.request.urlopen(link, timeout=10) as resp:
        assert resp.read() == b"original from s3"
