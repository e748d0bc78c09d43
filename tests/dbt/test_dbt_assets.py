"""dbt as Dagster assets: keys, lineage from ingestion, checks, pool, `crosswalk run` end to end."""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import dagster_dbt.core.resource
import dbt.version
import duckdb
import httpx
import pytest
from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.asset_utils import get_manifest_and_translator_from_dbt_assets
from packaging import version

from crosswalk_cli.run_cmd import failed_check_lines
from orchestration.defs.ingest.assets import VENDORS, WAREHOUSE_POOL
from orchestration.defs.transform.assets import (
    BUSINESS_NOW_ENV,
    PUBLISHED_WAREHOUSE_KEY,
    dbt_resource,
    prune_invocation_dirs,
    set_business_now_for_dbt,
)
from orchestration.defs.transform.partial_parse import cache_file, keep_state, seed_invocation
from orchestration.defs.transform.project import DBT_PROJECT_DIR, dbt_executable, manifest_is_stale
from orchestration.lib.business_clock import (
    BusinessClockUnavailable,
    business_now,
    sandbox_business_now,
)
from tests.dbt.conftest import BuiltWarehouse, crosswalk_run, run_id_of
from tests.support.warehouse_reader import hold_until_a_retry

BUILT_TYPES = ("model", "seed", "snapshot")


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from orchestration.definitions import defs

    return defs


@pytest.fixture(scope="module")
def graph(defs: dg.Definitions) -> dg.AssetGraph:
    return defs.resolve_asset_graph()


@pytest.fixture(scope="module")
def manifest(defs: dg.Definitions) -> Mapping[str, Any]:
    # The manifest these definitions were built from (others may be adding models meanwhile,
    # so re-reading target/manifest.json could give a newer one).
    (dbt_models,) = [
        a for a in defs.assets or [] if getattr(a, "op", None) and a.op.name == "dbt_models"
    ]
    manifest, _, _ = get_manifest_and_translator_from_dbt_assets([dbt_models])
    return manifest


def built_nodes(manifest: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for node in manifest["nodes"].values():
        config = node["config"]
        # Ephemeral models are CTEs inlined into others: no relation, no asset.
        if (
            node["resource_type"] in BUILT_TYPES
            and config.get("enabled", True)
            and config.get("materialized") != "ephemeral"
        ):
            yield node


def key_of(node: Mapping[str, Any]) -> dg.AssetKey:
    return dg.AssetKey([node["schema"], node["name"]])


def raw_sources_of(manifest: Mapping[str, Any], unique_id: str) -> set[dg.AssetKey]:
    """The source assets a dbt node reads, directly or through other dbt nodes."""
    found: set[dg.AssetKey] = set()
    for upstream in manifest["nodes"].get(unique_id, {}).get("depends_on", {}).get("nodes", []):
        if upstream.startswith("source."):
            source = manifest["sources"][upstream]
            found.add(dg.AssetKey(source["config"]["meta"]["dagster"]["asset_key"]))
        else:
            found |= raw_sources_of(manifest, upstream)
    return found


def ancestors(graph: dg.AssetGraph, key: dg.AssetKey) -> set[dg.AssetKey]:
    seen: set[dg.AssetKey] = set()
    stack = [key]
    while stack:
        for parent in graph.get(stack.pop()).parent_keys:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def test_every_dbt_model_seed_and_snapshot_is_an_asset_keyed_schema_slash_name(
    graph: dg.AssetGraph, manifest: Mapping[str, Any]
) -> None:
    nodes = list(built_nodes(manifest))
    assert nodes, "the dbt project has no models or seeds"
    keys = graph.get_all_asset_keys()
    for node in nodes:
        key = key_of(node)
        assert key in keys, f"{node['unique_id']} is not an asset {key.to_user_string()}"
        folder = node["fqn"][1] if node["resource_type"] == "model" else node["resource_type"] + "s"
        assert graph.get(key).group_name == folder


def test_models_sit_downstream_of_the_ingestion_assets_they_read(
    graph: dg.AssetGraph, manifest: Mapping[str, Any]
) -> None:
    raw_keys = {key for key in graph.get_all_asset_keys() if graph.get(key).group_name in VENDORS}
    for node in built_nodes(manifest):
        key = key_of(node)
        expected = raw_sources_of(manifest, node["unique_id"])
        assert expected <= graph.get_all_asset_keys(), f"{key.to_user_string()} reads no asset"
        if expected <= raw_keys:
            assert ancestors(graph, key) & raw_keys == expected, key.to_user_string()
        else:
            # Over crosswalk's own ops tables (the observability marts): their writers sit
            # downstream of ingestion (and of dbt), so more raw tables lie upstream.
            assert expected & raw_keys <= ancestors(graph, key), key.to_user_string()
        direct = {
            dg.AssetKey(manifest["sources"][up]["config"]["meta"]["dagster"]["asset_key"])
            for up in node["depends_on"].get("nodes", [])
            if up.startswith("source.")
        }
        assert direct <= graph.get(key).parent_keys


def checked_node(manifest: Mapping[str, Any], test: Mapping[str, Any]) -> str | None:
    """The node a dbt test checks: a generic test's attached node, else the one node a singular
    test reads, else the model its config names (`meta: {dagster: {ref: {name: ...}}}`), which a
    singular test reading several must give: dagster-dbt logs such a test's result as an
    observation of nothing, not a check, and a failure shows nowhere in the UI."""
    if test.get("attached_node"):
        return test["attached_node"]
    upstream = test["depends_on"]["nodes"]
    if len(upstream) == 1:
        return upstream[0]
    named = test["config"].get("meta", {}).get("dagster", {}).get("ref", {}).get("name")
    return next(
        (uid for uid, node in manifest["nodes"].items() if named and node["name"] == named),
        None,
    )


def test_every_dbt_test_is_an_asset_check_on_the_model_it_tests(
    graph: dg.AssetGraph, manifest: Mapping[str, Any]
) -> None:
    built = {node["unique_id"]: node for node in built_nodes(manifest)}
    tests = [node for node in manifest["nodes"].values() if node["resource_type"] == "test"]
    assert any(not test.get("attached_node") for test in tests), "no singular test to check"
    for test in tests:
        checked = checked_node(manifest, test)
        assert checked in built, f"{test['unique_id']} checks no one model ({checked})"
        check = dg.AssetCheckKey(key_of(built[checked]), test["name"])
        assert check in graph.asset_check_keys, f"{test['unique_id']} is no asset check"


def test_dbt_assets_and_the_publish_run_in_the_warehouse_pool(
    graph: dg.AssetGraph, manifest: Mapping[str, Any]
) -> None:
    dbt_keys = {key_of(node) for node in built_nodes(manifest)}
    for key in dbt_keys | {PUBLISHED_WAREHOUSE_KEY}:
        assert graph.get(key).pools == {WAREHOUSE_POOL}, key.to_user_string()
    # The BI copy is published after every dbt asset, whatever the project holds.
    assert graph.get(PUBLISHED_WAREHOUSE_KEY).parent_keys == dbt_keys


def test_dbt_judges_at_the_business_now_it_is_given(tmp_path: Path) -> None:
    """The env var orchestration sets reaches dbt's `business_now()`."""

    def show(env: dict[str, str], *args: str) -> str:
        result = subprocess.run(
            [str(dbt_executable()), "show", "--quiet", "--output", "json", "--profiles-dir", "."]
            + ["--inline", "select {{ business_now() }} as now", *args],
            cwd=DBT_PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return json.loads(result.stdout)["show"][0]["now"]

    env = {**os.environ, "CROSSWALK_WAREHOUSE": str(tmp_path / "w.duckdb")}
    set_business_now_for_dbt("2026-03-06T09:30:00Z")
    env[BUSINESS_NOW_ENV] = os.environ.pop(BUSINESS_NOW_ENV)
    assert show(env).startswith("2026-03-06T09:30:00")


def test_manifest_is_stale_when_any_project_file_or_folder_changes(tmp_path: Path) -> None:
    project = tmp_path / "dbt_project"
    (project / "models" / "marts").mkdir(parents=True)
    model = project / "models" / "marts" / "headcount.sql"
    model.write_text("select 1 as n")
    manifest = project / "target" / "manifest.json"
    assert manifest_is_stale(project, manifest)  # missing

    def age(path: Path, seconds: float) -> None:
        moment = time.time() - seconds
        os.utime(path, (moment, moment))

    manifest.parent.mkdir()
    manifest.write_text("{}")
    for path in (project, project / "models", project / "models" / "marts", model):
        age(path, 60)
    assert not manifest_is_stale(project, manifest)
    # dbt's own outputs never make it stale.
    (project / "target" / "run_results.json").write_text("{}")
    (project / "logs").mkdir()
    age(project, 60)
    assert not manifest_is_stale(project, manifest)
    # An edit does.
    model.write_text("select 2 as n")
    assert manifest_is_stale(project, manifest)
    age(model, 60)
    # So does a deletion, seen through its folder's mtime.
    extra = project / "models" / "marts" / "utilization.sql"
    extra.write_text("select 1")
    age(extra, 60)
    age(project / "models" / "marts", 60)
    assert not manifest_is_stale(project, manifest)
    extra.unlink()
    assert manifest_is_stale(project, manifest)


def test_old_dbt_invocation_folders_are_pruned_newest_kept(tmp_path: Path) -> None:
    # dagster-dbt leaves one target folder per dbt invocation (10-20 MB each) and never removes
    # them: dbt_project/target grew to ~290 MB in a day of test runs.
    for age in range(5):
        folder = tmp_path / f"dbt_models-run{age}-x"
        folder.mkdir()
        moment = time.time() - age * 60
        os.utime(folder, (moment, moment))
    (tmp_path / "manifest.json").write_text("{}")
    assert prune_invocation_dirs(tmp_path, keep=2) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "dbt_models-run0-x",
        "dbt_models-run1-x",
        "manifest.json",
    ]


def test_failed_check_lines_name_each_failure_and_flag_errors() -> None:
    key = dg.AssetKey(["staging", "stg_harvest__users"])
    evaluations = [
        dg.AssetCheckEvaluation(asset_key=key, check_name="unique_id", passed=True),
        dg.AssetCheckEvaluation(
            asset_key=key,
            check_name="email_lowercase",
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
        ),
    ]
    lines, blocking = failed_check_lines(evaluations)
    assert lines == ["WARN check staging/stg_harvest__users:email_lowercase"]
    assert not blocking  # a warning alone does not fail the run
    evaluations.append(
        dg.AssetCheckEvaluation(
            asset_key=key,
            check_name="not_null_id",
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"dagster_dbt/failed_row_count": 3},
        )
    )
    lines, blocking = failed_check_lines(evaluations)
    assert lines[-1] == "FAILED check staging/stg_harvest__users:not_null_id (3 failing rows)"
    assert blocking


def test_business_now_is_the_sandbox_clock_in_the_sandbox_profile(
    built_warehouse: BuiltWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = httpx.get(built_warehouse.sandbox.url + "/_sandbox/clock", timeout=10).json()
    monkeypatch.setenv("CROSSWALK_PROFILE", "sandbox")
    monkeypatch.setenv("CROSSWALK_SANDBOX_URL", built_warehouse.sandbox.url)
    now = business_now()
    assert now.endswith("Z")
    assert datetime.fromisoformat(now.replace("Z", "+00:00")) == datetime.fromisoformat(
        clock["business_now"].replace("Z", "+00:00")
    )


def test_an_unreadable_sandbox_clock_fails_clearly_and_never_falls_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CROSSWALK_PROFILE", "sandbox")
    monkeypatch.setenv("CROSSWALK_SANDBOX_URL", "http://127.0.0.1:9")
    with pytest.raises(BusinessClockUnavailable, match=r"127\.0\.0\.1:9/_sandbox/clock"):
        business_now()
    with pytest.raises(BusinessClockUnavailable):
        sandbox_business_now("http://127.0.0.1:9")


def test_tenants_run_at_the_wall_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSWALK_PROFILE", "tenant")
    monkeypatch.setenv("CROSSWALK_SANDBOX_URL", "http://127.0.0.1:9")  # never asked
    now = datetime.fromisoformat(business_now().replace("Z", "+00:00"))
    assert abs((datetime.now(UTC) - now).total_seconds()) < 5


def test_crosswalk_run_builds_every_model_and_every_check_passes(
    built_warehouse: BuiltWarehouse, manifest: Mapping[str, Any]
) -> None:
    result = built_warehouse.result
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    # dbt's unit tests (a model's SQL on fixed rows; no asset check) ran in the run's build,
    # before their models, and passed: dbt skips a model whose unit test fails.
    unit_tests = [test["name"] for test in manifest.get("unit_tests", {}).values()]
    assert unit_tests
    for name in unit_tests:
        assert re.search(rf"PASS \S+::{name}\b", result.stdout), f"unit test {name} did not pass"
    # What the run planned is the graph its own process loaded: the whole of it.
    with dg.DagsterInstance.from_config(str(built_warehouse.dagster_home)) as instance:
        records = instance.all_logs(built_warehouse.run_id)
    events = [record.dagster_event for record in records if record.dagster_event]

    def of_type(name: str) -> list[dg.DagsterEvent]:
        return [e for e in events if e.event_type_value == name]

    planned = {e.asset_key for e in of_type("ASSET_MATERIALIZATION_PLANNED")}
    materialized = {e.asset_key for e in of_type("ASSET_MATERIALIZATION")}
    assert planned == materialized, sorted(k.to_user_string() for k in planned - materialized)
    groups = {key.path[0] for key in planned}
    assert {"staging", "mappings", "bi"} <= groups
    planned_checks = {
        e.event_specific_data.asset_check_key for e in of_type("ASSET_CHECK_EVALUATION_PLANNED")
    }
    evaluations = [e.event_specific_data for e in of_type("ASSET_CHECK_EVALUATION")]
    evaluated = {dg.AssetCheckKey(ev.asset_key, ev.check_name) for ev in evaluations}
    assert planned_checks
    assert planned_checks == evaluated, sorted(
        c.to_user_string() for c in planned_checks - evaluated
    )
    failed = [ev for ev in evaluations if not ev.passed]
    assert not failed, [f"{ev.asset_key.to_user_string()}:{ev.check_name}" for ev in failed]
    assert f"checks: {len(evaluations)} of {len(evaluations)} passed" in result.stdout
    # dbt ran after every ingestion step (the dependency orders them in one run), the publish
    # after every dbt step, and only the report of what it published after it.
    steps = [e.step_key for e in of_type("STEP_SUCCESS")]
    assert steps.index("dbt_models") > max(steps.index(f"{v}_raw") for v in VENDORS)
    dbt_steps = [i for i, step in enumerate(steps) if step.startswith("dbt_")]
    assert steps.index("bi__published_warehouse") > max(dbt_steps)
    assert steps[-2:] == ["bi__published_warehouse", "bi__ops_health"]
    # Every dbt asset is a relation in the warehouse the run was pointed at.
    with duckdb.connect(str(built_warehouse.warehouse), read_only=True) as conn:
        relations = {
            dg.AssetKey([schema, name])
            for schema, name in conn.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
    dbt_planned = {key for key in planned if key.path[0] not in (*VENDORS, "bi")}
    assert dbt_planned <= relations, sorted(k.to_user_string() for k in dbt_planned - relations)


@pytest.fixture(scope="module")
def hcm_staging(graph: dg.AssetGraph) -> dg.AssetKey:
    """The staging model of the HCM's employees: a one-model build."""
    raw = dg.AssetKey(["bamboohr", "employees"])
    (staging,) = [
        key
        for key in graph.get(raw).child_keys
        if graph.get(key).group_name == "staging" and key.path[-1] == "stg_bamboohr__employees"
    ]
    return staging


def test_a_failing_dbt_test_fails_the_run_and_is_reported(
    built_warehouse: BuiltWarehouse, hcm_staging: dg.AssetKey, tmp_path: Path
) -> None:
    env = built_warehouse.copy_to(tmp_path)
    staging = hcm_staging
    # A duplicated HCM employee breaks the staging model's primary-key test.
    with duckdb.connect(env["CROSSWALK_WAREHOUSE"]) as conn:
        conn.execute(
            "insert into raw_bamboohr.employees select * from raw_bamboohr.employees limit 1"
        )
    result = crosswalk_run(env, "--select", f'key:"{staging.to_user_string()}"')
    assert result.returncode == 1, result.stdout[-4000:]
    assert f"FAILED check {staging.to_user_string()}:" in result.stdout
    assert run_id_of(result.stdout)


FULL_PARSE_MARKS = ("Unable to do partial parsing", "Starting full parse")


def dbt_log_of(run_id: str) -> str:
    """The dbt log of run `run_id`'s `dbt_models` invocation."""
    (folder,) = (DBT_PROJECT_DIR / "target").glob(f"dbt_models-{run_id[:7]}-*")
    return (folder / "dbt.log").read_text()


def test_a_second_build_of_a_warehouse_reuses_the_first_builds_parse(
    built_warehouse: BuiltWarehouse, hcm_staging: dg.AssetKey, tmp_path: Path
) -> None:
    # A copy: a warehouse no build has used, whatever ran before in this session.
    env = built_warehouse.copy_to(tmp_path)
    select = f'key:"{hcm_staging.to_user_string()}"'
    runs = [crosswalk_run(env, "--select", select) for _ in "12"]
    for result in runs:
        assert result.returncode == 0, result.stdout[-4000:]
    first, second = (dbt_log_of(run_id_of(result.stdout)) for result in runs)
    assert any(mark in first for mark in FULL_PARSE_MARKS), first[-3000:]
    assert not any(mark in second for mark in FULL_PARSE_MARKS), second[-3000:]
    assert cache_file(DBT_PROJECT_DIR / "target", Path(env["CROSSWALK_WAREHOUSE"])).exists()


def test_parse_state_is_kept_per_warehouse_and_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "target"
    one, two = (cache_file(target, tmp_path / name) for name in ("a.duckdb", "b.duckdb"))
    assert one != two
    assert cache_file(target, tmp_path / "x" / ".." / "a.duckdb") == one
    first_build, next_build = tmp_path / "build-1", tmp_path / "build-2"
    assert not seed_invocation(first_build, one)
    assert not keep_state(first_build, one)  # a build that wrote no state keeps nothing
    first_build.mkdir()
    (first_build / "partial_parse.msgpack").write_bytes(b"state one")
    assert keep_state(first_build, one)
    assert seed_invocation(next_build, one)
    assert (next_build / "partial_parse.msgpack").read_bytes() == b"state one"
    assert not two.exists()
    assert [path.name for path in one.parent.iterdir()] == [one.name]  # no temporary left


def test_dbt_commands_build_no_in_process_adapter_nor_ask_dbt_its_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # dagster-dbt still goes through these hooks before every command: if one is renamed, this
    # fails, instead of ~4 s (the adapter) or ~3 s (`dbt --version`) per dbt step coming back.
    source = inspect.getsource(DbtCliResource.cli)
    assert "self._initialize_dbt_core_adapter(" in source and "self._cli_version" in source
    resource = dbt_resource(DbtProject(project_dir=DBT_PROJECT_DIR))
    assert resource._initialize_dbt_core_adapter(["build"]) is None

    def no_subprocess(*args: object, **kwargs: object) -> bytes:
        raise AssertionError(f"dbt was asked its version: {args}")

    monkeypatch.setattr(dagster_dbt.core.resource, "check_output", no_subprocess)
    assert resource._cli_version == version.parse(dbt.version.__version__)


def test_a_dbt_build_waits_for_a_reader_holding_the_warehouse(
    built_warehouse: BuiltWarehouse, hcm_staging: dg.AssetKey, tmp_path: Path
) -> None:
    # A push reading its deltas outside the warehouse pool holds the file as dbt starts: the
    # dbt step is refused, run again, and builds the model once the reader has gone.
    env = built_warehouse.copy_to(tmp_path)
    reader = hold_until_a_retry(env["CROSSWALK_WAREHOUSE"], Path(env["DAGSTER_HOME"]))
    result = crosswalk_run(env, "--select", f'key:"{hcm_staging.to_user_string()}"')
    reader.join(timeout=60)
    assert result.returncode == 0, result.stdout[-4000:]
    assert hcm_staging.to_user_string() in result.stdout  # materialized

    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        retries = instance.all_logs(
            run_id_of(result.stdout), of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY
        )
    assert retries and all(e.step_key == "dbt_models" for e in retries)
