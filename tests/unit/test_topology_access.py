"""shared/topology.py ACCESS — what each process may publish — covers what the services really
publish (deploy/tools/access.py makes the NATS permissions of deploy/k8s from it: a subject left
out would be refused in the cluster) and nothing of another stage."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shared.topology import ACCESS, STAGES

ROOT = Path(__file__).resolve().parents[2]


def matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: `*` one token, `>` one or more trailing tokens."""
    p, s = pattern.split("."), subject.split(".")
    for i, token in enumerate(p):
        if token == ">":
            return len(s) > i
        if i >= len(s) or (token != "*" and token != s[i]):
            return False
    return len(p) == len(s)


def _published_kinds(module: Path) -> set[str]:
    """Subject kinds a module publishes: `subject("doc.fetched", …)` and `f"crawl.due.{…}"`."""
    text = module.read_text(encoding="utf-8")
    kinds = set(re.findall(r'\bsubject\(\s*"([a-z.]+)"', text))
    kinds |= set(re.findall(r'f"((?:doc|crawl)\.[a-z.]+)\.\{', text))
    return kinds


def test_subject_matching_follows_nats_wildcards():
    assert matches("doc.fetched.>", "doc.fetched.p1")
    assert not matches("doc.fetched.>", "doc.fetched")
    assert matches("doc.*.x", "doc.parsed.x") and not matches("doc.*.x", "doc.parsed.y")
    assert not matches("doc.fetched.>", "doc.indexed.p1")


@pytest.mark.parametrize(
    "process,modules",
    [
        ("scheduler", ["services/fetcher/schedule.py"]),
        ("fetcher", ["services/fetcher/handlers.py"]),
        ("parser", ["services/parser/handlers.py", "services/parser/outputs.py"]),
        ("ocr", ["services/parser/ocr_handlers.py", "services/parser/outputs.py"]),
        ("validator", ["services/validator/handlers.py"]),
        ("indexer", ["services/indexer/handlers.py"]),
    ],
)
def test_every_subject_a_service_publishes_is_in_its_access_list(process: str, modules: list[str]):
    kinds = set().union(*(_published_kinds(ROOT / m) for m in modules))
    assert kinds, f"{modules}: no published subject found (did the code move?)"
    for kind in kinds:
        token = process if kind == "doc.rejected" else "some-portal"
        assert any(matches(p, f"{kind}.{token}") for p in ACCESS[process].publishes), kind


@pytest.mark.parametrize("stage", list(STAGES))
def test_a_stage_may_reject_as_itself_and_publish_no_other_stage_output(stage: str):
    # shared/runtime/acking.py rejects as the stage that gave up
    acking = (ROOT / "shared/runtime/acking.py").read_text(encoding="utf-8")
    assert 'subject("doc.rejected", stage.name)' in acking
    allowed = ACCESS[stage].publishes
    assert any(matches(p, f"doc.rejected.{stage}") for p in allowed)
    outputs = {"doc.fetched", "doc.parsed", "doc.validated", "doc.indexed", "crawl.due"}
    own = {k for k in outputs if any(matches(p, f"{k}.x") for p in allowed)}
    assert len(own) == 1, own
    others = [s for s in STAGES if s != stage]
    assert not any(matches(p, f"doc.rejected.{o}") for p in allowed for o in others)


def test_every_durable_is_pulled_by_exactly_one_process():
    consumers = [a.consumes for a in ACCESS.values() if a.consumes]
    assert sorted(consumers) == sorted(STAGES)
    for name, access in ACCESS.items():
        if access.consumes:
            assert access.consumes == name
