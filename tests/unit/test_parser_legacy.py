"""Legacy formats go through LibreOffice; without it the error names the missing binary."""

from __future__ import annotations

import os
import shutil
import stat

import pytest

from nianbao.samples.render import render_docx
from nianbao.samples.synth import synth_report
from services.parser.extract import Limits, extract
from services.parser.extract.legacy import convert, find_converter
from shared.errors import MissingConverter, UnreadableDocument

RTF = (
    rb"{\rtf1\ansi\ansicpg936 {\fonttbl{\f0 SimSun;}} \f0 2021\'c4\'ea\'b6\'c8\'b1\'a8\'b8\'e6\par}"
)


def test_without_libreoffice_the_error_names_soffice(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MissingConverter, match="soffice") as err:
        extract(RTF)
    assert err.value.reason == "missing_converter"


def _fake_soffice(tmp_path, script: str) -> None:
    """A stand-in for LibreOffice's CLI: the conversion itself is not what these tests check."""
    path = tmp_path / "soffice"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_converted_docx_is_extracted_and_the_kind_stays_legacy(monkeypatch, tmp_path):
    converted = tmp_path / "converted.docx"
    converted.write_bytes(render_docx(synth_report("2021", 2)))
    # --outdir DIR SRC: copy the prepared DOCX where LibreOffice would write it
    _fake_soffice(
        tmp_path, f'while [ "$1" != "--outdir" ]; do shift; done; cp {converted} "$2/input.docx"\n'
    )
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    doc = extract(RTF)
    assert doc.kind == "rtf" and "converted from rtf with LibreOffice" in doc.notes
    assert any(getattr(b, "rows", None) for b in doc.blocks)


def test_failed_conversion_reports_the_exit_status(monkeypatch, tmp_path):
    _fake_soffice(tmp_path, "echo 'Error: source file could not be loaded' >&2\nexit 1\n")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(UnreadableDocument, match="exit 1.*could not be loaded"):
        extract(RTF)


def test_hanging_conversion_times_out(monkeypatch, tmp_path):
    _fake_soffice(tmp_path, "exec sleep 30\n")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(UnreadableDocument, match="within 1 s"):
        extract(RTF, limits=Limits(convert_timeout_s=1))


@pytest.mark.skipif(find_converter() is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.slow
def test_real_libreoffice_converts_rtf():
    data = convert(RTF, "rtf", 120)
    assert data.startswith(b"PK")
    assert shutil.which("soffice") or shutil.which("libreoffice")
