"""Write-back as assets: `push/<flow>` sends each flow's deltas; `ops/*` mirror the ledger.

A push asset sits downstream of its dbt `sync/<flow>` model, so a run of the whole graph pushes
after the build, and the sync sensor (sensors.py) pushes after builds that did not. A push is not
a warehouse writer: it reads its deltas with a short read-only connection and works from the ops
store, so it stays out of the `warehouse` pool and never holds up ingestion or dbt. The mirrors
copy the ops store's ledger and dead letters into the warehouse (`ops.sync_ledger`,
`ops.dead_letter`, ARCHITECTURE §7) for BI, in the warehouse pool.

`push/post_payroll_journal` carries the audit checkpoint: a pay run's journal waits until
`crosswalk approve-payroll RUN_ID` records an approval, and its asset check stays in warning,
naming the pay runs, while any waits.
"""

# No `from __future__ import annotations`: Dagster reads the context annotation at runtime.
from collections.abc import Iterator

import dagster as dg

from orchestration.defs.ingest.assets import WAREHOUSE_POOL
from orchestration.environment import warehouse_path
from orchestration.push.circuit import circuit_states
from orchestration.push.client import close_clients, target_clients
from orchestration.push.deltas import FLOWS, read_deltas
from orchestration.push.engine import PAYROLL_FLOW, PushEngine, PushReport
from orchestration.push.mirror import MIRRORED, mirror_ops_tables
from orchestration.push.settings import PushSettings
from orchestration.push.store import ops_store_path

PUSH_GROUP = "push"
APPROVAL_CHECK = "pay_runs_approved"


# The ops store tables the ops_mirror asset copies into the warehouse (one multi-asset: a run
# selects all of them or none).
OPS_KEYS = [dg.AssetKey(["ops", table]) for table in MIRRORED]


def push_key(flow: str) -> dg.AssetKey:
    return dg.AssetKey([PUSH_GROUP, flow])


def sync_key(flow: str) -> dg.AssetKey:
    return dg.AssetKey(["sync", flow])


def _report_metadata(report: PushReport) -> dict[str, dg.MetadataValue]:
    counts = report.counts()
    return {
        "correlation_id": dg.MetadataValue.text(report.run),
        "deltas": dg.MetadataValue.int(len(report.outcomes)),
        **{outcome: dg.MetadataValue.int(n) for outcome, n in sorted(counts.items())},
        "by_target": dg.MetadataValue.json(report.by_target()),
        "circuits": dg.MetadataValue.json(circuit_states(ops_store_path())),
    }


def push_asset(flow: str) -> dg.AssetsDefinition:
    checks = (
        [dg.AssetCheckSpec(APPROVAL_CHECK, asset=push_key(flow))] if flow == PAYROLL_FLOW else []
    )

    @dg.asset(
        key=push_key(flow),
        deps=[sync_key(flow)],
        group_name=PUSH_GROUP,
        kinds={"python"},
        check_specs=checks,
        description=(
            f"Sends the `sync.{flow}` deltas to their target systems: validated, paced, retried, "
            "recorded attempt by attempt in the ops ledger (docs/write-back.md)."
        ),
    )
    def _push(
        context: dg.AssetExecutionContext,
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        settings = PushSettings.from_env()
        deltas = read_deltas(warehouse_path(), [flow], wait_seconds=settings.warehouse_wait_seconds)
        clients = target_clients(settings=settings)
        try:
            report = PushEngine(clients, settings=settings, run_id=context.run_id).push(
                deltas, [flow]
            )
        finally:
            close_clients(clients)
        context.log.info(f"push {flow}: {report.counts() or 'nothing to send'}")
        yield dg.MaterializeResult(metadata=_report_metadata(report))
        if flow == PAYROLL_FLOW:
            waiting = report.awaiting_approval()
            yield dg.AssetCheckResult(
                check_name=APPROVAL_CHECK,
                passed=not waiting,
                severity=dg.AssetCheckSeverity.WARN,
                description=(
                    "Pay runs whose GL journal waits for `crosswalk approve-payroll RUN_ID`."
                ),
                metadata={"awaiting_approval": dg.MetadataValue.json(waiting)},
            )

    return _push


def ops_mirror_asset(push_assets: list[dg.AssetsDefinition]) -> dg.AssetsDefinition:
    @dg.multi_asset(
        specs=[
            dg.AssetSpec(
                ["ops", table],
                group_name="ops",
                kinds={"duckdb"},
                deps=[key for asset in push_assets for key in asset.keys],
                description=f"The ops store's `{table}`, copied into the warehouse for BI.",
            )
            for table in MIRRORED
        ],
        name="ops_mirror",
        pool=WAREHOUSE_POOL,
    )
    def _mirror() -> Iterator[dg.MaterializeResult]:
        rows = mirror_ops_tables(ops_store_path(), warehouse_path())
        for table, count in rows.items():
            yield dg.MaterializeResult(
                asset_key=["ops", table], metadata={"dagster/row_count": count}
            )

    return _mirror


def push_assets() -> list[dg.AssetsDefinition]:
    pushes = [push_asset(flow) for flow in FLOWS]
    return [*pushes, ops_mirror_asset(pushes)]
