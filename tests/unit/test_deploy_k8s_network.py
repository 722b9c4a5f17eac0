"""deploy/k8s NetworkPolicies allow the pipeline's traffic and nothing more (evaluated with
deploy/tools/netpol.py over the base as kustomize renders it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.deploy_tools import load_tool

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("scheduler", "fetcher", "parser", "ocr", "validator", "indexer")


netpol = load_tool("netpol")


@pytest.fixture(scope="module")
def cluster():
    objects = load_tool("kustomize").render(ROOT / "deploy" / "k8s" / "base")
    return [o for o in objects if o["kind"] == "NetworkPolicy"], netpol.pod_labels(objects)


def test_the_namespace_denies_everything_not_explicitly_allowed(cluster):
    policies, _ = cluster
    deny = [
        p
        for p in policies
        if p["spec"]["podSelector"] == {}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    assert deny and set(deny[0]["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert not netpol.allowed(policies, {"app": "intruder"}, {"app": "other"}, 80)


def test_every_stage_and_job_reaches_what_it_needs(cluster):
    policies, pods = cluster
    nats, minio, pg = pods["nats"], pods["minio"], pods["postgres"]
    for stage in STAGES:
        assert netpol.allowed(policies, pods[f"nianbao-{stage}"], nats, 4222), stage
    assert netpol.allowed(policies, pods["nianbao-topology"], nats, 4222)
    assert netpol.allowed(policies, nats, nats, 6222)  # cluster routes
    for stage in ("fetcher", "parser", "ocr"):
        assert netpol.allowed(policies, pods[f"nianbao-{stage}"], minio, 9000), stage
    for stage in ("validator", "indexer"):
        assert netpol.allowed(policies, pods[f"nianbao-{stage}"], pg, 5432), stage
    assert netpol.allowed(policies, pods["nianbao-migrate"], pg, 5432)
    assert netpol.allowed(policies, pods["nianbao-duplicates"], pg, 5432)  # the nightly CronJob
    assert not netpol.allowed(policies, pods["nianbao-duplicates"], nats, 4222)
    assert not netpol.allowed(policies, pods["nianbao-duplicates"], minio, 9000)
    assert netpol.allowed(policies, pods["minio-setup"], minio, 9000)  # users and bucket policies
    assert not netpol.allowed(policies, pods["minio-setup"], nats, 4222)


def test_stages_cannot_reach_stores_they_do_not_use_or_each_other(cluster):
    policies, pods = cluster
    for stage in ("scheduler", "validator", "indexer"):
        assert not netpol.allowed(policies, pods[f"nianbao-{stage}"], pods["minio"], 9000), stage
    for stage in ("scheduler", "fetcher", "parser", "ocr"):
        assert not netpol.allowed(policies, pods[f"nianbao-{stage}"], pods["postgres"], 5432), stage
    assert not netpol.allowed(policies, pods["nianbao-parser"], pods["nianbao-indexer"], 8080)
    assert not netpol.allowed(policies, pods["nianbao-parser"], pods["nats"], 6222)


def test_only_the_fetcher_reaches_the_internet_and_never_private_addresses(cluster):
    policies, pods = cluster
    assert netpol.allowed(policies, pods["nianbao-fetcher"], None, 443, ip="202.108.22.5")
    for private in (
        "10.1.2.3",
        "192.168.1.10",
        "169.254.169.254",
        "172.20.0.1",
        "127.0.0.1",
        "100.64.0.1",
    ):
        assert not netpol.allowed(policies, pods["nianbao-fetcher"], None, 443, ip=private), private
    assert not netpol.allowed(policies, pods["nianbao-fetcher"], None, 25, ip="202.108.22.5")
    for stage in ("scheduler", "parser", "ocr", "validator", "indexer"):
        assert not netpol.allowed(
            policies, pods[f"nianbao-{stage}"], None, 443, ip="202.108.22.5"
        ), stage


def test_prometheus_keda_and_grafana_get_in_from_their_namespaces_only(cluster):
    policies, pods = cluster
    for stage in STAGES:
        assert netpol.allowed(
            policies, None, pods[f"nianbao-{stage}"], 8080, src_namespace="monitoring"
        ), stage
        assert not netpol.allowed(
            policies, None, pods[f"nianbao-{stage}"], 8080, src_namespace="default"
        ), stage
    assert netpol.allowed(policies, None, pods["nats"], 8222, src_namespace="keda")
    assert not netpol.allowed(policies, None, pods["nats"], 4222, src_namespace="keda")
    # the NATS exporter sidecars: Prometheus only
    assert netpol.allowed(policies, None, pods["nats"], 7777, src_namespace="monitoring")
    assert not netpol.allowed(policies, None, pods["nats"], 7777, src_namespace="keda")
    assert not netpol.allowed(policies, None, pods["nats"], 7777, src_namespace="default")
    assert netpol.allowed(policies, None, pods["postgres"], 5432, src_namespace="monitoring")
    assert not netpol.allowed(policies, None, pods["minio"], 9000, src_namespace="monitoring")


def test_dns_is_open_to_every_pod(cluster):
    policies, pods = cluster
    dns = [p for p in policies if p["metadata"]["name"] == "allow-dns"]
    assert dns and dns[0]["spec"]["podSelector"] == {}
    ports = {(p["protocol"], p["port"]) for r in dns[0]["spec"]["egress"] for p in r["ports"]}
    assert ports == {("UDP", 53), ("TCP", 53)}
