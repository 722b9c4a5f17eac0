"""`nianbao duplicates` (nianbao/ops/duplicates.py and the stores' replace_duplicate_findings) on a
real SQLite file and a real PostgreSQL: a year's X-001 / X-002 findings are found across the
index, written once however often it runs, found by `search --rule`, and only where they belong."""

from __future__ import annotations

import asyncio
import json
import random

import pytest

from nianbao.cli.main import main
from nianbao.ops import duplicates
from nianbao.samples.synth import synth_report
from shared.config import load
from shared.events import DocFetched, DocRef, DocValidated, doc_id_for
from shared.report import Finding, ParsedReport, Section
from shared.storage.factory import open_search_store

YEAR = 2022
SETTINGS = load(env={})
V2_WARN = Finding(rule="V-002", severity="warning", message="空白单元格", cells=["x"], tags=[])
# characters for narratives that share no 5-character run with one another or with the template
CHARS = "天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往秋收冬藏闰余成岁律吕调阳云腾致雨露结为霜金生丽水玉出昆冈"


def own_words(report: ParsedReport, seed: int) -> ParsedReport:
    """The report with narrative sections no other report shares (a report written, not copied)."""
    rng = random.Random(seed)
    for key in ("overview", "problems", "other_matters"):
        text = "".join(rng.choice(CHARS) for _ in range(300))
        report.sections[key] = Section(title_raw=key, text=text)
    return report


def indexed(name: str, report: ParsedReport, published: str, *, version: str = "v1", findings=()):
    url = f"http://example.gov.cn/{name}.html"
    report.publish_date = published
    ref = DocRef(
        doc_id=doc_id_for(url), version=version, portal="sample", url=url, object_key=f"raw/{name}"
    )
    return DocValidated(
        ref=ref, report=report, findings=list(findings), status="warnings" if findings else "valid",
        parser_version="3", validator_version="3",
        fetched=DocFetched(ref=ref, size=1, agency=report.agency_name, fetched_at=1.7e9),
    )  # fmt: skip


ORIGINAL = indexed(
    "a", synth_report("2021", 1, agency="温州市鹿城区教育局", year=YEAR), "2023-01-10"
)
# the same template, numbers and words under another agency's name, published later: X-002
COPY = indexed(
    "b", synth_report("2021", 1, agency="温州市龙湾区卫生健康局", year=YEAR), "2023-01-20",
    findings=[V2_WARN],
)  # fmt: skip
# the first agency again for the same year, other numbers: X-001
AGAIN = indexed(
    "e",
    own_words(synth_report("2021", 4, agency="温州市鹿城区教育局", year=YEAR), 4),
    "2023-03-01",
)
DISTINCT = [
    indexed("c", own_words(synth_report("2021", 2, agency="杭州市西湖区民政局", year=YEAR), 2),
            "2023-01-15"),
    indexed("d", own_words(synth_report("2021", 3, agency="成都市武侯区司法局", year=YEAR), 3),
            "2023-02-01"),
]  # fmt: skip
# a copy of the original made a year later belongs to another year's run
OTHER_YEAR = indexed(
    "f", synth_report("2021", 1, agency="北京市海淀区教育局", year=YEAR + 1), "2024-01-10"
)
ALL = [ORIGINAL, COPY, AGAIN, *DISTINCT, OTHER_YEAR]


def doc(event: DocValidated) -> str:
    return event.ref.doc_id


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store_url(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'index.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    store = await open_search_store(url, SETTINGS, migrate=True)
    for event in ALL:
        await store.upsert(event)
    yield url, store
    await store.close()


async def rows(store) -> dict[str, list[tuple]]:
    out = {}
    for event in ALL:
        report = await store.get_report(doc(event))
        out[doc(event)] = [(f["rule"], tuple(f["tags"]), f["message"]) for f in report["findings"]]
        assert report["n_findings"] == len(report["findings"])
    return out


async def test_a_copy_under_another_agency_and_a_second_publication_get_exactly_their_findings(
    store_url,
):
    _, store = store_url
    outcome = await duplicates.run(store, YEAR)
    assert outcome.reports == 5 and outcome.written == 3
    found = await rows(store)
    assert [(r, t) for r, t, _ in found[doc(COPY)]] == [
        ("V-002", ()),  # the validator's finding stays, the X-* ones come after it
        ("X-002", ("identical_tables",)),
        ("X-002", ("similar_text",)),
    ]
    assert (
        "温州市鹿城区教育局" in found[doc(COPY)][1][2]
        and ORIGINAL.ref.url in found[doc(COPY)][1][2]
    )
    assert [(r, t) for r, t, _ in found[doc(AGAIN)]] == [("X-001", ("numbers_differ",))]
    for event in (ORIGINAL, *DISTINCT, OTHER_YEAR):
        assert found[doc(event)] == [], event.ref.url
    assert {(d.doc_id, d.duplicate_of, d.finding.rule) for d in outcome.found} == {
        (doc(COPY), doc(ORIGINAL), "X-002"),
        (doc(AGAIN), doc(ORIGINAL), "X-001"),
    }


async def test_a_rerun_leaves_the_same_rows_not_twice_as_many(store_url):
    _, store = store_url
    await duplicates.run(store, YEAR)
    first = await rows(store)
    again = await duplicates.run(store, YEAR)
    assert again.written == 3
    assert await rows(store) == first


async def test_search_by_rule_finds_the_duplicates(store_url):
    _, store = store_url
    await duplicates.run(store, YEAR)
    assert [h["doc_id"] for h in await store.search(rule="X-001")] == [doc(AGAIN)]
    assert [h["doc_id"] for h in await store.search(rule="X-002", year=YEAR)] == [doc(COPY)]
    assert (await store.facets(year=YEAR))["rule"] == {"X-002": 1, "V-002": 1, "X-001": 1}


async def test_a_re_indexed_report_loses_its_x_findings_until_the_next_run(store_url):
    _, store = store_url
    await duplicates.run(store, YEAR)
    assert await store.upsert(
        indexed("b", synth_report("2021", 1, agency="温州市龙湾区卫生健康局", year=YEAR),
                "2023-01-20", version="v2")
    )  # fmt: skip
    assert [h["doc_id"] for h in await store.search(rule="X-002")] == []
    await duplicates.run(store, YEAR)
    assert [h["doc_id"] for h in await store.search(rule="X-002")] == [doc(COPY)]


async def test_findings_of_a_copy_that_was_rewritten_are_cleared_by_the_next_run(store_url):
    _, store = store_url
    await duplicates.run(store, YEAR)
    rewritten = own_words(synth_report("2021", 9, agency="温州市龙湾区卫生健康局", year=YEAR), 9)
    await store.upsert(indexed("b", rewritten, "2023-01-20", version="v2"))
    await store.replace_duplicate_findings(YEAR, {doc(COPY): [V2_WARN_AS_X]})  # a stale X row
    outcome = await duplicates.run(store, YEAR)
    assert outcome.written == 1
    assert (await rows(store))[doc(COPY)] == []


V2_WARN_AS_X = Finding(rule="X-002", severity="warning", message="stale", cells=[], tags=[])


async def cli(argv: list[str]) -> int:
    return await asyncio.to_thread(main, argv)  # the command runs its own event loop


async def test_the_command_prints_json_lines_writes_them_and_search_finds_them(store_url, capsys):
    url, _ = store_url
    assert await cli(["duplicates", "--year", str(YEAR), "--search-url", url, "--json"]) == 0
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert sorted((x["rule"], x["doc_id"], x["duplicate_of"]) for x in lines) == sorted(
        [
            ("X-002", doc(COPY), doc(ORIGINAL)),
            ("X-002", doc(COPY), doc(ORIGINAL)),
            ("X-001", doc(AGAIN), doc(ORIGINAL)),
        ]
    )
    assert "5 report(s) scanned" in err and "3 finding(s) written" in err
    assert await cli(["search", "--rule", "X-001", "--search-url", url, "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert [h["doc_id"] for h in hits] == [doc(AGAIN)]


async def test_a_dry_run_prints_a_table_and_writes_nothing(store_url, capsys):
    url, store = store_url
    assert await cli(["duplicates", "--year", str(YEAR), "--search-url", url, "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert "3 duplicate finding(s) in 2022" in out and "X-001" in out
    assert "nothing written (--dry-run)" in err
    assert await store.search(rule="X-*") == []


def test_current_and_previous_name_the_last_two_report_years_due():
    import argparse
    import datetime

    from nianbao.cli.argtypes import report_year

    this = datetime.date.today().year
    assert (report_year("current"), report_year("previous"), report_year("2019")) == (
        this - 1,
        this - 2,
        2019,
    )
    with pytest.raises(argparse.ArgumentTypeError):
        report_year("1999")


async def test_several_years_run_one_after_the_other_each_replacing_its_own(store_url, capsys):
    url, store = store_url
    argv = ["duplicates", "--year", str(YEAR + 1), "--year", str(YEAR), "--search-url", url]
    assert await cli([*argv, "--json"]) == 0
    out, err = capsys.readouterr()
    assert {json.loads(line)["year"] for line in out.splitlines()} == {YEAR}
    assert err.index(f"{YEAR + 1}: 1 report(s) scanned") < err.index(f"{YEAR}: 5 report(s)")
