"""`nianbao parse` and `nianbao validate` as a user runs them: a subprocess, JSON on stdout, exit codes
(contract.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shared.schema import SCHEMAS

SEEDS = Path(__file__).resolve().parents[2] / "nianbao" / "samples" / "seeds"
SEED_000 = SEEDS / "000_bac61c4872424ad3.txt"


def nianbao(
    *args: str, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "nianbao.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


@pytest.fixture(scope="module")
def parsed_000():
    p = nianbao("parse", str(SEED_000))
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_parse_prints_the_contract_keys_for_seed_000(parsed_000):
    d = parsed_000
    assert d["format_version"] == "2021"
    assert d["report_year"] == 2021
    assert d["agency_name"] == "温州市鹿城区经济和信息化局"
    assert d["title"] == "温州市鹿城区经济和信息化局2021年政府信息公开工作年度报告"
    assert set(d["tables"]) == {"active_disclosure", "applications", "review_litigation"}


def test_parse_prints_every_expected_cell_with_value_raw_and_kind(parsed_000):
    s = SCHEMAS["2021"]
    t2, t3, t4 = (
        parsed_000["tables"][k] for k in ("active_disclosure", "applications", "review_litigation")
    )
    assert sum(len(cols) for cols in t2.values()) == 10
    assert [r.key for r in s.t3_rows] == list(t3) and all(len(cols) == 7 for cols in t3.values())
    assert sum(len(cols) for cols in t4.values()) == 15
    for table in (t2, t3, t4):
        for cols in table.values():
            for cell in cols.values():
                assert {"value", "raw", "kind"} <= set(cell)


def test_parse_marks_seed_000s_absent_number_missing_without_shifting(parsed_000):
    row = parsed_000["tables"]["active_disclosure"]["normative_documents"]
    assert row["issued"] == {"value": 1, "raw": "1", "kind": "number",
                             "evidence": {"kind": "text", "table": 0, "row": 3, "col": 1}}  # fmt: skip
    assert row["repealed"]["value"] == 2 and row["repealed"]["raw"] == "2"
    assert row["in_force"]["kind"] == "missing" and row["in_force"]["value"] is None
    assert (
        parsed_000["tables"]["active_disclosure"]["administrative_licensing"]["decisions"]["value"]
        == 0
    )


def test_parse_pretty_prints_the_same_object():
    p = nianbao("parse", "--pretty", str(SEEDS / "004_12a69261f9476b84.txt"))
    assert p.returncode == 0 and p.stdout.startswith("{\n  ")
    d = json.loads(p.stdout)
    assert (d["report_year"], d["publish_date"]) == (2022, "2023-01-28")


def test_validate_prints_status_and_findings_for_seed_000():
    p = nianbao("validate", str(SEED_000))
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["status"] == "invalid"
    assert [(f["rule"], f["severity"]) for f in d["findings"]] == [
        ("S-002", "warning"),
        ("S-003", "error"),
    ]
    assert d["findings"][1]["cells"] == ["active_disclosure.normative_documents.in_force"]
    assert (d["format_version"], d["report_year"], d["agency_name"]) == (
        "2021",
        2021,
        "温州市鹿城区经济和信息化局",
    )


@pytest.mark.parametrize(
    "name",
    [
        "001_de27d4d4802e9364.txt",
        "002_096eb810ffb81dcc.txt",
        "003_fd629941e7a907e0.txt",
        "004_12a69261f9476b84.txt",
    ],
)
def test_validate_finds_the_other_seeds_valid(name):
    p = nianbao("validate", str(SEEDS / name))
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {**json.loads(p.stdout), "status": "valid", "findings": []}


def test_parse_of_an_empty_file_exits_2_with_a_message_and_unknown_json(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    p = nianbao("parse", str(empty))
    assert p.returncode == 2
    assert "empty" in p.stderr
    d = json.loads(p.stdout)
    assert d["format_version"] == "unknown" and d["tables"] == {
        "active_disclosure": None,
        "applications": None,
        "review_litigation": None,
    }


def test_parse_of_a_non_report_exits_2(tmp_path):
    news = tmp_path / "news.html"
    news.write_text(
        "<html><head><title>我市召开春季农业生产工作会议</title></head><body><h1>我市召开春季农业生产工作会议</h1>"
        "<p>3月5日，全市春季农业生产工作会议召开，会议部署了春耕备耕、农田水利建设等重点工作。</p></body></html>",
        encoding="utf-8",
    )
    p = nianbao("parse", str(news))
    assert p.returncode == 2 and p.stderr.strip()
    assert json.loads(p.stdout)["format_version"] == "unknown"


def test_validate_of_a_non_report_exits_2_and_prints_an_invalid_result(tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_text("今天天气很好，我们去公园散步。", encoding="utf-8")
    p = nianbao("validate", str(junk))
    assert p.returncode == 2 and p.stderr.strip()
    d = json.loads(p.stdout)
    assert d["status"] == "invalid" and d["format_version"] == "unknown"
    assert [f["rule"] for f in d["findings"]] == ["S-001"]


def test_parse_of_a_file_that_does_not_exist_exits_2(tmp_path):
    p = nianbao("parse", str(tmp_path / "nope.pdf"))
    assert p.returncode == 2 and "nope.pdf" in p.stderr
    assert json.loads(p.stdout)["format_version"] == "unknown"


def test_validate_reads_the_fee_decimals_setting_from_the_environment(tmp_path):
    text = SEED_000.read_text(encoding="utf-8").replace(
        "行政事业性收费\n\t0", "行政事业性收费\n\t0.123"
    )
    f = tmp_path / "fee.txt"
    f.write_text(text, encoding="utf-8")
    default = json.loads(nianbao("validate", str(f)).stdout)
    strict = json.loads(nianbao("validate", str(f), env_extra={"NIANBAO_FEE_DECIMALS": "2"}).stdout)
    assert "V-005" not in [x["rule"] for x in default["findings"]]
    assert "V-005" in [x["rule"] for x in strict["findings"]]


def test_validate_of_a_logo_picture_exits_2_as_not_a_report(tmp_path):
    from tests.findings_corpus.builder import png

    for name, data in (("logo.png", png((20, 20))), ("qr.png", png((210, 210), pattern=True))):
        path = tmp_path / name
        path.write_bytes(data)
        proc = nianbao("validate", str(path))
        assert proc.returncode == 2, proc.stdout
        assert "too small to be a report" in proc.stderr


def test_validate_of_a_scanned_report_says_needs_ocr_and_exits_3(tmp_path):
    from nianbao.samples.synth import synth_report
    from tests.findings_corpus.builder import scanned_pdf

    path = tmp_path / "scan.pdf"
    path.write_bytes(scanned_pdf(synth_report("2021", 1)))
    proc = nianbao("validate", str(path))
    out = json.loads(proc.stdout)
    assert proc.returncode == 3 and "needs OCR" in proc.stderr
    assert out["status"] == "needs_ocr"
    assert [f["rule"] for f in out["findings"]] == ["S-006"]


def _stdin(args, data):
    return subprocess.run(
        [sys.executable, "-m", "nianbao.cli.main", *args],
        input=data, capture_output=True, timeout=120,
    )  # fmt: skip


def test_parse_reads_the_document_from_stdin_as_it_reads_the_file(parsed_000):
    p = _stdin(["parse", "-"], SEED_000.read_bytes())
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["tables"] == parsed_000["tables"]


def test_validate_jsonl_prints_one_line_per_file_and_exits_with_the_worst_status(tmp_path):
    logo = tmp_path / "not-a-report.txt"
    logo.write_text("欢迎访问本站", encoding="utf-8")
    seed_001 = SEEDS / "001_de27d4d4802e9364.txt"
    p = nianbao("validate", "--jsonl", str(SEED_000), str(seed_001), str(logo))
    lines = [json.loads(line) for line in p.stdout.splitlines()]
    assert [(d["path"], d["status"]) for d in lines] == [
        (str(SEED_000), "invalid"),
        (str(seed_001), "valid"),
        (str(logo), "invalid"),
    ]
    assert p.returncode == 2  # the file that is not a report
    assert f"nianbao validate: {logo}:" in p.stderr


def test_parse_jsonl_without_paths_reads_the_paths_from_stdin():
    names = [SEEDS / "001_de27d4d4802e9364.txt", SEEDS / "002_096eb810ffb81dcc.txt"]
    p = _stdin(["parse", "--jsonl"], "".join(f"{n}\n" for n in names).encode())
    assert p.returncode == 0, p.stderr
    lines = [json.loads(line) for line in p.stdout.decode().splitlines()]
    assert [d["path"] for d in lines] == [str(n) for n in names]
    assert all(d["format_version"] in ("2019", "2021") for d in lines)


def test_several_files_without_jsonl_are_a_usage_error():
    p = nianbao("parse", str(SEED_000), str(SEED_000))
    assert (p.returncode, p.stdout) == (2, "")
    assert p.stderr == "nianbao parse: several files need --jsonl (one JSON object per line)\n"


def test_validate_fail_on_exits_1_only_when_a_finding_is_that_severe_or_worse():
    seed_001 = str(SEEDS / "001_de27d4d4802e9364.txt")
    assert nianbao("validate", str(SEED_000), "--fail-on", "error").returncode == 1  # S-003
    assert nianbao("validate", str(SEED_000), "--fail-on", "warning").returncode == 1
    assert nianbao("validate", seed_001, "--fail-on", "info").returncode == 0  # no findings
    assert nianbao("validate", str(SEED_000)).returncode == 0  # without it: findings are output
