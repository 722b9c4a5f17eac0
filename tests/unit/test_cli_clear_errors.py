"""Issue #18 item 6: each of these once ended in a traceback (or a hang); now one clear line."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from nianbao.cli.main import main
from nianbao.terminal import escape
from services.parser import parse
from shared.config import load
from shared.errors import BadSetting, NotAReport


def test_parse_dev_zero_stops_at_the_cap_instead_of_reading_forever(capsys):
    assert main(["parse", "/dev/zero"]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err
        == "nianbao parse: /dev/zero: more than 67,108,864 bytes (limit 67,108,864); stopped reading"
    )


def test_a_file_far_over_the_cap_is_refused_by_its_size_before_it_is_read(tmp_path, capsys):
    big = tmp_path / "big.pdf"
    with big.open("wb") as f:
        f.truncate(8 << 30)  # sparse: 8 GiB stated, nothing written
    assert main(["parse", str(big)]) == 2
    assert (
        capsys.readouterr()
        .err.strip()
        .endswith("file is 8,589,934,592 bytes (limit 67,108,864); not read")
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["search", "--year", "99999999999999999999", "x"],
            "year 99999999999999999999 is outside 2000–2100",
        ),
        (["search", "--limit", "-5", "x"], "argument --limit: -5 is outside 1–100,000"),
        (["search", "--offset", "-1", "x"], "argument --offset: -1 is outside 0–1,000,000,000"),
        (["missing", "--year", "-3"], "argument --year: year -3 is outside 2000–2100"),
        (["search", "--year", "二〇二一", "x"], "invalid int value: '二〇二一'"),
    ],
)
def test_huge_or_negative_numbers_are_usage_errors(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err.splitlines()[-1] and "Traceback" not in err


def test_portals_add_refuses_a_file_url(capsys, tmp_path):
    assert main(["portals", "add", "--dry-run", "file:///etc/passwd"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nianbao portals add: file:///etc/passwd is not an http(s) URL")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"NIANBAO_LAG_INTERVAL_S": "0"},
            "NIANBAO_LAG_INTERVAL_S='0' is not valid: Expected `float` > 0.0",
        ),
        (
            {"NIANBAO_MAX_DELIVER": "abc"},
            "NIANBAO_MAX_DELIVER='abc' is not valid: Expected `int`, got `str`",
        ),
        ({"NIANBAO_MAX_DELIVER": "0"}, "NIANBAO_MAX_DELIVER='0' is not valid: Expected `int` >= 1"),
        ({"NIANBAO_NAK_DELAYS_S": "1,-2"}, "NIANBAO_NAK_DELAYS_S='1,-2' is not valid"),
        ({"NIANBAO_HTTP_PORT": "70000"}, "NIANBAO_HTTP_PORT='70000' is not valid"),
        ({"NIANBAO_LOG_LEVEL": "LOUD"}, "NIANBAO_LOG_LEVEL='LOUD' is not valid"),
        ({"NIANBAO_SEARCH_MIGRATE": "perhaps"}, "NIANBAO_SEARCH_MIGRATE='perhaps' is not valid"),
    ],
)
def test_wrong_typed_or_nonsense_settings_are_refused_naming_the_setting(env, message):
    with pytest.raises(BadSetting) as caught:
        load(env=env)
    assert str(caught.value).startswith(message)


def test_a_bad_setting_is_one_line_from_any_command(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "nianbao.cli.main", "search", "许可"],
        capture_output=True,
        text=True,
        env={**os.environ, "NIANBAO_LAG_INTERVAL_S": "0", "NIANBAO_DATA_DIR": str(tmp_path)},
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "nianbao search: NIANBAO_LAG_INTERVAL_S='0' is not valid: Expected `float` > 0.0"
    )


def test_the_defaults_and_the_test_suites_values_are_still_valid():
    settings = load(env={}, min_delay_s=0.0, dlq_interval_s=0, http_port=0, nak_delays_s=[0.1])
    assert settings.lag_interval_s == 5.0 and settings.dlq_interval_s == 0


def test_control_characters_are_made_visible_before_a_terminal():
    title = "年报\x1b[2J\x1b]0;pwned\x07\r\u202eevil\tok\n"
    assert escape(title) == "年报\\x1b[2J\\x1b]0;pwned\\x07\\x0d\\u202eevil\tok\n"
    assert escape("温州市鹿城区 2021 年报") == "温州市鹿城区 2021 年报"


def test_a_file_name_with_an_escape_sequence_is_escaped_in_the_error(tmp_path, capsys):
    name = tmp_path / "a\x1b[2Jb.txt"
    name.write_bytes(b"")
    assert main(["parse", str(name)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "a\\x1b[2Jb.txt" in err


def test_a_one_page_pdf_saying_hello_is_not_a_report():
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.drawString(100, 700, "hello")
    c.showPage()
    c.save()
    with pytest.raises(NotAReport, match="no national report table"):
        parse(buf.getvalue())
