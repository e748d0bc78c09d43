"""`crosswalk run --full-refresh`: the way past an incremental model whose columns changed."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from crosswalk_cli.run_cmd import run_selection
from orchestration.defs.transform.assets import full_refresh_run_config
from tests.dbt.conftest import BuiltWarehouse, crosswalk_run, run_id_of

TIME_ENTRY = "canonical/time_entry"
DRIFT_FINDINGS = "reconciliation/drift_findings"


def snapshot(warehouse: str) -> tuple[list[str], int, dict[str, object]]:
    """time_entry's columns, its live rows, and each open finding's first_seen_at."""
    with duckdb.connect(warehouse, read_only=True) as conn:
        columns = [row[0] for row in conn.execute("describe canonical.time_entry").fetchall()]
        (live,) = conn.execute(
            "select count(*) from canonical.time_entry where not is_deleted"
        ).fetchone()  # type: ignore[misc]
        findings = dict(
            conn.execute(
                "select finding_id, first_seen_at from reconciliation.drift_findings "
                "where resolved_at is null"
            ).fetchall()
        )
    return columns, live, findings


def test_a_changed_incremental_model_is_refused_then_rebuilt_by_a_full_refresh(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    # A warehouse an older crosswalk built: its time_entry lacks a column the model makes now
    # (bill_amount) and has one the model no longer makes (retired_note).
    env = built_warehouse.copy_to(tmp_path)
    warehouse = env["CROSSWALK_WAREHOUSE"]
    with duckdb.connect(warehouse) as conn:
        conn.execute("alter table canonical.time_entry drop column bill_amount")
        conn.execute("alter table canonical.time_entry add column retired_note varchar")
    columns, live, findings = snapshot(warehouse)
    assert "bill_amount" not in columns and "retired_note" in columns
    assert live > 0 and findings
    select = f'key:"{TIME_ENTRY}" or key:"{DRIFT_FINDINGS}"'

    # The incremental build refuses the schema change (on_schema_change='fail') and keeps all.
    refused = crosswalk_run(env, "--no-push", "--select", select)
    assert refused.returncode == 1, refused.stdout[-4000:]
    assert "FAILED" in refused.stdout and "out of sync" in refused.stdout
    assert "crosswalk run --full-refresh" in refused.stdout  # crosswalk's way, not dbt's advice
    assert snapshot(warehouse) == (columns, live, findings)

    rebuilt = crosswalk_run(env, "--no-push", "--full-refresh", "--select", select)
    assert rebuilt.returncode == 0, rebuilt.stdout[-4000:]
    assert TIME_ENTRY in rebuilt.stdout and DRIFT_FINDINGS in rebuilt.stdout
    new_columns, new_live, new_findings = snapshot(warehouse)
    assert "bill_amount" in new_columns and "retired_note" not in new_columns
    assert new_live == live
    # drift_findings is exempt (full_refresh=false): every finding keeps when it was first seen.
    assert new_findings == findings

    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        run = instance.get_run_by_id(run_id_of(rebuilt.stdout))
    assert run is not None
    assert run.run_config["ops"]["dbt_models"]["config"] == {"full_refresh": True}


@pytest.fixture(scope="module")
def assets() -> list[object]:
    from orchestration.definitions import defs

    return list(defs.assets or [])


def test_full_refresh_reaches_only_the_dbt_ops_a_selection_covers(assets: list[object]) -> None:
    whole = full_refresh_run_config(assets, run_selection(None, push=True))
    assert whole is not None
    assert set(whole["ops"]) == {"dbt_models", "dbt_observability"}
    marts_only = full_refresh_run_config(assets, run_selection('key:"marts/headcount"', True))
    assert marts_only == {"ops": {"dbt_models": {"config": {"full_refresh": True}}}}
    # Nothing of dbt selected: nothing to refresh (the CLI refuses rather than run without it).
    assert full_refresh_run_config(assets, run_selection("group:harvest", True)) is None
