"""services/fetcher/registry.py: portals.toml validated on load with every problem named."""

from __future__ import annotations

import pytest

from services.fetcher.registry import Portal, RegistryError, load_registry, parse_registry, to_toml
from shared.config import load

GOOD = """
[[portal]]
id = "bj-dongcheng"
name = "北京市东城区人民政府"
division_code = "110101"
level = "county"
kind = "government"
list_urls = ["https://www.bjdch.gov.cn/zwgk/zfxxgk/zfxxgknb/index.html"]

[[portal]]
id = "sample-copy"
name = "示例县人民政府"
list_urls = ["{sample}/zwgk/zfxxgk/zfxxgknb/index.html"]
"""


def test_without_a_registry_file_the_sample_portal_is_the_default():
    registry = load_registry(None, load(env={}, sample_portal_url="http://127.0.0.1:8123/"))
    assert [p.id for p in registry] == ["sample"]
    assert registry.get("sample").list_urls == [
        "http://127.0.0.1:8123/zwgk/zfxxgk/zfxxgknb/index.html"
    ]


def test_a_valid_file_loads_with_defaults_and_the_sample_placeholder_expanded(tmp_path):
    path = tmp_path / "portals.toml"
    path.write_text(GOOD, encoding="utf-8")
    registry = load_registry(path, load(env={}, sample_portal_url="http://127.0.0.1:9"))
    assert registry.get("bj-dongcheng").division_code == "110101"
    assert registry.get("bj-dongcheng").recrawl_hours == 24.0
    assert registry.get("sample-copy").list_urls == [
        "http://127.0.0.1:9/zwgk/zfxxgk/zfxxgknb/index.html"
    ]


def test_every_problem_is_reported_at_once_with_portal_and_field():
    data = {
        "portal": [
            {"id": "ok", "name": "甲", "list_urls": ["http://a.gov.cn/"]},
            {
                "id": "bad id",
                "name": "",
                "list_urls": ["ftp://x"],
                "level": "city",
                "division_code": "12",
                "link_pattern": "(",
            },
            {"id": "ok", "name": "乙", "list_urls": ["http://b.gov.cn/"]},
        ]
    }
    with pytest.raises(RegistryError) as err:
        parse_registry(data, source="portals.toml")
    text = str(err.value)
    assert text.startswith("portals.toml: ")
    for expected in (
        "portal #2 (id='bad id'): id 'bad id'",
        "name is empty",
        "list_urls[0] 'ftp://x'",
        "level 'city'",
        "division_code '12'",
        "link_pattern is not a valid regex",
        "portal #3 (id='ok'): duplicate id 'ok'",
    ):
        assert expected in text
    assert len(err.value.problems) == 7


def test_unknown_fields_and_wrong_types_are_errors_not_ignored():
    with pytest.raises(RegistryError, match="list_url"):
        parse_registry({"portal": [{"id": "a", "name": "甲", "list_url": "http://a.gov.cn/"}]})
    with pytest.raises(RegistryError, match="max_pages"):
        parse_registry(
            {
                "portal": [
                    {
                        "id": "a",
                        "name": "甲",
                        "list_urls": ["http://a.gov.cn/"],
                        "max_pages": "many",
                    }
                ]
            }
        )


def test_a_missing_or_broken_file_is_a_clear_error(tmp_path):
    with pytest.raises(RegistryError, match="file not found"):
        load_registry(tmp_path / "nope.toml")
    (tmp_path / "bad.toml").write_text("[[portal]\nid=", encoding="utf-8")
    with pytest.raises(RegistryError, match="not valid TOML"):
        load_registry(tmp_path / "bad.toml")
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    with pytest.raises(RegistryError, match="no \\[\\[portal\\]\\] entries"):
        load_registry(tmp_path / "empty.toml")


def test_to_toml_round_trips_an_entry_with_chinese_and_quotes(tmp_path):
    portal = Portal(
        id="x",
        name='某"局"',
        list_urls=["http://x.gov.cn/a?b=1"],
        kind="department",
        link_pattern=r"^http://x\.gov\.cn/nb/",
    )
    path = tmp_path / "p.toml"
    path.write_text(to_toml(portal), encoding="utf-8")
    assert load_registry(path).get("x") == portal
