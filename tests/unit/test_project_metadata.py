"""pyproject.toml's licence is an SPDX expression (PEP 639) matching the LICENSE file shipped."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.licenses import canonicalize_license_expression
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_licence_is_a_canonical_spdx_expression():
    licence = PYPROJECT["project"]["license"]
    assert isinstance(licence, str), "license = { text = … } is deprecated: use an SPDX string"
    assert canonicalize_license_expression(licence) == licence == "Apache-2.0"


def test_the_build_backend_understands_spdx_licence_strings():
    # setuptools reads `license = "SPDX"` and `license-files` from version 77 on
    (setuptools,) = [
        Requirement(r) for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools")
    ]
    assert setuptools.specifier.contains("77") and not setuptools.specifier.contains("76.9")


def test_the_licence_files_are_the_apache_license_2_0_text():
    files = PYPROJECT["project"]["license-files"]
    assert files == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert re.search(r"Apache License\s+Version 2\.0, January 2004", text)
    assert "END OF TERMS AND CONDITIONS" in text
