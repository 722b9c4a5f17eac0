"""One contract for each kind of store, run against every backend of that kind:
object stores [file, s3 (minio SDK → moto_server)], search stores [sqlite, postgres]."""

from __future__ import annotations

import asyncio
import io
import json
import urllib.request
import uuid

import msgspec
import pytest

from services.indexer.facts import BadFact, apply_fact
from shared import metrics
from shared.config import load
from shared.errors import CorruptObject, ObjectMissing, StoreUnavailable
from shared.events import CrawlFact, version_for
from shared.report import Finding, ParsedReport
from shared.storage.base import ObjectMeta
from shared.storage.factory import open_object_store, open_search_store
from shared.storage.files import FileObjectStore
from tests.support.storing import AGENCY, T3_ERROR, cell, event

SETTINGS = load(
    env={"NIANBAO_S3_ACCESS_KEY": "testing-key", "NIANBAO_S3_SECRET_KEY": "testing-secret"}
)


# --- object stores -------------------------------------------------------------------------------


@pytest.fixture(params=["file", pytest.param("s3", marks=pytest.mark.s3)])
async def object_store(request, tmp_path):
    if request.param == "file":
        url = f"file://{tmp_path / 'objects'}"
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        url = f"s3://b-{uuid.uuid4().hex[:12]}?endpoint={endpoint}&secure=false"
    store = await open_object_store(url, SETTINGS)
    yield store
    await store.close()


def meta(**kw) -> ObjectMeta:
    return ObjectMeta(key="", size=0, **kw)


async def test_put_if_absent_stores_once_and_never_overwrites(object_store):
    data = "温州市鹿城区2021年政府信息公开工作年度报告".encode()
    key = f"raw/{version_for(data)}"
    assert await object_store.put_if_absent(key, data, meta()) is True
    assert await object_store.put_if_absent(key, b"other bytes", meta()) is False
    assert await object_store.get(key) == data
    assert await object_store.exists(key) is True


async def test_head_returns_size_and_fetch_metadata(object_store):
    data = b"%PDF-1.7 fake"
    m = meta(
        source_url="http://www.lucheng.gov.cn/art/2022/年报%20附件.pdf",
        content_type="application/pdf",
        fetched_at=1700000000.25,
        etag='W/"5f-abc"',
        last_modified="Mon, 31 Jan 2022 08:00:00 GMT",
    )
    await object_store.put_if_absent("raw/abc123", data, m)
    head = await object_store.head("raw/abc123")
    assert head.key == "raw/abc123"
    assert head.size == len(data)
    assert head.source_url == "http://www.lucheng.gov.cn/art/2022/年报%20附件.pdf"
    assert head.content_type == "application/pdf"
    assert head.fetched_at == 1700000000.25
    assert head.etag == 'W/"5f-abc"'
    assert head.last_modified == "Mon, 31 Jan 2022 08:00:00 GMT"


async def overwrite_behind_the_store(store, key: str, data: bytes) -> None:
    """Bit rot, a bad restore, a hand edit: bytes change without the store knowing."""
    if isinstance(store, FileObjectStore):
        store.path_of(key).write_bytes(data)
    else:
        await asyncio.to_thread(
            store.client.put_object, store.bucket, key, io.BytesIO(data), len(data)
        )


def corrupt_count(store) -> float:
    kind = "file" if isinstance(store, FileObjectStore) else "s3"
    return metrics.OBJECTS_CORRUPT.labels(kind)._value.get()


async def test_a_corrupted_object_is_refused_on_read_and_counted(object_store):
    data = "温州市鹿城区2022年政府信息公开工作年度报告 本年新收申请 12".encode()
    key = f"raw/{version_for(data)}"
    await object_store.put_if_absent(key, data, meta())
    await overwrite_behind_the_store(object_store, key, data.replace(b"12", b"21"))
    before = corrupt_count(object_store)
    with pytest.raises(CorruptObject, match=f"object {key} is corrupt"):
        await object_store.get(key)
    with pytest.raises(CorruptObject):
        [c async for c in object_store.iter_chunks(key, chunk_size=8)]
    assert corrupt_count(object_store) == before + 2


async def test_a_re_fetch_repairs_a_corrupted_object_and_only_with_the_right_bytes(object_store):
    data = b"<html>report 2022</html>"
    key = f"raw/{version_for(data)}"
    await object_store.put_if_absent(key, data, meta())
    await overwrite_behind_the_store(object_store, key, b"<html>rep")  # truncated
    assert await object_store.put_if_absent(key, b"other bytes", meta()) is False
    with pytest.raises(CorruptObject):
        await object_store.get(key)
    assert await object_store.put_if_absent(key, data, meta()) is True  # the re-fetch
    assert await object_store.get(key) == data
    assert await object_store.put_if_absent(key, data, meta()) is False  # intact: left alone


async def test_objects_verify_checks_a_whole_store(object_store, monkeypatch, capsys):
    from nianbao.cli.main import main

    monkeypatch.setenv("NIANBAO_S3_ACCESS_KEY", "testing-key")
    monkeypatch.setenv("NIANBAO_S3_SECRET_KEY", "testing-secret")
    docs = [f"report {i}".encode() for i in range(5)]
    for d in docs:
        await object_store.put_if_absent(f"raw/{version_for(d)}", d, meta())
    bad = f"raw/{version_for(docs[3])}"
    await overwrite_behind_the_store(object_store, bad, b"report 8")
    url = (
        f"file://{object_store.root}"
        if isinstance(object_store, FileObjectStore)
        else f"s3://{object_store.bucket}?endpoint={object_store.endpoint}&secure=false"
    )
    assert await asyncio.to_thread(main, ["objects", "verify", "--store", url, "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["checked"] == 5 and out["corrupt"] == [bad]
    await object_store.put_if_absent(bad, docs[3], meta())
    assert await asyncio.to_thread(main, ["objects", "verify", "--store", url]) == 0
    assert "5 objects checked" in capsys.readouterr().out


async def test_missing_object_has_no_head_and_get_raises_object_missing(object_store):
    assert await object_store.head("raw/nothing") is None
    assert await object_store.exists("raw/nothing") is False
    with pytest.raises(ObjectMissing):
        await object_store.get("raw/nothing")
    with pytest.raises(ObjectMissing):
        [c async for c in object_store.iter_chunks("raw/nothing")]


async def test_streaming_read_returns_the_bytes_in_chunks(object_store):
    data = bytes(range(256)) * 1000
    await object_store.put_if_absent("raw/stream", data, meta())
    chunks = [c async for c in object_store.iter_chunks("raw/stream", chunk_size=10_000)]
    assert b"".join(chunks) == data
    assert max(len(c) for c in chunks) <= 10_000
    assert len(chunks) >= 25


async def test_racing_writers_of_one_key_leave_one_intact_object(object_store):
    data = b"x" * 200_000

    async def writer() -> bool:
        # a transient failure is allowed (moto answers some concurrent PUTs with 500); the pipeline
        # retries it, and so does this writer — what must never happen is a wrong or partial object
        for _ in range(5):
            try:
                return await object_store.put_if_absent("raw/race", data, meta())
            except StoreUnavailable:
                await asyncio.sleep(0.1)
        raise AssertionError("store stayed unavailable")

    results = await asyncio.gather(*(writer() for _ in range(8)))
    assert True in results
    assert await object_store.get("raw/race") == data


async def test_presigned_url_downloads_the_object(object_store):
    await object_store.put_if_absent("raw/link", b"report bytes", meta())
    url = await object_store.presigned_url("raw/link")

    def download() -> bytes:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.read()

    assert await asyncio.to_thread(download) == b"report bytes"


async def test_keys_that_escape_the_namespace_are_refused(object_store):
    for key in ("../etc/passwd", "/abs", "raw/../x", ""):
        with pytest.raises(ValueError):
            await object_store.put_if_absent(key, b"x", meta())


async def test_object_store_ping_succeeds_when_live(object_store):
    await object_store.ping()


# --- search stores -------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def search_store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'index.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    store = await open_search_store(url, SETTINGS, migrate=True)
    yield store
    await store.close()


V2_WARN = Finding(
    rule="V-002",
    severity="warning",
    message="空白单元格",
    cells=["applications.new_received.natural_person"],
    tags=["due_to_blank"],
)


async def test_upsert_of_the_same_version_is_a_noop(search_store):
    assert await search_store.upsert(event()) is True
    assert await search_store.upsert(event()) is False
    assert await search_store.count() == 1


async def test_a_new_version_replaces_the_old_one(search_store):
    await search_store.upsert(event(version="v1", new_received=cell(3), fetched_at=100.0))
    assert (
        await search_store.upsert(event(version="v2", new_received=cell(9), fetched_at=200.0))
        is True
    )
    report = await search_store.get_report("doc-a")
    assert report["version"] == "v2"
    assert report["tables"]["applications"]["new_received"]["total"]["value"] == 9
    assert [v["version"] for v in report["versions"]] == ["v1", "v2"]
    assert await search_store.count() == 1


async def test_a_replayed_older_version_does_not_overwrite_the_newer(search_store):
    await search_store.upsert(event(version="v2", new_received=cell(9), fetched_at=200.0))
    assert (
        await search_store.upsert(event(version="v1", new_received=cell(3), fetched_at=100.0))
        is False
    )
    assert (await search_store.get_report("doc-a"))["version"] == "v2"


async def test_revalidation_by_a_newer_validator_replaces_findings(search_store):
    await search_store.upsert(event(findings=[T3_ERROR], status="invalid"))
    changed = await search_store.upsert(
        event(findings=[V2_WARN], status="warnings", validator_version="v2")
    )
    assert changed is True
    report = await search_store.get_report("doc-a")
    assert report["status"] == "warnings"
    assert [f["rule"] for f in report["findings"]] == ["V-002"]
    assert report["findings"][0]["tags"] == ["due_to_blank"]
    assert await search_store.search(rule="T3-001") == []


async def test_get_report_returns_tables_findings_and_metadata(search_store):
    await search_store.upsert(event(findings=[T3_ERROR], status="invalid"))
    report = await search_store.get_report("doc-a")
    assert report["agency"] == AGENCY and report["year"] == 2021 and report["format"] == "2021"
    assert report["level"] == "county" and report["division_code"] == "330302"
    assert report["fetched_at"] == 1700000000.0
    apps = report["tables"]["applications"]["new_received"]
    assert apps["total"] == {"kind": "number", "raw": "3", "value": 3}
    assert apps["natural_person"] == {"kind": "blank", "raw": ""}
    assert (
        report["tables"]["active_disclosure"]["administrative_fees"]["fee_amount_wan_yuan"]["value"]
        == 0.1
    )
    assert report["findings"] == [
        {
            "rule": "T3-001",
            "severity": "error",
            "message": "总计不等于各项之和",
            "cells": ["applications.results_total.total"],
            "tags": [],
        }
    ]
    assert report["sections"]["overview"]["title"] == "一、总体情况"
    assert await search_store.get_report("nope") is None


async def test_search_matches_two_character_chinese_words(search_store):
    await search_store.upsert(event("doc-a", text="本局加强行政许可信息公开。"))
    await search_store.upsert(event("doc-b", text="行政复议案件同比减少。"))
    hits = await search_store.search("许可")
    assert [h["doc_id"] for h in hits] == ["doc-a"]
    assert "【许可】" in hits[0]["snippet"]
    assert hits[0]["score"] > 0
    assert [h["doc_id"] for h in await search_store.search("行政复议")] == ["doc-b"]
    assert await search_store.search("环境保护") == []


async def test_search_over_a_real_seed_report(search_store, seeds):
    text = seeds["000_bac61c4872424ad3.txt"].decode("utf-8")
    await search_store.upsert(event("seed", text=text))
    await search_store.upsert(event("other", text="无关内容。"))
    hits = await search_store.search("保密审查")
    assert [h["doc_id"] for h in hits] == ["seed"]
    assert "【保密审查】" in hits[0]["snippet"]


async def test_search_filters_by_year_agency_rule_status_and_format(search_store):
    await search_store.upsert(event("a", year=2021, findings=[T3_ERROR], status="invalid"))
    await search_store.upsert(event("b", year=2022, agency="温州市鹿城区人民政府"))
    await search_store.upsert(
        event("c", year=2019, fmt="2019", findings=[V2_WARN], status="warnings")
    )
    ids = lambda rows: sorted(r["doc_id"] for r in rows)  # noqa: E731
    assert ids(await search_store.search(year=2022)) == ["b"]
    assert ids(await search_store.search(agency=AGENCY)) == ["a", "c"]
    assert ids(await search_store.search(agency="温州市鹿城区*")) == ["a", "b", "c"]
    assert ids(await search_store.search(agency="*人民政府")) == ["b"]
    assert ids(await search_store.search(agency="温州")) == []
    assert ids(await search_store.search(rule="T3-001")) == ["a"]
    assert ids(await search_store.search(status="warnings")) == ["c"]
    assert ids(await search_store.search(format="2019")) == ["c"]
    assert ids(await search_store.search("许可", year=2021, status="invalid")) == ["a"]


async def test_search_without_query_lists_newest_years_first_and_pages(search_store):
    for i, year in enumerate((2019, 2023, 2021)):
        await search_store.upsert(event(f"d{i}", year=year))
    assert [r["year"] for r in await search_store.search()] == [2023, 2021, 2019]
    assert [r["year"] for r in await search_store.search(limit=1, offset=1)] == [2021]


async def test_unknown_filter_is_refused(search_store):
    with pytest.raises(ValueError):
        await search_store.search(yaer=2021)


async def test_facets_count_reports_by_year_agency_rule_status(search_store):
    await search_store.upsert(
        event("a", year=2021, findings=[T3_ERROR, T3_ERROR], status="invalid")
    )
    await search_store.upsert(event("b", year=2021, findings=[V2_WARN], status="warnings"))
    await search_store.upsert(event("c", year=2022))
    facets = await search_store.facets()
    assert facets["year"] == {2021: 2, 2022: 1}
    assert facets["agency"] == {AGENCY: 3}
    assert facets["rule"] == {"T3-001": 1, "V-002": 1}
    assert facets["status"] == {"invalid": 1, "valid": 1, "warnings": 1}
    assert (await search_store.facets(year=2022))["year"] == {2022: 1}
    assert (await search_store.facets("许可", rule="V-002"))["status"] == {"warnings": 1}


async def test_sum_cells_adds_numbers_only_and_counts_the_rest(search_store):
    await search_store.upsert(event("a", year=2021, new_received=cell(3)))
    await search_store.upsert(event("b", year=2021, new_received=cell(4)))
    await search_store.upsert(event("c", year=2021, new_received=cell(None, kind="blank", raw="")))
    await search_store.upsert(event("d", year=2022, new_received=cell(10)))
    sums = await search_store.sum_cells("applications", "new_received", "total")
    assert sums == {
        2021: {"sum": 7, "numbers": 2, "reports": 3, "not_numbers": 1},
        2022: {"sum": 10, "numbers": 1, "reports": 1, "not_numbers": 0},
    }
    assert (
        await search_store.sum_cells(
            "applications", "new_received", "total", group_by=None, year=2021
        )
    )["all"]["sum"] == 7
    by_agency = await search_store.sum_cells(
        "applications", "new_received", "total", group_by="agency"
    )
    assert by_agency[AGENCY]["sum"] == 17


async def test_sum_cells_reads_extra_cells_kept_beside_the_format(search_store):
    """A provincial subtotal (an extra cell only) and a 2019 row printed in a 2021 report (kept as
    an extra cell there, a table cell in a 2019 report) are summed under their key."""

    def with_extra(doc: str, extra: dict, **kw) -> object:
        e = event(doc, **kw)
        return msgspec.structs.replace(
            e, report=msgspec.structs.replace(e.report, extra_cells=extra)
        )

    await search_store.upsert(
        with_extra("a", {"applications.subtotal_denied.total": cell(5),
                         "applications.other_handling.total": cell(2)}, year=2021)
    )  # fmt: skip
    await search_store.upsert(
        with_extra("b", {"applications.subtotal_denied.total": cell(None, kind="na_dash", raw="—")},
                   year=2021)
    )  # fmt: skip
    e = event("c", year=2021, fmt="2019")
    tables = dict(e.report.tables)
    tables["applications"] = {**tables["applications"], "other_handling": {"total": cell(7)}}
    await search_store.upsert(
        msgspec.structs.replace(e, report=msgspec.structs.replace(e.report, tables=tables))
    )
    sub = await search_store.sum_cells("applications", "subtotal_denied", "total")
    assert sub == {2021: {"sum": 5, "numbers": 1, "reports": 3, "not_numbers": 2}}
    other = await search_store.sum_cells("applications", "other_handling", "total")
    assert other == {2021: {"sum": 9, "numbers": 2, "reports": 3, "not_numbers": 1}}


async def test_content_fingerprint_changes_with_reports_and_findings_only(search_store):
    """What `nianbao web` compares to reuse its snapshot: the same for an unchanged index (also
    from a new connection), different after a report is added or re-indexed, and after the
    duplicates job swaps one X-* finding for another of the same length."""
    await search_store.upsert(event("a", year=2021))
    await search_store.upsert(event("b", year=2021, findings=[T3_ERROR], status="invalid"))
    first = await search_store.content_fingerprint()
    assert first.startswith("reports 2:") and " findings 1:" in first
    assert await search_store.content_fingerprint() == first
    await search_store.facets("许可")  # a read changes nothing
    assert await search_store.content_fingerprint() == first

    dup = lambda other: Finding(rule="X-001", severity="warning",  # noqa: E731
                                message=f"same text as {other}", cells=[])  # fmt: skip
    await search_store.replace_duplicate_findings(2021, {"a": [dup("b")]})
    with_x = await search_store.content_fingerprint()
    assert with_x != first and " findings 2:" in with_x
    await search_store.replace_duplicate_findings(2021, {"a": [dup("c")]})  # same count, length
    swapped = await search_store.content_fingerprint()
    assert swapped != with_x and " findings 2:" in swapped

    await search_store.upsert(event("a", version="v2", year=2021))  # re-indexed
    reindexed = await search_store.content_fingerprint()
    assert reindexed != swapped and reindexed.startswith("reports 2:")
    await search_store.upsert(event("c", year=2022))
    assert (await search_store.content_fingerprint()).startswith("reports 3:")


async def test_sum_of_money_cells_is_exact_to_the_decimal(search_store):
    await search_store.upsert(event("a", fee=cell(0.1)))
    await search_store.upsert(event("b", fee=cell(0.2)))
    sums = await search_store.sum_cells(
        "active_disclosure", "administrative_fees", "fee_amount_wan_yuan"
    )
    assert sums[2021]["sum"] == 0.3


async def test_sum_cells_refuses_an_unknown_grouping(search_store):
    with pytest.raises(ValueError):
        await search_store.sum_cells("applications", "new_received", "total", group_by="url")


async def test_previous_report_is_the_agency_report_of_the_year_before(search_store):
    await search_store.upsert(event("y2020", year=2020, new_received=cell(5)))
    await search_store.upsert(event("y2021", year=2021, new_received=cell(6)))
    await search_store.upsert(event("other", year=2020, agency="别的机关"))
    prev = await search_store.previous_report(AGENCY, 2021)
    assert isinstance(prev, ParsedReport)
    assert prev.report_year == 2020
    assert prev.tables["applications"]["new_received"]["total"].value == 5
    assert await search_store.previous_report(AGENCY, 2020) is None


async def test_stale_lists_reports_from_other_parser_or_validator_versions(search_store):
    await search_store.upsert(event("a", parser_version="p1", validator_version="v1"))
    await search_store.upsert(event("b", parser_version="p2", validator_version="v1"))
    await search_store.upsert(event("c", parser_version="p2", validator_version="v2"))
    assert await search_store.stale("p2", "v2") == ["a", "b"]
    assert await search_store.stale("p2", "v1") == ["a", "c"]


async def test_search_store_ping_succeeds_when_live(search_store):
    await search_store.ping()


async def test_text_with_nul_characters_is_indexed(search_store):
    await search_store.upsert(
        event(text="行政\x00许可", new_received=cell(None, kind="text", raw="无\x00"))
    )
    assert [h["doc_id"] for h in await search_store.search("许可")] == ["doc-a"]


async def test_short_doc_id_prefixes_resolve_to_full_ids(search_store):
    await search_store.upsert(event("abc123"))
    await search_store.upsert(event("abd456"))
    assert await search_store.resolve("abc") == ["abc123"]
    assert await search_store.resolve("ab") == ["abc123", "abd456"]
    assert await search_store.resolve("zz") == []


async def test_bulk_upsert_reports_each_change_like_single_upserts(search_store):
    await search_store.upsert(event("old", version="v1"))
    batch = [
        event("old", version="v1"),  # already there: no-op
        event("new1", new_received=cell(1)),
        event("new2", version="v1", new_received=cell(2), fetched_at=100.0),
        event("new2", version="v2", new_received=cell(20), fetched_at=200.0),  # same doc, newer
    ]
    assert await search_store.upsert_many(batch) == [False, True, True, True]
    assert await search_store.count() == 3
    report = await search_store.get_report("new2")
    assert report["version"] == "v2"
    assert report["tables"]["applications"]["new_received"]["total"]["value"] == 20
    sums = await search_store.sum_cells("applications", "new_received", "total", group_by=None)
    assert sums["all"]["sum"] == 3 + 1 + 20


@pytest.mark.s3
async def test_s3_credentials_never_appear_in_repr_or_errors(s3_endpoint):
    store = await open_object_store(
        f"s3://creds-{uuid.uuid4().hex[:8]}?endpoint={s3_endpoint}&secure=false", SETTINGS
    )
    try:
        assert "testing-secret" not in repr(store) and "testing-key" not in repr(store)
        with pytest.raises(ObjectMissing) as err:
            await store.get("raw/absent")
        assert "testing-secret" not in str(err.value)
    finally:
        await store.close()


@pytest.mark.s3
async def test_s3_large_objects_go_up_in_parts_and_read_back_whole(s3_endpoint, monkeypatch):
    from shared.storage import s3

    monkeypatch.setattr(s3, "PART_SIZE", 5 * 1024 * 1024)  # S3's smallest part: 3 parts below
    store = await open_object_store(
        f"s3://big-{uuid.uuid4().hex[:8]}?endpoint={s3_endpoint}&secure=false", SETTINGS
    )
    data = bytes(range(256)) * (11 * 4096)  # 11 MiB
    try:
        assert (
            await store.put_if_absent("raw/big", data, meta(content_type="application/pdf")) is True
        )
        head = await store.head("raw/big")
        assert head.size == len(data) and head.content_type == "application/pdf"
        stat = await asyncio.to_thread(store.client.stat_object, store.bucket, "raw/big")
        assert stat.etag.endswith("-3")  # a multipart upload's ETag names its part count
        got = b"".join([c async for c in store.iter_chunks("raw/big", chunk_size=1 << 20)])
        assert got == data
    finally:
        await store.close()


async def test_group_by_agency_counts_the_agency_that_wrote_the_report(search_store):
    """The portal registry names one agency (the portal); its departments' reports are grouped
    under the agencies their titles name."""
    import msgspec

    for doc, name in (("d1", "甲县教育局"), ("d2", "甲县财政局"), ("d3", "甲县财政局")):
        e = event(doc, agency=name)
        e = msgspec.structs.replace(
            e, fetched=msgspec.structs.replace(e.fetched, agency="甲县人民政府")
        )
        await search_store.upsert(e)
    sums = await search_store.sum_cells("applications", "new_received", "total", group_by="agency")
    assert {k: v["reports"] for k, v in sums.items()} == {"甲县教育局": 1, "甲县财政局": 2}
    facets = await search_store.facets("")
    assert facets["agency"] == {"甲县财政局": 2, "甲县教育局": 1}


async def test_dead_links_keep_the_first_time_they_were_dead_and_clear_when_alive(search_store):
    link = {
        "url": "http://x.gov.cn/nb/t20240120_1.html",
        "portal": "x",
        "status": 404,
        "title": "某县2023年政府信息公开工作年度报告",
        "report_year": 2023,
        "since": 1000.0,
        "last_checked": 1000.0,
    }
    await search_store.put_dead_link(link)
    await search_store.put_dead_link(
        {**link, "status": 410, "since": 5000.0, "last_checked": 5000.0}
    )
    [row] = await search_store.dead_links("x")
    assert (row["status"], row["since"], row["last_checked"], row["report_year"]) == (
        410,
        1000.0,
        5000.0,
        2023,
    )
    assert await search_store.dead_links("other") == []
    await search_store.clear_dead_link(link["url"])
    assert await search_store.dead_links() == []


async def test_portal_coverage_is_the_last_crawls_declared_and_reached(search_store):
    await search_store.put_coverage(
        {"portal": "x", "declared": 20, "reached": 10, "unit": "documents", "checked_at": 1.0}
    )
    await search_store.put_coverage(
        {"portal": "x", "declared": 20, "reached": 20, "unit": "documents", "checked_at": 2.0}
    )
    await search_store.put_coverage(
        {"portal": "y", "declared": None, "reached": 3, "unit": "documents", "checked_at": 2.0}
    )
    got = await search_store.coverage()
    assert {p: (r["declared"], r["reached"], r["checked_at"]) for p, r in got.items()} == {
        "x": (20, 20, 2.0),
        "y": (None, 3, 2.0),
    }


# --- crawl facts (services/indexer/facts.py writes them, `nianbao missing` reads them) -----------
DEAD_URL = "http://eco.example.gov.cn/zwgk/2024/t20240120_1.html"


def dead(at: float, since: float | None = None, status: int = 404) -> CrawlFact:
    return CrawlFact(
        kind="link_dead", portal="eco", checked_at=at, url=DEAD_URL, status=status,
        since=since or at, title="某局2023年年报", report_year=2023,
    )  # fmt: skip


def alive(at: float) -> CrawlFact:
    return CrawlFact(kind="link_alive", portal="eco", checked_at=at, url=DEAD_URL)


async def dead_rows(store) -> list[tuple]:
    return [
        (r["url"], r["status"], r["since"], r["last_checked"], r["report_year"])
        for r in await store.dead_links()
    ]


async def test_a_dead_link_fact_twice_is_one_row_that_keeps_its_first_since(search_store):
    await apply_fact(search_store, dead(1000.0))
    await apply_fact(search_store, dead(1000.0))  # redelivered
    await apply_fact(search_store, dead(2000.0, since=1000.0, status=410))  # next crawl
    assert await dead_rows(search_store) == [(DEAD_URL, 410, 1000.0, 2000.0, 2023)]
    assert await search_store.dead_links(portal="other") == []


async def test_a_link_that_answers_again_is_no_longer_dead_and_an_older_dead_fact_cannot_revive_it(
    search_store,
):
    await apply_fact(search_store, dead(1000.0))
    await apply_fact(search_store, alive(3000.0))
    assert await dead_rows(search_store) == []
    await apply_fact(search_store, dead(2000.0))  # from before it answered, arriving late
    assert await dead_rows(search_store) == []
    await apply_fact(search_store, dead(4000.0))  # dead again: a new dead period
    assert await dead_rows(search_store) == [(DEAD_URL, 404, 4000.0, 4000.0, 2023)]


async def test_an_alive_fact_older_than_the_dead_one_clears_nothing(search_store):
    await apply_fact(search_store, alive(500.0))  # reordered: the alive fact came first
    await apply_fact(search_store, dead(1000.0))
    await apply_fact(search_store, alive(900.0))
    assert await dead_rows(search_store) == [(DEAD_URL, 404, 1000.0, 1000.0, 2023)]


async def test_coverage_keeps_the_newest_crawl_and_an_older_fact_changes_nothing(search_store):
    def cov(at: float, declared: int | None, reached: int) -> CrawlFact:
        return CrawlFact(
            kind="coverage", portal="eco", checked_at=at, declared=declared, reached=reached,
            unit="documents",
        )  # fmt: skip

    await apply_fact(search_store, cov(1000.0, 20, 10))
    await apply_fact(search_store, cov(3000.0, None, 12))
    await apply_fact(search_store, cov(2000.0, 20, 20))  # late
    row = (await search_store.coverage())["eco"]
    assert (row["declared"], row["reached"], row["unit"], row["checked_at"]) == (
        None, 12, "documents", 3000.0,
    )  # fmt: skip


@pytest.mark.parametrize(
    "fact",
    [
        CrawlFact(kind="link_gone", portal="eco", checked_at=1.0, url=DEAD_URL),
        CrawlFact(kind="link_dead", portal="eco", checked_at=1.0, url=DEAD_URL, status=500),
        CrawlFact(kind="link_dead", portal="eco", checked_at=1.0, status=404),
        CrawlFact(kind="coverage", portal="eco", checked_at=1.0),
        CrawlFact(kind="link_alive", portal="", checked_at=1.0, url=DEAD_URL),
    ],
)
async def test_a_malformed_fact_is_refused_before_anything_is_written(search_store, fact):
    with pytest.raises(BadFact):
        await apply_fact(search_store, fact)
    assert await search_store.dead_links() == [] and await search_store.coverage() == {}
