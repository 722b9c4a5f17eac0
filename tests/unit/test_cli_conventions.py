"""The conventions every `nianbao` command keeps (nianbao/cli/main.py): help on every option,
the same flag names everywhere, --json on every read command, usage errors on stderr, exit 130
after Ctrl-C, shell completion, and a warning for NIANBAO_* variables that name no setting."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from nianbao.cli.main import COMMANDS, full_parser, main, warn_unknown_settings


def _walk(parser: argparse.ArgumentParser, path: str = "nianbao"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _walk(sub, f"{path} {name}")
        else:
            yield path, action


def _options(path_prefix: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path, action in _walk(full_parser()):
        if path.startswith(path_prefix):
            out.setdefault(path, set()).update(action.option_strings)
    return out


def test_every_option_and_argument_of_every_command_has_a_help_text():
    missing = [
        f"{path} {'/'.join(a.option_strings) or a.dest}"
        for path, a in _walk(full_parser())
        if not isinstance(a, argparse._HelpAction) and not (a.help and a.help.strip())
    ]
    assert missing == []


def test_the_state_directory_and_the_registry_file_have_one_name_everywhere():
    options = _options("nianbao")
    for path, flags in options.items():
        assert "--data" not in flags and "--state-dir" not in flags, path
        assert "--registry" not in flags, path
    for command in ("run", "portals list", "missing"):
        assert "--portals" in options[f"nianbao {command}"], command
    for command in ("run", "dlq", "replay", "reprocess", "topology", "serve", "search", "migrate"):
        assert "--data-dir" in options[f"nianbao {command}"], command
    for command in ("dlq", "replay", "reprocess", "topology", "serve", "missing"):
        assert "--nats-url" in options[f"nianbao {command}"], command


@pytest.mark.parametrize(
    "command",
    [
        "search", "report", "missing", "dlq", "replay", "reprocess", "portals list",
        "portals check", "topology", "migrate", "run",
    ],
)  # fmt: skip
def test_every_command_that_reads_something_offers_json(command):
    assert "--json" in _options("nianbao")[f"nianbao {command}"]


def test_a_usage_error_goes_to_stderr_with_exit_2(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["search", "--limit", "many"])
    out, err = capsys.readouterr()
    assert exited.value.code == 2 and out == ""
    assert "invalid int value: 'many'" in err
    assert main([]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "usage: nianbao" in err


def test_ctrl_c_exits_130(monkeypatch, capsys):
    import nianbao.cli.report_cmd as report_cmd

    def interrupted(_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(report_cmd, "run", interrupted)
    assert main(["report", "abc"]) == 130
    assert capsys.readouterr().err == "nianbao: interrupted\n"


def test_an_unknown_nianbao_variable_is_warned_about_with_the_nearest_setting():
    lines = warn_unknown_settings(
        {"NIANBAO_NATSURL": "x", "NIANBAO_DATA_DIR": "d", "NIANBAO_ZZZ": "1", "HOME": "/"},
        out=open("/dev/null", "w"),  # noqa: SIM115 - closed with the process
    )
    assert lines == [
        "nianbao: warning: NIANBAO_NATSURL is not a nianbao setting"
        " (did you mean NIANBAO_NATS_URL?); it is ignored",
        "nianbao: warning: NIANBAO_ZZZ is not a nianbao setting; it is ignored",
    ]


def test_bash_completion_knows_every_command_and_their_options(tmp_path):
    script = subprocess.run(
        [sys.executable, "-m", "nianbao.cli.main", "completion", "bash"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    for command in COMMANDS:
        assert command in script
    assert "--nats-url" in script and "--fail-on" in script
    path = tmp_path / "nianbao.bash"
    path.write_text(script)
    # bash itself accepts the script and registers the completion
    checked = subprocess.run(
        ["bash", "-c", f"source {path} && complete -p nianbao"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert "nianbao" in checked.stdout


def test_portals_list_json_is_the_registry_and_the_old_file_flag_still_works(capsys, tmp_path):
    registry = tmp_path / "portals.toml"
    registry.write_text(
        '[[portal]]\nid = "bj-dongcheng"\nname = "北京市东城区人民政府"\n'
        'list_urls = ["https://www.bjdch.gov.cn/zwgk/nb/index.html"]\n',
        encoding="utf-8",
    )
    assert main(["portals", "list", "--json", "--portals", str(registry)]) == 0
    (portal,) = __import__("json").loads(capsys.readouterr().out)
    assert (portal["id"], portal["name"]) == ("bj-dongcheng", "北京市东城区人民政府")
    assert main(["portals", "--file", str(registry), "list", "--json"]) == 0
    assert "bj-dongcheng" in capsys.readouterr().out


def test_migrate_check_json_says_sqlite_needs_no_migrations(capsys, tmp_path):
    import json

    assert main(["migrate", "--check", "--json", "--data-dir", str(tmp_path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["migrations"] is False and "index.db" in result["store"]


def test_version_names_the_package_parser_validator_and_schema_versions(capsys):
    from shared.versions import INDEX_SCHEMA_VERSION, PARSER_VERSION, VALIDATOR_VERSION

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    line = capsys.readouterr().out.strip()
    assert exited.value.code == 0
    assert line.startswith("nianbao ")
    assert (
        f"(parser {PARSER_VERSION}, validator {VALIDATOR_VERSION},"
        f" index schema {INDEX_SCHEMA_VERSION})"
    ) in line


def test_the_build_info_metric_carries_the_same_versions():
    from prometheus_client import REGISTRY, generate_latest

    import shared.metrics  # noqa: F401 - sets the gauge on import
    from shared.versions import PARSER_VERSION, VALIDATOR_VERSION

    text = generate_latest(REGISTRY).decode()
    (line,) = [x for x in text.splitlines() if x.startswith("nianbao_build_info{")]
    assert f'parser="{PARSER_VERSION}"' in line and f'validator="{VALIDATOR_VERSION}"' in line
    assert line.endswith(" 1.0")
