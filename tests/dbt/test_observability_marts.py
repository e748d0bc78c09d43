"""The observability marts and assets on the shared firm (seed 42, built with `--no-push`).

Read from what `crosswalk run` left (tests/dbt/conftest.py): the warehouse, its published BI copy
and the Dagster instance of the run. Each figure is checked against a value computed another way:
the reconciliation findings and the sandbox's truth, the instance's own records, the existing
marts. The write-back's figures (backlog, dead letters, push failures) are tested on the firm
that pushed (tests/push/test_push_observability.py): this one never pushes, so they are zero.
"""

from __future__ import annotations

import json
from datetime import UTC
from decimal import Decimal
from typing import Any

import dagster as dg
import duckdb
import pytest

from dlt_sources.common.sandbox_profile import SANDBOX_SECRETS
from orchestration.defs.freshness import last_refreshed
from orchestration.defs.observability.assets import DOMAIN_SYNC_KEY, OPS_HEALTH_KEY
from orchestration.freshness.sla import domains
from tests.dbt.conftest import BuiltWarehouse

MARTS = ("ops_domain_health", "ops_push_backlog", "ops_unprovisioned_workers")
SECRETS = {
    value
    for instances in SANDBOX_SECRETS.values()
    for keys in instances.values()
    for value in keys.values()
}


def rows(database: Any, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(database), read_only=True) as conn:
        conn.execute("set TimeZone = 'UTC'")
        cursor = conn.execute(sql)
        names = [column[0] for column in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture(scope="module")
def built(built_warehouse: BuiltWarehouse) -> BuiltWarehouse:
    assert built_warehouse.result.returncode == 0, built_warehouse.result.stdout[-4000:]
    return built_warehouse


def latest_metadata(built: BuiltWarehouse, key: dg.AssetKey) -> dict[str, Any]:
    with dg.DagsterInstance.from_config(str(built.dagster_home)) as instance:
        event = instance.get_latest_materialization_event(key)
    assert event is not None and event.asset_materialization is not None
    return {name: value.value for name, value in event.asset_materialization.metadata.items()}


def test_unprovisioned_billable_workers_are_the_open_provisioning_findings_and_the_truth(
    built: BuiltWarehouse,
) -> None:
    mart = rows(built.warehouse, "select * from marts.ops_unprovisioned_workers")
    findings = rows(
        built.warehouse,
        "select entity_id, systems from reconciliation.drift_findings "
        "where rule = 'worker_not_provisioned' and status = 'open'",
    )
    missing: dict[str, set[str]] = {}
    for finding in findings:
        missing.setdefault(finding["entity_id"], set()).update(finding["systems"].split(","))
    assert mart, "the lived firm has billable workers nobody provisioned"
    assert {r["worker_entity_id"]: r for r in mart}.keys() == missing.keys()
    for row in mart:
        systems = missing[row["worker_entity_id"]]
        assert (row["is_missing_in_psa"], row["is_missing_in_erp"]) == (
            "harvest" in systems,
            "netsuite" in systems,
        )
        assert row["worker_id"] is not None
        # One HCM instance: a worker is named by their bare HCM id.
        assert row["hcm_employee_id"] == row["worker_entity_id"]
        # Never pushed: no provisioning delta was ever enqueued.
        assert (row["psa_push_state"], row["erp_push_state"]) == (None, None)
    truth = built.control("/truth/drift?standing=true")["drift"]
    standing = {d["entity_id"] for d in truth if d["rule"] == "worker_not_provisioned"}
    assert missing.keys() == standing


def test_domain_health_holds_the_lag_the_instance_records_and_each_domain_backlog(
    built: BuiltWarehouse,
) -> None:
    health = {
        r["domain"]: r for r in rows(built.warehouse, "select * from marts.ops_domain_health")
    }
    assert set(health) == {d.name for d in domains()}
    measured = rows(built.warehouse, "select * from ops.domain_sync")
    assert len(measured) == len(health)  # one measurement, after ingesting
    with dg.DagsterInstance.from_config(str(built.dagster_home)) as instance:
        keys = instance.get_asset_keys()
        for domain in domains():
            row = health[domain.name]
            # Raw keys are `<vendor>/<table>`; the freshness sensor's reading of them.
            refreshed = last_refreshed(instance, [k for k in keys if k.path[0] == domain.group])
            assert refreshed is not None, domain.name
            assert row["last_refreshed_at"].replace(tzinfo=UTC) == refreshed, domain.name
            lag = (row["measured_at"].replace(tzinfo=UTC) - refreshed).total_seconds() / 60
            assert float(row["sync_lag_minutes"]) == pytest.approx(lag, abs=1e-5)
            # The one run that built this firm ingested every domain, and it was still going.
            assert (row["ingestion_runs"], row["failed_ingestion_runs"]) == (0, 0)
            assert row["ingestion_failure_rate"] is None
            assert (row["pending_deltas"], row["open_dead_letters"], row["push_attempts"]) == (
                0,
                0,
                0,
            )
    unposted = rows(
        built.warehouse,
        "select count(*) as entries, coalesce(sum(hours), 0) as hours, "
        "count(case when is_overdue then 1 end) as overdue from marts.unposted_approved_time",
    )[0]
    delivery = health["delivery"]
    assert (
        delivery["unposted_approved_entries"],
        delivery["unposted_approved_hours"],
        delivery["overdue_unposted_entries"],
    ) == (unposted["entries"], Decimal(unposted["hours"]), unposted["overdue"])
    unprovisioned = rows(
        built.warehouse, "select count(*) as n from marts.ops_unprovisioned_workers"
    )
    assert health["worker_master"]["unprovisioned_billable_workers"] == unprovisioned[0]["n"]
    assert health["delivery"]["unprovisioned_billable_workers"] is None
    # No push, so no ops store mirror: the backlog mart reads the missing tables as empty.
    assert rows(built.warehouse, "select * from marts.ops_push_backlog") == []


def test_the_observability_marts_are_published_for_bi_as_built(built: BuiltWarehouse) -> None:
    published = {
        r["table_name"]: r["row_count"]
        for r in rows(built.bi_warehouse, "select * from main._published")
    }
    for mart in MARTS:
        sql = f"select * from marts.{mart} order by all"
        assert rows(built.bi_warehouse, sql) == rows(built.warehouse, sql), mart
        assert published[mart] == len(rows(built.warehouse, sql)), mart
    assert "domain_sync" not in published  # ops.* stays in the warehouse


def test_asset_metadata_shows_the_published_figures_and_no_secrets(built: BuiltWarehouse) -> None:
    health = latest_metadata(built, OPS_HEALTH_KEY)
    sync = latest_metadata(built, DOMAIN_SYNC_KEY)
    marts = {
        r["domain"]: r for r in rows(built.bi_warehouse, "select * from marts.ops_domain_health")
    }
    assert (
        health["unprovisioned_billable_workers"]
        == (marts["worker_master"]["unprovisioned_billable_workers"])
    )
    assert health["unposted_approved_entries"] == marts["delivery"]["unposted_approved_entries"]
    aging = rows(
        built.bi_warehouse,
        "select sum(open_findings) as n, max(max_age_days) as days from marts.exception_aging",
    )[0]
    assert health["open_findings"] == aging["n"]
    assert health["oldest_open_finding_days"] == pytest.approx(float(aging["days"]))
    for domain, row in marts.items():
        assert health[f"pending_deltas/{domain}"] == row["pending_deltas"] == 0
        assert sync[f"sync_lag_minutes/{domain}"] == pytest.approx(
            float(row["sync_lag_minutes"]), abs=1e-3
        )
    assert "not_published" not in health
    shown = json.dumps([health, sync], default=str)
    assert not [secret for secret in SECRETS if secret in shown]
    assert "http" not in shown
