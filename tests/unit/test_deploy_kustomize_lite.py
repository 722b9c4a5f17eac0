"""deploy/tools/kustomize_lite.py renders what kustomize would for the features deploy/k8s uses,
and refuses what it does not implement rather than ignoring it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "deploy_kustomize_lite", ROOT / "deploy/tools/kustomize_lite.py"
)
kl = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = kl
_spec.loader.exec_module(kl)

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"tier": "app"}},
    "spec": {
        "template": {
            "spec": {
                "containers": [
                    {
                        "name": "web",
                        "image": "ghcr.io/x/web:1.0",
                        "env": [{"name": "A", "value": "1"}],
                    },
                    {"name": "side", "image": "busybox:1"},
                ]
            }
        }
    },
}


def _write(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        yaml.safe_dump_all(data)
        if isinstance(data, list) and data and isinstance(data[0], dict) and "kind" in data[0]
        else yaml.safe_dump(data)
    )


@pytest.fixture
def base(tmp_path) -> Path:
    _write(
        tmp_path / "base" / "web.yaml",
        [DEPLOYMENT, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"}}],
    )
    _write(
        tmp_path / "base" / "kustomization.yaml", {"resources": ["web.yaml"], "namespace": "one"}
    )
    return tmp_path


def test_strategic_merge_patches_a_container_by_name_and_keeps_the_others(base):
    _write(
        base / "o" / "p.yaml",
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "template": {
                    "spec": {"containers": [{"name": "web", "env": [{"name": "B", "value": "2"}]}]}
                }
            },
        },
    )
    _write(
        base / "o" / "kustomization.yaml",
        {"resources": ["../base"], "patches": [{"path": "p.yaml"}]},
    )
    (web,) = [o for o in kl.render(base / "o") if o["kind"] == "Deployment"]
    containers = web["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["web", "side"]
    assert containers[0]["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    assert containers[0]["image"] == "ghcr.io/x/web:1.0"


def test_delete_patch_removes_the_object_and_namespace_and_images_apply(base):
    _write(
        base / "o" / "d.yaml",
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"}, "$patch": "delete"},
    )
    _write(
        base / "o" / "kustomization.yaml",
        {
            "resources": ["../base"],
            "namespace": "two",
            "patches": [{"path": "d.yaml"}],
            "images": [{"name": "ghcr.io/x/web", "newTag": "2.0"}],
        },
    )
    objects = kl.render(base / "o")
    assert [o["kind"] for o in objects] == ["Deployment"]
    assert objects[0]["metadata"]["namespace"] == "two"
    assert objects[0]["spec"]["template"]["spec"]["containers"][0]["image"] == "ghcr.io/x/web:2.0"


def test_json_patch_on_a_missing_path_or_target_is_an_error(base):
    _write(base / "o" / "j.yaml", [{"op": "replace", "path": "/spec/replicas", "value": 3}])
    _write(
        base / "o" / "kustomization.yaml",
        {
            "resources": ["../base"],
            "patches": [
                {"path": "j.yaml", "target": {"kind": "Deployment", "labelSelector": "tier=app"}}
            ],
        },
    )
    with pytest.raises(kl.KustomizeError, match="missing path"):
        kl.render(base / "o")
    _write(
        base / "o" / "kustomization.yaml",
        {
            "resources": ["../base"],
            "patches": [{"path": "j.yaml", "target": {"kind": "Deployment", "name": "nope"}}],
        },
    )
    with pytest.raises(kl.KustomizeError, match="matches nothing"):
        kl.render(base / "o")


def test_a_field_it_does_not_implement_is_refused_not_ignored(base):
    _write(
        base / "o" / "kustomization.yaml",
        {"resources": ["../base"], "configMapGenerator": [{"name": "x"}]},
    )
    with pytest.raises(kl.KustomizeError, match="configMapGenerator"):
        kl.render(base / "o")


def test_a_missing_resource_or_patch_file_is_an_error(base):
    _write(base / "o" / "kustomization.yaml", {"resources": ["../base", "gone.yaml"]})
    with pytest.raises(kl.KustomizeError, match="gone.yaml"):
        kl.render(base / "o")
    _write(
        base / "o" / "kustomization.yaml",
        {"resources": ["../base"], "patches": [{"path": "gone.yaml"}]},
    )
    with pytest.raises(kl.KustomizeError, match="gone.yaml"):
        kl.render(base / "o")
