"""The production image (Dockerfile, read as text: no Docker engine here) carries what the code
needs at run time in the stage the pods run, and what the package build needs in the build stage."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from services.parser.extract import legacy

ROOT = Path(__file__).resolve().parents[2]
# The Debian package whose soffice converts to each target format of services/parser/extract/legacy.py
CONVERTER_PACKAGE = {"docx": "libreoffice-writer-nogui", "xlsx": "libreoffice-calc-nogui"}


def _stages() -> list[str]:
    """The Dockerfile's stages, in order; the last is the image `docker build` makes."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", text)  # join continuation lines
    return re.split(r"^FROM ", text, flags=re.M)[1:]


def _apt_installed(stage: str) -> set[str]:
    packages: set[str] = set()
    for command in re.findall(r"apt-get install ([^&\n]+)", stage):
        packages |= {word for word in command.split() if not word.startswith("-")}
    return packages


def test_the_image_pods_run_installs_libreoffice_for_every_legacy_format_the_parser_converts():
    final = _stages()[-1]
    assert 'ENTRYPOINT ["nianbao"]' in final
    needed = {CONVERTER_PACKAGE[target] for target in legacy._TARGET.values()}  # noqa: SLF001
    assert needed == {"libreoffice-writer-nogui", "libreoffice-calc-nogui"}
    assert needed <= _apt_installed(final)


def test_the_parser_pod_runs_that_image():
    docs = yaml.safe_load_all((ROOT / "deploy/k8s/base/parser.yaml").read_text(encoding="utf-8"))
    (parser,) = [d for d in docs if d and d["kind"] == "Deployment"]
    (container,) = [
        c for c in parser["spec"]["template"]["spec"]["containers"] if c["name"] == "parser"
    ]
    assert container["image"].startswith("ghcr.io/nianbao/nianbao:")
    assert container["command"] == ["nianbao", "serve", "parser"]


def test_the_build_stage_copies_the_licence_files_the_package_build_requires():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    copied = {
        name
        for line in re.findall(r"^COPY (?!--from)(.+) \S+$", _stages()[0], re.M)
        for name in line.split()
    }
    assert set(project["license-files"]) <= copied


def test_the_image_pods_run_installs_the_chromium_the_fetcher_renders_script_only_columns_with():
    from shared.config import Settings

    assert Settings().chromium_path == "chromium"  # Debian's package puts it on PATH
    assert "chromium" in _apt_installed(_stages()[-1])
