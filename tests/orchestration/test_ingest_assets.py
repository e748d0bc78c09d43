"""Ingestion as Dagster assets: keys, pool, repeated runs, and `crosswalk run` end to end."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import httpx
import pytest

from orchestration.defs.ingest.assets import VENDORS, WAREHOUSE_POOL
from tests.support.contract import RAW_TABLES
from tests.support.crosswalk import crosswalk_run, run_env
from tests.support.sandbox_process import REPO, SandboxProcess, start_sandbox
from tests.support.warehouse_reader import hold_until_a_retry


def test_every_raw_table_is_an_asset_keyed_vendor_slash_table() -> None:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    for vendor in VENDORS:
        assert {f"{vendor}/{table}" for table in RAW_TABLES[vendor]} <= keys
    for key in graph.get_all_asset_keys():
        vendor = key.path[0]
        if vendor not in VENDORS:
            continue  # dbt models and the BI copy sit downstream (tests/dbt)
        node = graph.get(key)
        assert node.group_name == vendor
        assert not node.parent_keys  # raw tables are roots
        assert node.pools == {WAREHOUSE_POOL}


@pytest.fixture(scope="module")
def run_sandbox(tmp_path_factory: pytest.TempPathFactory):
    process = start_sandbox(tmp_path_factory.mktemp("run-sandbox"))
    yield process
    process.stop()


def test_a_new_warehouse_loads_everything_though_another_was_loaded_on_this_machine(
    run_sandbox: SandboxProcess, tmp_path: Path
) -> None:
    # Two checkouts on one machine, each with the default relative warehouse path and dlt's
    # machine-wide data dir: the second must not inherit the first one's cursors (it would load
    # nothing into its new warehouse).
    shared = {"DLT_DATA_DIR": str(tmp_path / "machine-wide-dlt")}
    truth = httpx.get(run_sandbox.base("control") + "/truth/counts", timeout=120).json()
    for name in ("first-checkout", "second-checkout"):
        checkout = tmp_path / name
        checkout.mkdir()
        # What a checkout carries that `crosswalk run` reads from its working directory.
        shutil.copytree(REPO / ".dlt", checkout / ".dlt", ignore=shutil.ignore_patterns("secrets*"))
        env = run_env(run_sandbox, checkout) | shared | {"CROSSWALK_WAREHOUSE": "warehouse.duckdb"}
        result = subprocess.run(
            [sys.executable, "-m", "crosswalk_cli.main", "run"]
            + ["--select", "group:bamboohr", "--no-push"],
            cwd=checkout,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        with duckdb.connect(str(checkout / "warehouse.duckdb"), read_only=True) as conn:
            landed = conn.execute("select count(*) from raw_bamboohr.employees").fetchone()[0]
        assert landed == truth["bamboohr"]["employees"], name


def test_crosswalk_run_lands_every_raw_table_equal_to_truth(
    run_sandbox: SandboxProcess, tmp_path: Path
) -> None:
    env = run_env(run_sandbox, tmp_path)
    # Ingestion only: the whole graph (dbt after it) is tests/dbt's business.
    result = crosswalk_run(env, "--select", " or ".join(f"group:{v}" for v in VENDORS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "succeeded" in result.stdout
    truth = httpx.get(run_sandbox.base("control") + "/truth/counts", timeout=120).json()
    with duckdb.connect(env["CROSSWALK_WAREHOUSE"], read_only=True) as conn:
        for vendor in VENDORS:
            for table, expected in truth[vendor].items():
                landed = conn.execute(f'select count(*) from raw_{vendor}."{table}"').fetchone()[0]
                assert landed == expected, f"{vendor}/{table}: {landed} landed, truth {expected}"
    # The runs are in the instance the UI reads.
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        assert instance.get_runs_count() >= 1


def test_crosswalk_run_fails_loudly_when_a_system_is_down(tmp_path: Path) -> None:
    down = SandboxProcess(
        name="sandbox",
        url="http://127.0.0.1:9",  # the discard port: nothing answers
        process=None,  # type: ignore[arg-type]
        log_path=tmp_path / "log",
        port=9,
        state=tmp_path / "none",
    )
    # One attempt: what is under test is how the failure surfaces, not how long it is retried.
    env = run_env(down, tmp_path) | {"RUNTIME__REQUEST_MAX_ATTEMPTS": "1"}
    result = crosswalk_run(env, "--select", f"group:{VENDORS[0]}")
    assert result.returncode != 0
    # The source's own step failed, and says which system did not answer.
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAILED ")]
    assert failed and all(line.startswith(f"FAILED {VENDORS[0]}_raw") for line in failed), (
        result.stdout
    )
    reason = result.stdout[result.stdout.index(failed[0]) :]
    assert "port=9" in reason and "Connection refused" in reason, result.stdout
    assert not Path(env["CROSSWALK_WAREHOUSE"]).exists() or _no_rows(env["CROSSWALK_WAREHOUSE"])


def _no_rows(warehouse: str) -> bool:
    with duckdb.connect(warehouse, read_only=True) as conn:
        tables = conn.execute(
            "select count(*) from information_schema.tables where table_schema like 'raw_%' "
            "and table_name not like '_dlt%'"
        ).fetchone()[0]
    return tables == 0


def test_materializing_twice_in_one_process_succeeds(
    run_sandbox: SandboxProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Regression for dagster-io/dagster#34052: dagster-dlt mutates the dlt schema, so a second
    # materialization of the same @dlt_assets in one process failed with KeyError: 'name'.
    for key, value in run_env(run_sandbox, tmp_path).items():
        monkeypatch.setenv(key, value)
    from orchestration.definitions import defs
    from orchestration.defs.ingest.assets import vendor_assets

    # Harvest: its second run finds most resources unchanged and loads nothing for them, which
    # made dagster-dlt's row count raise ("Missing jobs metadata"); counts must still be reported.
    assets = vendor_assets("harvest")
    with dg.DagsterInstance.ephemeral() as instance:
        for _ in range(2):
            result = dg.materialize([assets], instance=instance, resources=defs.resources)
            assert result.success
    counts = {
        event.materialization.asset_key.path[-1]: event.materialization.metadata[
            "dagster/row_count"
        ].value
        for event in result.get_asset_materialization_events()
    }
    with duckdb.connect(os.environ["CROSSWALK_WAREHOUSE"], read_only=True) as conn:
        for table in RAW_TABLES["harvest"]:
            landed = conn.execute(f"select count(*) from raw_harvest.{table}").fetchone()[0]
            assert counts[table] == landed > 0, table


def test_ingestion_waits_for_a_reader_holding_the_warehouse_and_loses_nothing(
    run_sandbox: SandboxProcess, tmp_path: Path
) -> None:
    # A push reads its deltas with a short read-only connection outside the warehouse pool; a
    # writer starting meanwhile is refused by DuckDB. Here the reader holds the file until the
    # run has retried its step.
    env = run_env(run_sandbox, tmp_path)
    warehouse = env["CROSSWALK_WAREHOUSE"]
    duckdb.connect(warehouse).close()
    reader = hold_until_a_retry(warehouse, Path(env["DAGSTER_HOME"]))
    result = crosswalk_run(env, "--select", "group:bamboohr", "--no-push")
    reader.join(timeout=60)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        (record,) = instance.get_run_records(limit=1)
        retries = instance.all_logs(
            record.dagster_run.run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY
        )
    assert retries, "the refused step was not retried"
    assert all(e.step_key == "bamboohr_raw" for e in retries)
    truth = httpx.get(run_sandbox.base("control") + "/truth/counts", timeout=120).json()
    with duckdb.connect(warehouse, read_only=True) as conn:
        for table, expected in truth["bamboohr"].items():
            landed = conn.execute(f'select count(*) from raw_bamboohr."{table}"').fetchone()[0]
            assert landed == expected, f"bamboohr/{table}: {landed} landed, truth {expected}"
