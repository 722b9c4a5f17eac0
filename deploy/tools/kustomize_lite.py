"""Render a kustomization offline, for the subset of kustomize that deploy/k8s uses.

kustomize and kubectl cannot be installed where CI runs, yet the overlays must be checked as
they will be applied, not only the base. This implements exactly the fields our
kustomizations use — resources, components, namespace, labels, images, replicas, patches
(strategic-merge files, `$patch: delete`, JSON 6902 with a target) — and refuses any other
field, so a kustomization can never use a feature this renderer silently ignores.

    .venv/bin/python deploy/tools/kustomize_lite.py deploy/k8s/overlays/prod   # prints YAML
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import yaml

KNOWN_FIELDS = {
    "apiVersion",
    "kind",
    "namespace",
    "labels",
    "resources",
    "components",
    "images",
    "replicas",
    "patches",
}
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
}
# Strategic-merge keys of the lists we patch (Kubernetes' patchMergeKey for each field).
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "volumes": "name",
    "env": "name",
    "ports": "containerPort",
    "volumeMounts": "mountPath",
}


class KustomizeError(ValueError):
    pass


def load_kustomization(directory: Path) -> dict:
    path = directory / "kustomization.yaml"
    if not path.is_file():
        raise KustomizeError(f"{directory}: no kustomization.yaml")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = set(data) - KNOWN_FIELDS
    if unknown:
        raise KustomizeError(f"{path}: fields this renderer does not implement: {sorted(unknown)}")
    return data


def load_objects(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def key(obj: dict) -> tuple[str, str]:
    return obj["kind"], obj["metadata"]["name"]


def render(directory: str | Path) -> list[dict]:
    """The objects `kubectl apply -k directory` would apply, in resource order."""
    directory = Path(directory)
    k = load_kustomization(directory)
    objects: list[dict] = []
    for entry in k.get("resources", []):
        target = (directory / entry).resolve()
        if target.is_dir():
            objects.extend(render(target))
        elif target.is_file():
            objects.extend(load_objects(target))
        else:
            raise KustomizeError(f"{directory}: resource {entry} does not exist")
    # As kustomize does: resources, then each component (its resources, then its transformers
    # over everything so far), then this kustomization's own transformers.
    for entry in k.get("components", []):
        target = (directory / entry).resolve()
        comp = load_kustomization(target)
        if comp.get("kind") != "Component":
            raise KustomizeError(f"{target}: not a kustomize Component")
        for res in comp.get("resources", []):
            objects.extend(load_objects(target / res))
        objects = _transform(target, comp, objects)
    return _transform(directory, k, objects)


def _transform(directory: Path, k: dict, objects: list[dict]) -> list[dict]:
    for patch in k.get("patches", []):
        objects = _apply_patch(directory, patch, objects)
    for entry in k.get("labels", []):
        for obj in objects:
            obj["metadata"].setdefault("labels", {}).update(entry["pairs"])
            if entry.get("includeSelectors"):
                raise KustomizeError("labels.includeSelectors is not implemented")
    for image in k.get("images", []):
        _set_image(objects, image)
    for rep in k.get("replicas", []):
        matches = [
            o
            for o in objects
            if o["metadata"]["name"] == rep["name"]
            and "replicas" in o.get("spec", {})
            or o["metadata"]["name"] == rep["name"]
            and o["kind"] in {"Deployment", "StatefulSet"}
        ]
        if not matches:
            raise KustomizeError(f"{directory}: replicas target {rep['name']} not found")
        for obj in matches:
            obj["spec"]["replicas"] = rep["count"]
    if "namespace" in k:
        _set_namespace(objects, k["namespace"])
    return objects


def _set_namespace(objects: list[dict], namespace: str) -> None:
    for obj in objects:
        if obj["kind"] == "Namespace":
            obj["metadata"]["name"] = namespace
        elif obj["kind"] not in CLUSTER_SCOPED:
            obj["metadata"]["namespace"] = namespace


def _containers(obj: dict) -> list[dict]:
    spec = obj.get("spec", {})
    pod = spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec") or spec.get(
        "template", {}
    ).get("spec", {})
    return pod.get("containers", []) + pod.get("initContainers", [])


def _set_image(objects: list[dict], image: dict) -> None:
    found = False
    for obj in objects:
        for c in _containers(obj):
            name, _, tag = (
                c["image"].partition("@")[0].rpartition(":")
                if ":" in c["image"].split("/")[-1]
                else (c["image"], "", "")
            )
            if name != image["name"]:
                continue
            found = True
            new_name = image.get("newName", name)
            if "digest" in image:
                c["image"] = f"{new_name}@{image['digest']}"
            else:
                c["image"] = f"{new_name}:{image.get('newTag', tag)}"
    if not found:
        raise KustomizeError(f"images: no container uses {image['name']}")


def _selected(obj: dict, target: dict) -> bool:
    if "kind" in target and obj["kind"] != target["kind"]:
        return False
    if "name" in target and obj["metadata"]["name"] != target["name"]:
        return False
    if "labelSelector" in target:
        labels = obj["metadata"].get("labels", {})
        for term in target["labelSelector"].split(","):
            k, _, v = term.partition("=")
            if labels.get(k.strip()) != v.strip():
                return False
    return True


def _apply_patch(directory: Path, patch: dict, objects: list[dict]) -> list[dict]:
    if "path" in patch:
        path = directory / patch["path"]
        if not path.is_file():
            raise KustomizeError(f"{directory}: patch {patch['path']} does not exist")
        docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    else:
        docs = [d for d in yaml.safe_load_all(patch["patch"]) if d is not None]
    if len(docs) == 1 and isinstance(docs[0], list):  # JSON 6902: needs a target
        if "target" not in patch:
            raise KustomizeError(f"{directory}: a JSON patch needs a target")
        hits = [o for o in objects if _selected(o, patch["target"])]
        if not hits:
            raise KustomizeError(f"{directory}: patch target {patch['target']} matches nothing")
        for obj in hits:
            for op in docs[0]:
                _json_patch(obj, op)
        return objects
    for doc in docs:  # strategic merge: each document names its target by kind and name
        hits = [
            i
            for i, o in enumerate(objects)
            if key(o) == key(doc) and _selected(o, patch.get("target", {}))
        ]
        if not hits:
            raise KustomizeError(
                f"{directory}: patch for {key(doc)} matches nothing in its resources"
            )
        if doc.get("$patch") == "delete":
            objects = [o for i, o in enumerate(objects) if i not in hits]
            continue
        for i in hits:
            objects[i] = _merge(objects[i], doc)
    return objects


def _merge(base, patch):
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for k, v in patch.items():
            if v is None:
                out.pop(k, None)
            elif k in MERGE_KEYS and isinstance(v, list) and isinstance(out.get(k), list):
                out[k] = _merge_list(out[k], v, MERGE_KEYS[k])
            elif k in out:
                out[k] = _merge(out[k], v)
            else:
                out[k] = copy.deepcopy(v)
        return out
    return copy.deepcopy(patch)


def _merge_list(base: list, patch: list, merge_key: str) -> list:
    out = [copy.deepcopy(x) for x in base]
    for item in patch:
        idx = next((i for i, x in enumerate(out) if x.get(merge_key) == item.get(merge_key)), None)
        if idx is None:
            out.append(copy.deepcopy(item))
        else:
            out[idx] = _merge(out[idx], item)
    return out


def _json_patch(obj: dict, op: dict) -> None:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].lstrip("/").split("/")]
    parent = obj
    for p in parts[:-1]:
        parent = parent[int(p)] if isinstance(parent, list) else parent[p]  # KeyError: no such path
    last = parts[-1]
    if op["op"] == "replace":
        if isinstance(parent, list):
            parent[int(last)] = op["value"]
        else:
            if last not in parent:
                raise KustomizeError(f"replace of missing path {op['path']}")
            parent[last] = op["value"]
    elif op["op"] == "add":
        if isinstance(parent, list):
            parent.append(op["value"]) if last == "-" else parent.insert(int(last), op["value"])
        else:
            parent[last] = op["value"]
    elif op["op"] == "remove":
        del parent[int(last) if isinstance(parent, list) else last]
    else:
        raise KustomizeError(f"JSON patch op {op['op']} not implemented")


def main(argv: list[str]) -> int:
    print(yaml.safe_dump_all(render(argv[0]), sort_keys=False, allow_unicode=True), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
