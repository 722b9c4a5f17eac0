"""Who may talk to whom under a set of NetworkPolicies — enough of the semantics for deploy/k8s.

A connection is allowed when the source pod's egress policies allow it (or no policy selects the
source for egress) and the target pod's ingress policies allow it (same rule). Supports
podSelector / namespaceSelector (matchLabels; a namespace is matched by its
`kubernetes.io/metadata.name` label) and ipBlock with `except`; matchExpressions are refused.

    .venv/bin/python deploy/tools/netpol.py deploy/k8s/base     # a who-talks-to-whom table
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path


def pod_labels(objects: list[dict]) -> dict[str, dict[str, str]]:
    """Pod template labels of every workload, by workload name."""
    out = {}
    for obj in objects:
        spec = obj.get("spec", {})
        template = spec.get("jobTemplate", {}).get("spec", {}).get("template") or spec.get(
            "template"
        )
        if obj["kind"] in {"Deployment", "StatefulSet", "Job", "CronJob", "DaemonSet"} and template:
            out[obj["metadata"]["name"]] = template["metadata"]["labels"]
    return out


def selects(selector: dict, labels: dict[str, str]) -> bool:
    if selector.get("matchExpressions"):
        raise ValueError("matchExpressions are not implemented")
    return selector.get("matchLabels", {}).items() <= labels.items()


def _peer_allows(
    rule: dict, key: str, labels: dict | None, namespace: str | None, port: int, ip: str | None
) -> bool:
    ports = rule.get("ports")
    if ports is not None and not any(p.get("port") == port for p in ports):
        return False
    for peer in rule.get(key, []):
        if "ipBlock" in peer:
            if ip is not None:
                addr, block = ipaddress.ip_address(ip), peer["ipBlock"]
                if addr in ipaddress.ip_network(block["cidr"]) and not any(
                    addr in ipaddress.ip_network(e) for e in block.get("except", [])
                ):
                    return True
        elif "namespaceSelector" in peer:  # (with or without a podSelector: the other namespace)
            if namespace and selects(
                peer["namespaceSelector"], {"kubernetes.io/metadata.name": namespace}
            ):
                return True
        elif labels is not None and selects(peer["podSelector"], labels):
            return True
    return False


def _direction(
    policies: list[dict],
    kind: str,
    pod: dict,
    peer: dict | None,
    namespace: str | None,
    port: int,
    ip: str | None,
) -> bool:
    applying = [
        p
        for p in policies
        if kind.capitalize() in p["spec"]["policyTypes"] and selects(p["spec"]["podSelector"], pod)
    ]
    if not applying:
        return True  # a pod no policy selects for this direction is not isolated
    key = "to" if kind == "egress" else "from"
    return any(
        _peer_allows(r, key, peer, namespace, port, ip)
        for p in applying
        for r in p["spec"].get(kind, [])
    )


def allowed(
    policies: list[dict],
    src: dict | None,
    dst: dict | None,
    port: int,
    *,
    src_namespace: str | None = None,
    ip: str | None = None,
) -> bool:
    """May a pod labelled `src` open `port` on a pod labelled `dst`? `src` None = a pod of
    `src_namespace` outside ours; `dst` None = the address `ip` outside the cluster."""
    egress = src is None or _direction(policies, "egress", src, dst, None, port, ip)
    ingress = dst is None or _direction(policies, "ingress", dst, src, src_namespace, port, None)
    return egress and ingress


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(Path(__file__).parent))
    import kustomize

    objects = kustomize.render(argv[0])
    policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
    pods = pod_labels(objects)
    ports = {"nats": 4222, "minio": 9000, "postgres": 5432}
    for src, labels in pods.items():
        reach = [
            f"{dst}:{port}"
            for dst, port in ports.items()
            if allowed(policies, labels, pods[dst], port)
        ]
        internet = allowed(policies, labels, None, 443, ip="203.0.113.10")
        print(f"{src:20s} → {', '.join(reach) or '-'}{'  + internet' if internet else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
