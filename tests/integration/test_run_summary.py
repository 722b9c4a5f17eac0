"""`nianbao run --json` over the bundled sample portal: the summary as data — crawl statistics,
rejections split into expected outcomes and failures, the DLQ backlog as the alert counts it, and
the commands to try next; `topology check --json` against the broker the run leaves behind is
covered in test_cli_finds_broker."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.nats

CLEAN_ENV = {
    k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_") and k != "NATS_URL"
}


def test_the_run_summary_as_json_has_crawl_statistics_and_next_commands(tmp_path):
    data = tmp_path / "state"
    p = subprocess.run(
        [sys.executable, "-m", "nianbao.cli.main", "run", "--json", "--data-dir", str(data)],
        capture_output=True, text=True, env=CLEAN_ENV, timeout=600,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr[-3000:]
    summary = json.loads(p.stdout)  # stdout is the JSON alone; progress went to stderr
    assert "summary" in p.stderr
    assert summary["idle"] is True and summary["interrupted"] is False
    assert summary["indexed"] == 5
    crawl = summary["crawl"]
    assert crawl["requests"] > 5 and crawl["bytes"] > 10_000
    assert crawl["not_modified_304"] == 0 and crawl["robots_denials"] == 0
    # five reports, and the crawl's coverage fact (doc.fact: the indexer writes it into the index)
    assert summary["outcomes"]["indexer"]["ok"] == 6
    rejected = {(r["stage"], r["reason"]): r["count"] for r in summary["rejected_by_reason"]}
    assert rejected == {("parser", "not_a_report"): 2}
    assert summary["dead_letters"]["parser"] == {"expected": 2, "exhausted": 0, "failure": 0}
    assert f"nianbao search 许可 --data-dir {data}" in summary["next_commands"]


def test_a_run_over_a_loopback_portal_not_allowed_fails_and_names_the_setting(tmp_path):
    registry = tmp_path / "portals.toml"
    url = "http://127.0.0.1:9/zwgk/zfxxgk/zfxxgknb/index.html"  # refused before any connection
    registry.write_text(
        f'[[portal]]\nid = "local"\nname = "某某区人民政府"\nlist_urls = ["{url}"]\n',
        encoding="utf-8",
    )
    p = subprocess.run(
        [sys.executable, "-m", "nianbao.cli.main", "run", "--json", "--no-portal",
         "--portals", str(registry), "--data-dir", str(tmp_path / "state"), "--timeout", "120"],
        capture_output=True, text=True, env=CLEAN_ENV, timeout=600,
    )  # fmt: skip
    assert p.returncode == 1, p.stderr[-3000:]
    summary = json.loads(p.stdout)
    assert summary["idle"] is True and summary["indexed"] == 0
    assert summary["portal_failures"] == {"local": {"private_address": 1}}
    assert summary["crawl"]["requests"] == 0
    assert "NIANBAO_ALLOW_PRIVATE_HOSTS=127.0.0.1:9" in summary["hints"][0]
    assert "portal failures: local private_address 1" in p.stderr
    assert "NIANBAO_ALLOW_PRIVATE_HOSTS=127.0.0.1:9 nianbao run" in p.stderr
