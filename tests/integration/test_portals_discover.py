"""`nianbao portals discover` against sample government sites on loopback (nianbao/samples/cms.py
with home=True): home page → 政府信息公开 platform → 年报 column, for a TRS, a Hanweb JCMS and a
gkmlpt site at once, politely (robots.txt first, no URL twice, no page beyond the way there), and
a site without a column told apart."""

from __future__ import annotations

import asyncio
import json

import pytest

from nianbao.cli.main import main
from nianbao.samples.cms import CmsPortal
from services.fetcher.registry import load_registry
from tests.support.fakeportal import FakePortal, Reply


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("NIANBAO_ALLOW_PRIVATE_HOSTS", "127.0.0.1")
    monkeypatch.setenv("NIANBAO_MIN_DELAY_S", "0")
    monkeypatch.delenv("NIANBAO_PORTALS", raising=False)
    return tmp_path


def _discover(args: list[str]) -> tuple[int, list[CmsPortal]]:
    async def run():
        sites = [
            await CmsPortal(p, 12, home=True).start() for p in ("trs_static", "jcms", "gkmlpt")
        ]
        try:
            code = await asyncio.to_thread(
                main, ["portals", "discover", *(s.url for s in sites), *args]
            )
        finally:
            for site in sites:
                await site.stop()
        return code, sites

    return asyncio.run(run())


def test_discover_finds_each_sites_column_through_its_platform_and_proposes_entries(env, capsys):
    code, sites = _discover(["--json"])
    assert code == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["column"] for r in rows] == [s.list_url for s in sites]
    assert [r["platform"].split("/", 3)[3] for r in rows] == [
        "zwgk/zfxxgk/index.html",
        "col/col1228/index.html",
        "gkmlpt/platform",
    ]
    for row in rows:
        assert row["ok"] and row["links"] == 12 and row["reached"] == row["declared"]
        assert row["reports_by_year"] == {str(y): 1 for y in range(2013, 2025)}
        entry = row["entry"]
        assert (entry["name"], entry["level"], entry["kind"]) == (
            "示例市生态环境局",
            "prefecture",
            "department",
        )
    for site in sites:
        paths = [r.split(" ")[1] for r in site.requests]
        assert paths[0] == "/robots.txt" and len(paths) == len(set(paths))
        assert "/zwgk/" not in paths, "政务公开 was read though 政府信息公开 came first"
        assert "/zwgk/zfgzbg/index.html" not in paths  # 政府工作报告 is not the column


def test_the_proposed_entries_append_to_a_registry_that_loads(env, capsys):
    code, sites = _discover([])
    out = capsys.readouterr().out
    assert code == 0 and "# 12 report link(s)" in out
    registry_file = env / "portals.toml"
    registry_file.write_text(out, encoding="utf-8")
    registry = load_registry(registry_file)
    assert [p.list_urls[0] for p in registry] == [s.list_url for s in sites]


def test_a_site_without_a_column_is_not_found_and_fails_the_command(env, capsys):
    with FakePortal() as site:
        site.add("/robots.txt", Reply(404))
        site.add(
            "/", Reply(body='<html><body><a href="/zwgk/">政务公开</a></body></html>'.encode())
        )
        site.add(
            "/zwgk/", Reply(body="<html><body><a href='/a'>通知公告</a></body></html>".encode())
        )
        assert main(["portals", "discover", site.url + "/", "--json"]) == 1
        row = json.loads(capsys.readouterr().out)
        assert (row["ok"], row["reason"], row["pages"]) == (False, "not_found", 2)
        assert "no 政府信息公开年报 column" in row["error"]
        assert main(["portals", "discover", site.url + "/"]) == 1
        assert "not found: no 政府信息公开年报 column" in capsys.readouterr().out


def test_discover_without_urls_or_with_a_non_http_one_is_a_usage_error(env, capsys):
    assert main(["portals", "discover"]) == 2
    assert main(["portals", "discover", "file:///etc/passwd"]) == 2
    assert "not http(s): file:///etc/passwd" in capsys.readouterr().err


def test_discover_reads_home_pages_from_a_file_skipping_comments_and_blank_lines(env, capsys):
    async def run():
        site = await CmsPortal("trs_static", 3, home=True).start()
        listing = env / "sites.txt"
        listing.write_text(f"# 示例市\n\n{site.url}/\n{site.url}/\n", encoding="utf-8")
        try:
            args = ["portals", "discover", "--from", str(listing), "--json"]
            return await asyncio.to_thread(main, args), site
        finally:
            await site.stop()

    code, site = asyncio.run(run())
    assert code == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]  # asked once
    assert row["column"] == site.list_url and row["links"] == 3
    assert main(["portals", "discover", "--from", str(env / "none.txt")]) == 2
    assert "cannot read" in capsys.readouterr().err


def _departments(site: FakePortal) -> None:
    """Three departments' sites on one host, under /bm1/, /bm2/, /bm3/, each with its column."""
    site.add("/robots.txt", Reply(404))
    for dept, name in (("bm1", "某某市财政局"), ("bm2", "某某市教育局"), ("bm3", "某某市民政局")):
        home = f'<html><head><title>{name}</title></head><body><a href="/{dept}/nb/index.html">政府信息公开年报</a></body></html>'
        for path in (f"/{dept}/", f"/{dept}/index.html"):
            site.add(path, Reply(body=home.encode()))
        reports = "".join(
            f'<li><a href="/{dept}/nb/{y + 1}01/t{y + 1}0120_{i}.html">{name}{y}年政府信息公开工作年度报告</a></li>'
            for i, y in enumerate((2023, 2022))
        )
        column = f"<html><head><title>政府信息公开年报_{name}</title></head><body><ul>{reports}</ul></body></html>"
        site.add(f"/{dept}/nb/index.html", Reply(body=column.encode()))


def test_two_departments_on_one_host_get_two_ids_from_their_paths(env, capsys):
    with FakePortal() as site:
        _departments(site)
        homes = [f"{site.url}/bm1/", f"{site.url}/bm2/"]
        assert main(["portals", "discover", *homes, "--json"]) == 0
        rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        host = f"p-127-0-0-1-{site.port}"
        assert [(r["entry"]["id"], r["entry"]["name"]) for r in rows] == [
            (f"{host}-bm1", "某某市财政局"),
            (f"{host}-bm2", "某某市教育局"),
        ]
        # the same site given twice (two spellings of its home page): the second id is made
        # unique, deterministically (the same run gives the same ids)
        twice = [f"{site.url}/bm1/", f"{site.url}/bm1/index.html"]
        for _ in range(2):
            assert main(["portals", "discover", *twice, "--json"]) == 0
            ids = [json.loads(x)["entry"]["id"] for x in capsys.readouterr().out.splitlines()]
            assert ids == [f"{host}-bm1", f"{host}-bm1-bm1"]


def test_portals_add_gives_a_second_department_of_a_host_its_own_id_and_refuses_clashes(
    env, capsys
):
    registry = env / "portals.toml"
    with FakePortal() as site:
        _departments(site)
        host = f"p-127-0-0-1-{site.port}"
        first, second = (f"{site.url}/{d}/nb/index.html" for d in ("bm1", "bm2"))
        assert main(["portals", "--file", str(registry), "add", first]) == 0
        assert main(["portals", "--file", str(registry), "add", second]) == 0
        assert [(p.id, p.name) for p in load_registry(registry)] == [
            (host, "某某市财政局"),
            (f"{host}-bm2", "某某市教育局"),  # the host's id was taken: its path tells them apart
        ]
        capsys.readouterr()
        # the same column again, or an id given by hand that another portal has: refused
        assert main(["portals", "--file", str(registry), "add", second]) == 2
        assert f"is already registered as '{host}-bm2'" in capsys.readouterr().err
        third = f"{site.url}/bm3/nb/index.html"
        assert main(["portals", "--file", str(registry), "add", third, "--id", host]) == 2
        err = capsys.readouterr().err
        assert f"id '{host}' is already taken" in err and "某某市财政局" in err and "--id" in err
        assert len(load_registry(registry)) == 2
