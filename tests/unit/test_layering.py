"""The architecture's layering holds: import-linter's contracts in pyproject.toml are kept, and
they are strict enough to catch an upward import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_layering_contracts_are_kept():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def _copy(tmp_path: Path) -> Path:
    for pkg in ("nianbao", "services", "shared"):
        shutil.copytree(ROOT / pkg, tmp_path / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_library_importing_a_service_breaks_the_layers_contract(tmp_path):
    root = _copy(tmp_path)
    with (root / "shared" / "versions.py").open("a") as f:
        f.write("\nfrom services.parser import api  # noqa\n")
    result = _lint(root)
    assert result.returncode == 1
    assert "nianbao (the product) above services above shared (the library) BROKEN" in result.stdout


def test_one_service_importing_another_breaks_the_independence_contract(tmp_path):
    root = _copy(tmp_path)
    with (root / "services" / "indexer" / "handlers.py").open("a") as f:
        f.write("\nfrom services.validator import rules  # noqa\n")
    result = _lint(root)
    assert result.returncode == 1
    assert "a service never imports another service BROKEN" in result.stdout
