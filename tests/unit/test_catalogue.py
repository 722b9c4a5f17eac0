"""nianbao/catalogue.py and `nianbao rules` / `nianbao cells`: names users type are checked."""

import json

import pytest

from nianbao.catalogue import UnknownName, cells, check_cell, check_rule, check_severity, rules
from nianbao.cli.main import main
from services.validator.rules import RULES


def test_every_rule_has_a_severity_and_an_english_and_chinese_title():
    listed = rules()
    assert [r["id"] for r in listed] == list(RULES)
    t3 = next(r for r in listed if r["id"] == "T3-001")
    assert t3 == {"id": "T3-001", "family": "T3", "severity": "error",
                  "title": "column identity: new + carried over = results total + carried to next year",
                  "title_zh": "勾稽关系不成立：第一项加第二项之和不等于第三项加第四项之和"}  # fmt: skip
    assert all(r["title"] and r["title_zh"] for r in listed)


def test_a_family_and_a_severity_narrow_the_rules():
    assert [r["id"] for r in rules(pattern="T4-*")] == [f"T4-00{i}" for i in range(1, 6)]
    assert {r["severity"] for r in rules(severity="info")} == {"info"}


def test_unknown_rule_ids_are_errors_with_a_did_you_mean():
    assert check_rule("t3-001") == "T3-001"
    assert check_rule("T3-*") == "T3-*"
    with pytest.raises(UnknownName, match="did you mean T3-001"):
        check_rule("T3-01")
    with pytest.raises(UnknownName, match="unknown rule 'Q9-\\*'"):
        check_rule("Q9-*")
    with pytest.raises(UnknownName, match="did you mean error"):
        check_severity("errors")


def test_cells_of_both_formats_are_listed_with_their_chinese_labels():
    listed = {c["key"]: c for c in cells()}
    total = listed["applications.new_received.total"]
    assert (total["label_zh"], total["formats"]) == (
        "本年新收政府信息公开申请数量 / 总计",
        ["2021", "2019"],
    )
    assert listed["applications.other_handling.total"]["formats"] == ["2019"]
    assert all(
        c["formats"] == ["2021"]
        for c in cells(fmt="2021")
        if c["key"].endswith("other_handling.total")
    )
    with pytest.raises(UnknownName, match="did you mean applications.new_received.total"):
        check_cell("applications.new_recieved.total")


def test_rules_and_cells_commands_print_json(capsys):
    assert main(["rules", "T3-*", "--json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)][:2] == ["T3-001", "T3-002"]
    assert main(["cells", "--table", "review_litigation", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 15
    assert main(["rules", "T9-001"]) == 2
    assert "unknown rule" in capsys.readouterr().err


def test_search_refuses_an_unknown_rule_or_cell_instead_of_answering_zero(capsys, tmp_path):
    assert main(["search", "--rule", "T3-01", "--data-dir", str(tmp_path)]) == 2
    assert "did you mean T3-001" in capsys.readouterr().err
    assert (
        main(["search", "--sum", "applications.new_recieved.total", "--data-dir", str(tmp_path)])
        == 2
    )
    assert "did you mean applications.new_received.total" in capsys.readouterr().err
    assert not (tmp_path / "index.db").exists()


def test_every_extra_cell_the_parser_emits_is_a_known_cell():
    """The provincial T3 variant's subtotal rows and 法人或其他组织小计 column come out as extra
    cells; `--sum` must accept each of their keys (the catalogue is the schema's)."""
    from services.parser.api import parse
    from tests.findings_corpus.builder import base
    from tests.findings_corpus.classes import provincial_t3

    got = parse(provincial_t3(base("2021", 61)).encode(), content_type="text/html")
    assert "applications.subtotal_denied.total" in got.extra_cells
    assert len(got.extra_cells) > 20
    for key in got.extra_cells:
        assert check_cell(key) == key


def test_extra_cells_are_listed_apart_and_a_typo_in_one_still_gets_a_did_you_mean():
    assert check_cell("applications.subtotal_unable.total") == "applications.subtotal_unable.total"
    assert check_cell("applications.granted.legal_person_subtotal")
    listed = {c["key"]: c for c in cells(extra=True)}
    sub = listed["applications.subtotal_denied.legal_person_subtotal"]
    assert (sub["label_zh"], sub["formats"], sub["extra"]) == (
        "不予公开小计 / 法人或其他组织小计",
        [],
        True,
    )
    assert "applications.subtotal_denied.total" not in {c["key"] for c in cells()}
    with pytest.raises(UnknownName, match="did you mean applications.subtotal_denied.total"):
        check_cell("applications.subtotal_denid.total")
    with pytest.raises(UnknownName, match="unknown cell 'applications.granted.subtotal'"):
        check_cell("applications.granted.subtotal")


def test_search_sum_accepts_an_extra_cell_key(capsys, tmp_path):
    assert (
        main(["search", "--sum", "applications.subtotal_denied.total", "--json",
              "--data-dir", str(tmp_path)])
        == 0
    )  # fmt: skip
    assert json.loads(capsys.readouterr().out) == {}
    assert main(["cells", "--extra", "--json"]) == 0
    keys = [c["key"] for c in json.loads(capsys.readouterr().out)]
    assert "applications.subtotal_other.total" in keys and "applications.granted.total" in keys
