"""Observability as assets (docs/observability.md): what only Dagster knows, and the BI figures.

- `ops/domain_sync` measures each business domain from the Dagster instance (sync lag, ingestion
  runs and failures over a window), appends the measurement to the warehouse's `ops.domain_sync`
  and carries it as numeric metadata (the Plots tab charts it). Downstream of every ingestion
  asset, so a full run measures after ingesting; a run whose ingestion failed skips it, which is
  why it also runs alone every 15 minutes (schedules.py).
- `ops/outbox` copies the ops store's outbox (no payloads) into the warehouse after the pushes,
  for the backlog marts; group `ops` with the other mirrors, so `--no-push` leaves it out.
- dbt builds the marts over them (models/observability/: `marts.ops_*`), published with every mart.
- `bi/ops_health` reads those marts and exception aging from the published copy and carries
  their figures as numeric metadata: what BI sees, charted in the UI.

Writers of the warehouse run in its pool; `bi/ops_health` only reads the published copy.
"""

# No `from __future__ import annotations`: Dagster reads the context annotation at runtime.
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import dagster as dg

from orchestration.defs.ingest.assets import WAREHOUSE_POOL
from orchestration.defs.push.assets import push_key
from orchestration.defs.transform.assets import PUBLISHED_WAREHOUSE_KEY
from orchestration.environment import warehouse_path
from orchestration.lib.publish import bi_warehouse_path
from orchestration.observability.domain_sync import measure_domains
from orchestration.observability.health_report import read_health_report
from orchestration.observability.measurements import append_measurements
from orchestration.observability.metadata import domain_sync_metadata, health_metadata
from orchestration.observability.outbox_mirror import mirror_outbox
from orchestration.push.deltas import FLOWS
from orchestration.push.store import ops_store_path

OBSERVABILITY_GROUP = "observability"
DOMAIN_SYNC_KEY = dg.AssetKey(["ops", "domain_sync"])
OUTBOX_KEY = dg.AssetKey(["ops", "outbox"])
OPS_HEALTH_KEY = dg.AssetKey(["bi", "ops_health"])
DEFAULT_WINDOW_HOURS = 24.0  # = dbt var observability_window_hours, the push failure window
# The observability marts, built by a dbt op of their own after the write-back's mirrors
# (orchestration/defs/transform/assets.py, transform_assets).
DBT_SLICE = {"dbt_observability": "path:models/observability"}


class DomainSyncConfig(dg.Config):
    """How far back ingestion runs count."""

    window_hours: float = DEFAULT_WINDOW_HOURS


def domain_sync_asset(keys_by_group: Mapping[str, Sequence[dg.AssetKey]]) -> dg.AssetsDefinition:
    """`ops/domain_sync`, measuring the domains whose ingestion assets `keys_by_group` lists."""

    @dg.asset(
        key=DOMAIN_SYNC_KEY,
        group_name=OBSERVABILITY_GROUP,
        deps=sorted({key for keys in keys_by_group.values() for key in keys}),
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description=(
            "Each business domain's sync lag (now - last successful ingestion of its least fresh "
            "asset), freshness state against its SLA and ingestion runs/failures over a window, "
            "from the Dagster instance; appended to ops.domain_sync (docs/observability.md)."
        ),
    )
    def _domain_sync(
        context: dg.AssetExecutionContext, config: DomainSyncConfig
    ) -> dg.MaterializeResult:
        measured = measure_domains(
            context.instance,
            keys_by_group,
            datetime.now(UTC),
            timedelta(hours=config.window_hours),
        )
        rows = append_measurements(warehouse_path(), measured, context.run_id)
        return dg.MaterializeResult(
            metadata={**domain_sync_metadata(measured), "dagster/row_count": rows}
        )

    return _domain_sync


@dg.asset(
    key=OUTBOX_KEY,
    group_name="ops",
    deps=[push_key(flow) for flow in FLOWS],
    pool=WAREHOUSE_POOL,
    kinds={"duckdb"},
    description=(
        "The ops store's outbox (states, no payloads), copied into the warehouse for the backlog "
        "marts (docs/observability.md)."
    ),
)
def outbox_mirror() -> dg.MaterializeResult:
    rows = mirror_outbox(ops_store_path(), warehouse_path())
    return dg.MaterializeResult(metadata={"dagster/row_count": rows})


@dg.asset(
    key=OPS_HEALTH_KEY,
    group_name=OBSERVABILITY_GROUP,
    deps=[PUBLISHED_WAREHOUSE_KEY],
    kinds={"duckdb"},
    description=(
        "The health marts as published for BI (marts.ops_domain_health, ops_push_backlog, "
        "exception_aging) as numeric metadata per domain: backlog, dead letters, push failure "
        "rate, unprovisioned workers, unposted approved time, open findings "
        "(docs/observability.md)."
    ),
)
def ops_health(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    report = read_health_report(bi_warehouse_path(warehouse_path()))
    if report.missing:
        context.log.warning(f"not in the published copy: {', '.join(report.missing)}")
    return dg.MaterializeResult(metadata=health_metadata(report))


def observability_assets(
    keys_by_group: Mapping[str, Sequence[dg.AssetKey]],
) -> list[dg.AssetsDefinition]:
    return [domain_sync_asset(keys_by_group), outbox_mirror, ops_health]
