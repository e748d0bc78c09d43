"""Observability assets: the domain measurement on a real instance, and their place in the graph.

`ops/domain_sync` is materialized for real (Dagster instance on disk, DuckDB warehouse file) after
stand-in ingestion assets with the real groups' keys succeeded and failed in real runs; its rows
and metadata are checked against what Dagster's own run step statistics and the freshness
sensor's reading of the instance say. The marts built from it are tested on the shared firms
(tests/dbt/test_observability_marts.py, tests/push/test_push_observability.py).
"""

# No `from __future__ import annotations`: Dagster reads the stand-in's config annotation.
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from crosswalk_cli.run_cmd import run_selection
from orchestration.defs.freshness import last_refreshed
from orchestration.defs.observability.assets import (
    DOMAIN_SYNC_KEY,
    OPS_HEALTH_KEY,
    OUTBOX_KEY,
    domain_sync_asset,
)
from orchestration.defs.transform.assets import PUBLISHED_WAREHOUSE_KEY
from orchestration.freshness.health import domain_health
from orchestration.freshness.sla import domains
from orchestration.observability.health_report import HealthReport
from orchestration.observability.metadata import health_metadata, markdown_table
from orchestration.push.deltas import FLOWS
from tests.support.sandbox_process import REPO

OBSERVABILITY = REPO / "dbt_project" / "models" / "observability"


class StandInConfig(dg.Config):
    fail_after: int = -1  # raise before the asset at this index; -1: never


def stand_in_ingestion(group: str, tables: list[str]) -> dg.AssetsDefinition:
    """A group's ingestion as one step, like dlt's: it can fail after some tables loaded."""

    @dg.multi_asset(
        specs=[dg.AssetSpec([group, table], group_name=group) for table in tables],
        name=f"{group}_raw",
    )
    def _raw(config: StandInConfig) -> Iterator[dg.MaterializeResult]:
        for index, table in enumerate(tables):
            if index == config.fail_after:
                raise dg.Failure(f"{group} stopped answering")
            yield dg.MaterializeResult(asset_key=[group, table])

    return _raw


def ingest(instance: dg.DagsterInstance, assets: dg.AssetsDefinition, fail_after: int = -1) -> None:
    dg.materialize(
        [assets],
        instance=instance,
        run_config={"ops": {assets.op.name: {"config": {"fail_after": fail_after}}}},
        raise_on_error=False,
    )


def step_outcomes(instance: dg.DagsterInstance, step: str) -> list[str]:
    """The status of `step` in every run that had it, from Dagster's run step statistics."""
    return [
        stat.status.value
        for record in instance.get_run_records()
        for stat in instance.get_run_step_stats(record.dagster_run.run_id)
        if stat.step_key == step
    ]


@pytest.fixture()
def instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    home = tmp_path / "dagster_home"
    home.mkdir()
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        yield instance


def test_domain_sync_measures_lag_and_ingestion_failures_as_the_instance_records_them(
    instance: dg.DagsterInstance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("CROSSWALK_WAREHOUSE", str(warehouse))
    hcm = stand_in_ingestion("bamboohr", ["employees", "job_info"])
    psa = stand_in_ingestion("harvest", ["users"])
    keys_by_group = {
        "bamboohr": sorted(hcm.keys),
        "harvest": sorted(psa.keys),
        "netsuite": [dg.AssetKey(["netsuite", "jobs"])],  # planned nowhere, never refreshed
    }
    ingest(instance, hcm)
    ingest(instance, hcm, fail_after=1)  # employees loaded, then the HCM stopped answering
    ingest(instance, psa)
    measure = domain_sync_asset(keys_by_group)

    result = dg.materialize([measure], instance=instance)

    with duckdb.connect(str(warehouse), read_only=True) as conn:
        cursor = conn.execute("select * from ops.domain_sync")
        names = [column[0] for column in cursor.description]
        rows = {row[2]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    assert set(rows) == {d.name for d in domains()}
    hcm_steps = step_outcomes(instance, "bamboohr_raw")
    assert len(hcm_steps) == 2
    worker_master = rows["worker_master"]
    assert worker_master["ingestion_runs"] == len(hcm_steps)
    assert worker_master["failed_ingestion_runs"] == hcm_steps.count("FAILURE")
    assert worker_master["failed_ingestion_runs"] == 1
    # The failed run refreshed employees, so job_info (first run) is the least fresh: the lag is
    # the freshness sensor's, measured from it.
    assert worker_master["least_fresh_asset"] == "bamboohr/job_info"
    refreshed = last_refreshed(instance, keys_by_group["bamboohr"])
    assert refreshed is not None
    measured_at = worker_master["measured_at"].replace(tzinfo=UTC)
    assert worker_master["last_refreshed_at"].replace(tzinfo=UTC) == refreshed
    assert worker_master["sync_lag_seconds"] == pytest.approx(
        (measured_at - refreshed).total_seconds(), abs=1e-3
    )
    domain = next(d for d in domains() if d.name == "worker_master")
    assert worker_master["freshness_state"] == domain_health(domain, refreshed, measured_at).state
    assert (rows["delivery"]["ingestion_runs"], rows["delivery"]["failed_ingestion_runs"]) == (1, 0)
    never = rows["financial_dimensions"]
    assert never["freshness_state"] == "UNKNOWN" and never["least_fresh_asset"] == "netsuite/jobs"
    assert never["sync_lag_seconds"] is None and never["ingestion_runs"] == 0
    assert rows["payroll"]["freshness_state"] == "UNKNOWN"  # no gusto asset at all

    # The same figures as numbers Dagster plots, one per domain; none where there is no figure.
    metadata = result.asset_materializations_for_node(measure.op.name)[0].metadata
    assert metadata["failed_ingestion_runs/worker_master"].value == 1
    assert metadata["ingestion_failure_rate/worker_master"].value == pytest.approx(0.5)
    assert metadata["sync_lag_minutes/delivery"].value == pytest.approx(
        rows["delivery"]["sync_lag_seconds"] / 60, abs=1e-3
    )
    assert "sync_lag_minutes/financial_dimensions" not in metadata
    assert "ingestion_failure_rate/financial_dimensions" not in metadata
    assert "| worker_master | PASS |" in str(metadata["domains"].value)
    assert metadata["dagster/row_count"].value == len(domains())


def test_runs_before_the_window_do_not_count_and_measurements_are_appended(
    instance: dg.DagsterInstance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("CROSSWALK_WAREHOUSE", str(warehouse))
    hcm = stand_in_ingestion("bamboohr", ["employees"])
    ingest(instance, hcm, fail_after=0)
    measure = domain_sync_asset({"bamboohr": sorted(hcm.keys)})
    dg.materialize([measure], instance=instance)
    started = datetime.now(UTC)
    result = dg.materialize(
        [measure],
        instance=instance,
        run_config={"ops": {measure.op.name: {"config": {"window_hours": 1e-6}}}},
    )
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        history = conn.execute(
            "select measured_at, ingestion_runs, failed_ingestion_runs from ops.domain_sync "
            "where domain = 'worker_master' order by measured_at"
        ).fetchall()
    assert [(runs, failed) for _, runs, failed in history] == [(1, 1), (0, 0)]
    assert history[1][0].replace(tzinfo=UTC) >= started - timedelta(seconds=1)
    metadata = result.asset_materializations_for_node(measure.op.name)[0].metadata
    assert "ingestion_failure_rate/worker_master" not in metadata
    assert "sync_lag_minutes/worker_master" not in metadata  # never refreshed


def test_health_metadata_plots_each_domain_and_reads_the_aging_as_a_table() -> None:
    domain_row = {
        "domain": "delivery",
        "freshness_state": "PASS",
        "sync_lag_minutes": 2.5,
        "pending_deltas": 3,
        "open_dead_letters": 1,
        "push_failure_rate": None,
        "unprovisioned_billable_workers": None,
        "unposted_approved_entries": 7,
        "unposted_approved_hours": 12.5,
        "overdue_unposted_entries": 2,
    }
    aging = [
        {"owner": "hr", "age_bucket": "0-1d", "open_findings": 2, "max_age_days": 0.5},
        {"owner": "hr", "age_bucket": "7-30d", "open_findings": 1, "max_age_days": 9.0},
    ]
    report = HealthReport(
        published_at=None,
        rows={"ops_domain_health": [domain_row], "exception_aging": aging},
        missing=("ops_push_backlog",),
    )
    metadata = health_metadata(report)
    assert metadata["pending_deltas/delivery"].value == 3
    assert metadata["unposted_approved_hours"].value == 12.5
    assert "push_failure_rate/delivery" not in metadata  # no attempts: nothing to plot
    assert "unprovisioned_billable_workers" not in metadata  # not the delivery domain's
    assert metadata["open_findings"].value == 3
    assert metadata["oldest_open_finding_days"].value == 9.0
    assert "| hr | 2 | 0 | 0 | 1 | 0 | 3 |" in str(metadata["exception_aging"].value)
    assert metadata["not_published"].value == "ops_push_backlog"


def test_markdown_table_shows_missing_values_as_a_dash_and_escapes_pipes() -> None:
    table = markdown_table(("a", "b", "c"), [(None, 1.234, "x|y")])
    assert table.splitlines() == ["| a | b | c |", "|---|---|---|", "| – | 1.23 | x\\|y |"]


def test_every_flow_belongs_to_a_domain_of_the_sla_table() -> None:
    # The flow -> domain mapping lives in the backlog mart's SQL; its accepted values are the
    # SLA table's domains, so a new flow or domain must be added in both places.
    sql = (OBSERVABILITY / "ops_push_backlog.sql").read_text()
    mapped = dict(re.findall(r"when '(\w+)' then '(\w+)'", sql))
    assert set(mapped) == set(FLOWS)
    names = {d.name for d in domains()}
    assert set(mapped.values()) == names
    properties = yaml.safe_load((OBSERVABILITY / "_observability__models.yml").read_text())
    for model in properties["models"]:
        for column in model["columns"]:
            if column["name"] == "domain":
                (accepted,) = [t for t in column["data_tests"] if isinstance(t, dict)]
                assert set(accepted["accepted_values"]["arguments"]["values"]) == names


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from orchestration.definitions import defs

    return defs


def test_observability_assets_sit_where_runs_need_them(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    ingestion = {k for k in graph.get_all_asset_keys() if k.path[0] in ("bamboohr", "netsuite")}
    measure = graph.get(DOMAIN_SYNC_KEY)
    assert ingestion <= measure.parent_keys and measure.pools == {"warehouse"}
    assert graph.get(OUTBOX_KEY).group_name == "ops"  # `--no-push` leaves it out
    assert graph.get(OPS_HEALTH_KEY).parent_keys == {PUBLISHED_WAREHOUSE_KEY}
    marts = {k for k in graph.get_all_asset_keys() if graph.get(k).group_name == "observability"}
    assert {
        dg.AssetKey(["marts", name])
        for name in ("ops_push_backlog", "ops_unprovisioned_workers", "ops_domain_health")
    } <= marts
    assert marts <= graph.get(PUBLISHED_WAREHOUSE_KEY).parent_keys | {
        DOMAIN_SYNC_KEY,
        OPS_HEALTH_KEY,
    }
    no_push = run_selection(None, push=False).resolve(graph)
    assert OUTBOX_KEY not in no_push and marts <= no_push


def test_the_full_cycle_builds_the_observability_marts_in_a_dbt_step_of_their_own(
    defs: dg.Definitions,
) -> None:
    # Regression: inside the one dbt op, the marts over the write-back's mirror made a cycle
    # (dbt -> push -> mirror -> dbt) that Dagster resolved by splitting the op by depth; the
    # seeds' step then ran a relationships test on a model not built yet, and a fresh
    # warehouse's first `crosswalk run` failed.
    steps = set(defs.resolve_job_def("full_cycle").graph.node_dict)
    assert {"dbt_models", "dbt_observability"} <= steps
    assert not [step for step in steps if re.fullmatch(r"dbt_\w+_\d+", step)]
    for job in ("bamboohr_worker_events", "gusto_worker_events"):
        selected = set(defs.resolve_job_def(job).asset_layer.selected_asset_keys)
        assert not {DOMAIN_SYNC_KEY, OUTBOX_KEY, OPS_HEALTH_KEY} & selected
        assert not [k for k in selected if k.path[-1].startswith("ops_")]
    observe = defs.resolve_job_def("observe_domain_sync")
    assert set(observe.asset_layer.selected_asset_keys) == {DOMAIN_SYNC_KEY}
    schedule = defs.resolve_schedule_def("observe_domain_sync_schedule")
    assert schedule.cron_schedule == "*/15 * * * *"
