"""`nianbao portals list|check|add` against a loopback portal, and `nianbao missing` from the
fetch state on a real nats-server."""

from __future__ import annotations

import asyncio
import json
import shutil

import nats
import pytest

from nianbao.cli.main import main
from services.fetcher.registry import load_registry
from services.fetcher.state import UrlRecord, UrlState
from shared import topology
from shared.config import load
from tests.support.fakeportal import FakePortal, Reply, list_page

COLUMN = "/zwgk/zfxxgk/zfxxgknb"


@pytest.fixture
def column():
    """A two-page column of 某某区人民政府 with three reports and a 解读."""
    with FakePortal() as portal:
        portal.add("/robots.txt", Reply(404))
        first = [
            ("./2023/t20230128_1.html", "某某区人民政府2022年政府信息公开工作年度报告"),
            ("./2022/t20220120_2.html", "某某区人民政府2021年政府信息公开工作年度报告"),
        ]
        page = list_page(first, count_page=2).replace(
            b"<title>",
            b"<title>\xe6\x9f\x90\xe6\x9f\x90\xe5\x8c\xba\xe4\xba\xba\xe6\xb0\x91\xe6\x94\xbf\xe5\xba\x9c_",
        )
        portal.add(f"{COLUMN}/index.html", Reply(body=page))
        portal.add(
            f"{COLUMN}/index_1.html",
            Reply(
                body=list_page(
                    [
                        ("./2021/t20210125_3.html", "某某区人民政府2020年政府信息公开工作年度报告"),
                        ("./2021/t20210126_4.html", "2020年年报解读"),
                    ],
                    count_page=2,
                )
            ),
        )
        yield portal


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("NIANBAO_ALLOW_PRIVATE_HOSTS", "127.0.0.1")
    monkeypatch.setenv("NIANBAO_MIN_DELAY_S", "0")
    monkeypatch.setenv("NIANBAO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("NIANBAO_PORTALS", raising=False)
    monkeypatch.delenv("NIANBAO_NATS_URL", raising=False)
    return tmp_path


def test_portals_add_guesses_the_entry_shows_the_reports_and_appends_it(column, env, capsys):
    registry_file = env / "portals.toml"
    url = column.url + COLUMN + "/index.html"

    assert (
        main(["portals", "--file", str(registry_file), "add", url, "--division-code", "110101"])
        == 0
    )

    out = capsys.readouterr().out
    assert "4 in all" in out and "某某区人民政府2020年政府信息公开工作年度报告" in out
    portal = load_registry(registry_file).portals[0]
    assert (portal.name, portal.kind, portal.level, portal.division_code) == (
        "某某区人民政府",
        "government",
        "county",
        "110101",
    )
    assert portal.list_urls == [url] and portal.pagination == "auto"
    assert main(["portals", "--file", str(registry_file), "add", url]) == 2, (
        "the same id twice is refused"
    )
    assert len(load_registry(registry_file)) == 1


def test_portals_add_without_a_registry_file_refuses_unless_dry_run(column, env, capsys):
    url = column.url + COLUMN + "/index.html"
    assert main(["portals", "add", url]) == 2
    assert main(["portals", "add", url, "--dry-run"]) == 0
    assert 'name = "某某区人民政府"' in capsys.readouterr().out


def test_portals_check_reports_years_found_and_fails_on_a_vanished_column(column, env, capsys):
    registry_file = env / "portals.toml"
    registry_file.write_text(
        f'[[portal]]\nid = "ok"\nname = "某某区人民政府"\nlist_urls = ["{column.url}{COLUMN}/index.html"]\n\n'
        f'[[portal]]\nid = "moved"\nname = "别的区人民政府"\nlist_urls = ["{column.url}/old/zfxxgknb/index.html"]\n',
        encoding="utf-8",
    )
    assert main(["portals", "--file", str(registry_file), "check"]) == 1
    out = capsys.readouterr().out
    assert "✓ ok" in out and "2022: 1, 2021: 1, 2020: 1" in out
    assert "✗ moved" in out and "list_gone" in out
    assert main(["portals", "--file", str(registry_file), "check", "ok"]) == 0


def test_a_loopback_portal_not_allowed_is_an_error_naming_the_setting_in_add_and_check(
    column, env, monkeypatch, capsys
):
    monkeypatch.delenv("NIANBAO_ALLOW_PRIVATE_HOSTS")
    registry_file = env / "portals.toml"
    url = column.url + COLUMN + "/index.html"
    setting = f"NIANBAO_ALLOW_PRIVATE_HOSTS=127.0.0.1:{column.port}"

    # --file before or after the action: the same refusal, and nothing is appended
    for args in (["add", url, "--file", str(registry_file)],
                 ["--file", str(registry_file), "add", url]):  # fmt: skip
        assert main(["portals", *args]) == 1
        err = capsys.readouterr().err
        assert "private_address" in err and "loopback address 127.0.0.1" in err
        assert setting in err
        assert not registry_file.exists()
    assert column.log == []  # refused before any request, robots.txt included

    registry_file.write_text(
        f'[[portal]]\nid = "local"\nname = "某某区人民政府"\nlist_urls = ["{url}"]\n',
        encoding="utf-8",
    )
    assert main(["portals", "check", "--file", str(registry_file)]) == 1
    out = capsys.readouterr().out
    assert "✗ local" in out and setting in out
    assert main(["portals", "check", "--file", str(registry_file), "--json"]) == 1
    row = json.loads(capsys.readouterr().out)
    assert (row["id"], row["ok"], row["reason"]) == ("local", False, "private_address")
    assert setting in row["error"]

    monkeypatch.setenv("NIANBAO_ALLOW_PRIVATE_HOSTS", f"127.0.0.1:{column.port}")
    assert main(["portals", "check", "--file", str(registry_file)]) == 0


def test_portals_list_shows_the_sample_portal_by_default(env, capsys):
    assert main(["portals", "list"]) == 0
    assert "sample" in capsys.readouterr().out


def test_a_broken_registry_file_is_a_clear_error(env, capsys):
    (env / "bad.toml").write_text('[[portal]]\nid = "x"\n', encoding="utf-8")
    assert main(["portals", "--file", str(env / "bad.toml"), "list"]) == 2
    assert "bad.toml: portal #1 (id='x')" in capsys.readouterr().err


@pytest.mark.nats
def test_missing_lists_agencies_without_a_report_from_the_fetch_state(
    nats_server, env, monkeypatch, capsys
):
    registry_file = env / "portals.toml"
    registry_file.write_text(
        '[[portal]]\nid = "a"\nname = "甲县人民政府"\nlist_urls = ["http://a.gov.cn/"]\n\n'
        '[[portal]]\nid = "b"\nname = "乙县财政局"\nkind = "department"\nlist_urls = ["http://b.gov.cn/"]\n',
        encoding="utf-8",
    )

    async def seed():
        nc = await nats.connect(nats_server.url)
        js = nc.jetstream()
        await topology.apply(js, load(env={}))
        await UrlState(js).put(
            "1" * 64,
            UrlRecord(
                url="http://a.gov.cn/t20240301_1.html",
                portal="a",
                report_year=2023,
                first_found=1.7e9,
                published="2024-03-01",
                status="emitted",
            ),
        )
        await nc.close()

    asyncio.run(seed())
    monkeypatch.setenv("NIANBAO_NATS_URL", nats_server.url)
    monkeypatch.setenv("NIANBAO_PORTALS", str(registry_file))

    assert main(["missing", "--year", "2023", "--json", "--all"]) == 0
    rows = {r["portal"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["a"]["status"] == "on_time" and rows["a"]["published"] == "2024-03-01"
    assert rows["b"]["status"] == "not_found" and rows["b"]["deadline"] == "2024-01-31"
    assert main(["missing", "--year", "2023"]) == 0
    out = capsys.readouterr().out
    assert "乙县财政局" in out and "甲县人民政府" not in out


def test_portals_check_shows_each_columns_declared_and_reached_counts(env, capsys):
    async def check(pattern: str) -> tuple[int, list[dict], str]:
        from nianbao.samples.cms import CmsPortal

        portal = await CmsPortal(pattern).start()
        try:
            registry_file = env / f"{pattern}.toml"
            registry_file.write_text(
                f'[[portal]]\nid = "{pattern}"\nname = "示例市生态环境局"\nlist_urls = ["{portal.list_url}"]\n',
                encoding="utf-8",
            )
            args = ["portals", "--file", str(registry_file), "check"]
            code = await asyncio.to_thread(main, [*args, "--json"])
            rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
            await asyncio.to_thread(main, args)
            return code, rows, capsys.readouterr().out
        finally:
            await portal.stop()

    code, rows, text = asyncio.run(check("trs_script"))
    assert code == 0
    assert [(r["id"], r["declared"], r["reached"], r["unit"], r["coverage"]) for r in rows] == [
        ("trs_script", 20, 10, "documents", 0.5)
    ]
    assert "coverage 10/20 documents" in text and "incomplete" in text
    code, rows, text = asyncio.run(check("jcms"))
    assert (code, rows[0]["declared"], rows[0]["reached"]) == (0, 20, 20)
    assert "coverage 20/20 documents" in text and "incomplete" not in text
    assert rows[0]["rendered"] == 0 and "browser" not in text


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_portals_check_says_which_columns_needed_the_browser(env, capsys):
    async def check() -> tuple[list[dict], str]:
        from nianbao.samples.cms import CmsPortal

        portal = await CmsPortal("script_only").start()
        try:
            registry_file = env / "script_only.toml"
            registry_file.write_text(
                f'[[portal]]\nid = "js"\nname = "示例市生态环境局"\nlist_urls = ["{portal.list_url}"]\n',
                encoding="utf-8",
            )
            args = ["portals", "--file", str(registry_file), "check"]
            assert await asyncio.to_thread(main, [*args, "--json"]) == 0
            rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
            assert await asyncio.to_thread(main, args) == 0
            return rows, capsys.readouterr().out
        finally:
            await portal.stop()

    rows, text = asyncio.run(check())
    assert [(r["declared"], r["reached"], r["rendered"]) for r in rows] == [(20, 20, 1)]
    assert "coverage 20/20 documents" in text and "1 column(s) rendered in a browser" in text


def test_missing_from_a_data_dir_tells_a_dead_listed_report_from_silence_after_the_crawl(
    env, capsys
):
    """A crawl of a column whose 2023 report answers 404, its crawl facts written into the index
    as the indexer writes them (services/indexer/facts.py); then `nianbao missing --data-dir`
    alone, no broker: unreachable, with URL and since."""
    from functools import partial

    from nianbao.samples.cms import CmsPortal
    from services.fetcher.crawl import Crawler
    from services.fetcher.registry import Portal, Registry
    from services.fetcher.state import MemoryUrlState
    from services.indexer.facts import apply_fact
    from shared.events import CrawlDue
    from shared.storage.factory import open_search_store
    from shared.storage.files import FileObjectStore

    data = env / "run"

    async def crawl() -> str:
        portal = await CmsPortal("trs_script", documents_count=3).start()
        dead = next(d for d in portal.docs if d.year == 2023)
        del portal.routes[dead.path]  # listed, but answers 404
        settings = load(
            env={}, allow_private_hosts=["127.0.0.1"], min_delay_s=0.0, data_dir=str(data)
        )
        registry = Registry(
            [
                Portal(
                    id="eco",
                    name="示例市生态环境局",
                    kind="department",
                    list_urls=[portal.list_url],
                )
            ]
        )
        facts = await open_search_store(settings=settings)
        crawler = Crawler(
            settings,
            FileObjectStore(data / "objects"),
            MemoryUrlState(),
            registry,
            facts=partial(apply_fact, facts),
        )
        try:
            [e async for e in crawler.crawl(CrawlDue(portal="eco", slot="s"))]
        finally:
            await crawler.close()
            await facts.close()
            await portal.stop()
        (env / "eco.toml").write_text(
            f'[[portal]]\nid = "eco"\nname = "示例市生态环境局"\nkind = "department"\nlist_urls = ["{portal.list_url}"]\n',
            encoding="utf-8",
        )
        return dead.path

    path = asyncio.run(crawl())
    args = [
        "missing",
        "--year",
        "2023",
        "--data-dir",
        str(data),
        "--portals",
        str(env / "eco.toml"),
    ]
    assert main([*args, "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["status"], row["http_status"], row["url"].endswith(path)) == (
        "unreachable",
        404,
        True,
    )
    assert row["since"].startswith("20") and (row["declared"], row["reached"]) == (3, 3)
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "1 unreachable" in out and "answers" in out and "404 since" in out, out
