"""deploy/grafana: every panel's query refers to a metric the services export (or a recorded series
of deploy/prometheus/rules), every SQL panel reads a view the migrations create, panels pick their
data source through dashboard variables (importable through the UI) defaulting to the provisioned
ones, and the JSON files, the ConfigMaps and the generator agree."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
import yaml

from tests.support.deploy_tools import load_tool

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "deploy" / "grafana"
MIGRATIONS = ROOT / "shared" / "storage" / "migrations"
# Labels Prometheus attaches to every target of the `nianbao` scrape job.
TARGET_LABELS = {"job", "instance", "stage", "namespace", "pod"}
SCRAPE_SERIES = {"up"}


catalogue = load_tool("catalogue")
promql = load_tool("promql")
dashboards_tool = load_tool("dashboards")


def _dashboards() -> dict[str, dict]:
    return {
        p.name: json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((GRAFANA / "dashboards").glob("*.json"))
    }


def _panels(board: dict) -> list[dict]:
    out = []
    for panel in board["panels"]:
        out.append(panel)
        out.extend(panel.get("panels", []))  # collapsed rows nest their panels
    return out


def _targets(kind: str) -> list[tuple[str, str, dict]]:
    """(dashboard, panel title, target) for every target on a data source of `kind`."""
    return [
        (name, panel["title"], t)
        for name, board in _dashboards().items()
        for panel in _panels(board)
        for t in panel.get("targets", [])
        if t["datasource"]["type"] == kind
    ]


def _recording_rules() -> dict[str, str]:
    rules = {}
    for path in (ROOT / "deploy" / "prometheus" / "rules").glob("*.yml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            rules.update({r["record"]: r["expr"] for r in group["rules"] if "record" in r})
    return rules


def _views() -> set[str]:
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(MIGRATIONS.glob("*.sql")))
    return set(
        re.findall(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:MATERIALIZED\s+)?VIEW\s+(\w+)", text, re.I)
    )


def _provisioned() -> dict[str, str]:
    config = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "nianbao.yml").read_text())
    return {d["uid"]: d["type"] for d in config["datasources"]}


def test_there_are_the_three_dashboards_operators_asked_for():
    titles = {b["uid"]: b["title"] for b in _dashboards().values()}
    assert set(titles) == {"nianbao-pipeline", "nianbao-portals", "nianbao-quality"}


def test_panel_ids_are_unique_and_panels_fit_the_grid():
    for name, board in _dashboards().items():
        ids = [p["id"] for p in _panels(board)]
        assert len(ids) == len(set(ids)), name
        for panel in _panels(board):
            pos = panel["gridPos"]
            assert pos["x"] + pos["w"] <= 24 and pos["h"] > 0, (name, panel["title"])
            assert panel["title"], name


def _provisioned_names() -> dict[str, str]:
    config = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "nianbao.yml").read_text())
    return {d["uid"]: d["name"] for d in config["datasources"]}


def _datasource_variables(board: dict) -> dict[str, dict]:
    return {v["name"]: v for v in board["templating"]["list"] if v["type"] == "datasource"}


def test_every_panel_names_its_data_source_through_a_dashboard_variable_of_its_type():
    """Importable through Grafana's UI: no panel depends on a data-source uid existing there."""
    for name, board in _dashboards().items():
        variables = _datasource_variables(board)
        refs = [
            (panel["title"], ref)
            for panel in _panels(board)
            for ref in [panel.get("datasource")]
            + [t["datasource"] for t in panel.get("targets", [])]
            if ref
        ]
        refs += [
            (v["name"], v["datasource"]) for v in board["templating"]["list"] if "datasource" in v
        ]
        assert refs, name
        for where, ref in refs:
            variable = re.fullmatch(r"\$\{(\w+)\}", ref["uid"])
            assert variable, f"{name} / {where}: fixed data-source uid {ref['uid']!r}"
            assert variables[variable[1]]["query"] == ref["type"], (name, where)


def test_no_dashboard_names_a_provisioned_uid_except_as_a_variable_default():
    provisioned = _provisioned()
    for name, board in _dashboards().items():
        for variable in _datasource_variables(board).values():
            del variable["current"]
        text = json.dumps(board)
        assert not [uid for uid in provisioned if f'"{uid}"' in text], name
        assert "__inputs" not in text and "${DS_" not in text, name  # nothing asked at import


def test_the_data_source_variables_default_to_the_provisioned_data_sources():
    provisioned, names = _provisioned(), _provisioned_names()
    for name, board in _dashboards().items():
        variables = _datasource_variables(board)
        assert "prometheus" in variables, name
        for variable in variables.values():
            uid = variable["current"]["value"]
            assert provisioned.get(uid) == variable["query"], (name, variable["name"])
            assert variable["current"]["text"] == names[uid]


def test_every_promql_query_reads_only_exported_metrics_or_recorded_series():
    known = catalogue.exported_series() | set(_recording_rules()) | SCRAPE_SERIES
    targets = _targets("prometheus")
    assert len(targets) > 30
    for name, title, target in targets:
        unknown = promql.metric_names(target["expr"]) - known
        assert unknown == set(), f"{name} / {title}: {sorted(unknown)} not exported"


def test_label_matchers_name_labels_the_metric_really_has():
    labels_of = {s: set(f.labels) for f in catalogue.families() for s in f.series}
    recorded = _recording_rules()
    for series, expr in recorded.items():  # a recorded series keeps the labels it aggregates by
        labels_of[series] = set(
            re.findall(r"\w+", (re.search(r"by \(([^)]*)\)", expr) or [None, ""])[1])
        )
    labels_of["up"] = set()
    for name, title, target in _targets("prometheus"):
        for selector in promql.selectors(target["expr"]):
            have = labels_of.get(selector.name, set()) | TARGET_LABELS | {"le"}
            used = selector.labels
            assert used <= have, (
                f"{name} / {title}: {selector.name} has no label {sorted(used - have)}"
            )


def test_template_variables_read_a_label_the_metric_has():
    families = {s: f for f in catalogue.families() for s in f.series}
    for name, board in _dashboards().items():
        for var in board["templating"]["list"]:
            if var["type"] != "query":
                continue
            metric = promql.label_values_metric(var["definition"])
            assert metric in families, (name, var["name"])
            assert var["name"] in families[metric].labels, (name, var["name"], metric)


def test_every_sql_panel_reads_a_view_the_migrations_create():
    views = _views()
    assert {
        "v_reports_per_year_region",
        "v_publication_timeliness",
        "v_rule_failure_rates",
        "v_applications_by_level",
    } <= views
    targets = _targets("grafana-postgresql-datasource")
    assert len(targets) >= 4
    for name, title, target in targets:
        relations = set(re.findall(r"\b(?:FROM|JOIN)\s+(\w+)", target["rawSql"], re.I))
        assert relations and relations <= views, (
            f"{name} / {title}: reads {sorted(relations - views)}"
        )


def _updated_by_code() -> set[str]:
    """Series of the metrics some module outside shared/metrics.py really updates."""
    sources = "\n".join(
        p.read_text(encoding="utf-8")
        for d in ("services", "shared")
        for p in (ROOT / d).rglob("*.py")
        if p != ROOT / "shared" / "metrics.py"
    )
    return {
        s for f in catalogue.families() if re.search(rf"\b{f.attr}\b", sources) for s in f.series
    }


def test_every_metric_a_dashboard_reads_is_updated_by_some_code():
    updated = _updated_by_code() | set(_recording_rules()) | SCRAPE_SERIES
    for name, title, target in _targets("prometheus"):
        idle = promql.metric_names(target["expr"]) - updated
        assert idle == set(), f"{name} / {title}: {sorted(idle)} is defined but nothing sets it"


def test_every_metric_is_on_a_dashboard_or_in_an_alert():
    recorded = _recording_rules()
    used: set[str] = set()
    for _, _, target in _targets("prometheus"):
        used |= promql.metric_names(target["expr"])
    for path in (ROOT / "deploy" / "prometheus" / "rules").glob("alerts*.yml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                used |= promql.metric_names(rule["expr"])
    while used & set(recorded):  # expand recorded series into what they read
        name = next(iter(used & set(recorded)))
        used = (used - {name}) | promql.metric_names(recorded[name])
    updated = _updated_by_code()
    unseen = {
        f.query_name
        for f in catalogue.families()
        if not set(f.series) & used and set(f.series) & updated
    }
    assert unseen == set(), "metrics nobody can see"


def test_committed_json_and_configmaps_are_what_the_generator_renders():
    files = dashboards_tool.render_all()
    for name, text in files.items():
        assert (GRAFANA / "dashboards" / name).read_text(encoding="utf-8") == text, (
            "run: .venv/bin/python deploy/tools/dashboards.py --write"
        )
    assert dashboards_tool.CONFIGMAP.read_text(
        encoding="utf-8"
    ) == dashboards_tool.render_configmap(files)
    assert (
        dashboards_tool.DATASOURCES_CONFIGMAP.read_text(encoding="utf-8")
        == dashboards_tool.render_datasources_configmap()
    )


def test_the_dashboard_configmap_carries_each_dashboard_unchanged():
    cm = yaml.safe_load(dashboards_tool.CONFIGMAP.read_text(encoding="utf-8"))
    assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
    for name, board in _dashboards().items():
        assert json.loads(cm["data"][name]) == board


def test_dashboard_provider_loads_json_from_a_directory():
    config = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "nianbao.yml").read_text())
    (provider,) = config["providers"]
    assert provider["type"] == "file" and provider["options"]["path"].startswith("/")


@pytest.mark.postgres
def test_every_sql_panel_runs_against_a_migrated_postgresql(postgres_url):
    """The strongest check: PostgreSQL itself plans and runs each panel's SQL on the real schema."""
    import asyncpg

    from shared.storage.postgres import PostgresSearchStore

    async def run() -> None:
        store = await PostgresSearchStore.connect(postgres_url, migrate=True)
        await store.close()
        conn = await asyncpg.connect(postgres_url)
        try:
            for name, title, target in _targets("grafana-postgresql-datasource"):
                try:
                    await conn.fetch(target["rawSql"])
                except asyncpg.PostgresError as exc:
                    pytest.fail(f"{name} / {title}: {exc}")
        finally:
            await conn.close()

    asyncio.run(run())


@pytest.mark.postgres
def test_the_postgres_init_script_gives_each_role_its_privileges_and_no_more(fresh_pg, tmp_path):
    """deploy/k8s/base/postgres.yaml's init script, run as the postgres image runs it: the owner
    applies the migrations, the indexer writes rows but cannot change the schema, the reader and
    Grafana's data-source user read every view and cannot write."""
    import os
    import subprocess

    import asyncpg

    from shared.storage.postgres import PostgresSearchStore

    objects = [
        d for d in yaml.safe_load_all((ROOT / "deploy/k8s/base/postgres.yaml").read_text()) if d
    ]
    script = next(o for o in objects if o["metadata"]["name"] == "postgres-init")["data"][
        "10-roles.sh"
    ]
    (tmp_path / "init.sh").write_text(script)
    bin_dir = "/usr/lib/postgresql/15/bin"
    psql = [
        f"{bin_dir}/psql",
        "-h",
        "127.0.0.1",
        "-p",
        str(fresh_pg.port),
        "-U",
        "postgres",
        "-d",
        "postgres",
        "-qc",
    ]
    # the postgres image makes POSTGRES_DB, owned by the superuser POSTGRES_USER
    subprocess.run([*psql, "CREATE DATABASE nianbao"], check=True, capture_output=True)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "PGHOST": "127.0.0.1",
        "PGPORT": str(fresh_pg.port),
        "POSTGRES_USER": "postgres",
        "POSTGRES_DB": "nianbao",
        "PG_OWNER_PASSWORD": "o",
        "PG_INDEXER_PASSWORD": "i",
        "PG_READER_PASSWORD": "r",
        "GRAFANA_READER_PASSWORD": "g",
    }
    done = subprocess.run(
        ["sh", str(tmp_path / "init.sh")], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr

    def url(role: str) -> str:
        return f"postgresql://{role}@127.0.0.1:{fresh_pg.port}/nianbao"

    async def run() -> None:
        # the migrate Job, after the init script, as on k8s
        store = await PostgresSearchStore.connect(url("nianbao_owner"), migrate=True)
        await store.close()
        indexer = await asyncpg.connect(url("nianbao_indexer"))
        try:
            await indexer.execute("DELETE FROM findings")  # privileges are checked, 0 rows
            await indexer.execute(
                "INSERT INTO cell_keys (tbl, row, col) VALUES ('t', 'r', 'c') ON CONFLICT DO NOTHING"
            )
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await indexer.execute("CREATE TABLE intruder (x int)")
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await indexer.execute("DROP TABLE reports")
        finally:
            await indexer.close()
        for role in ("nianbao_reader", "nianbao_grafana"):
            conn = await asyncpg.connect(url(role))
            try:
                for _, _, target in _targets("grafana-postgresql-datasource"):
                    # raises InsufficientPrivilegeError if not granted
                    await conn.fetch(target["rawSql"])
                assert await conn.fetchval("SELECT count(*) FROM cell_keys") == 1
                with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
                    await conn.execute("DELETE FROM reports")
                await conn.execute("SET default_transaction_read_only = off")  # still not a writer
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await conn.execute("BEGIN READ WRITE; DELETE FROM reports; COMMIT")
            finally:
                await conn.close()

    asyncio.run(run())
