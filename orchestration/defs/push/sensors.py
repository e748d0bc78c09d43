"""The sync sensor: a build of `sync/<flow>` that did not push starts a push run for that flow.

A sensor only requests runs; pushing happens inside them (ARCHITECTURE §7). Its cursor keeps, per
flow, the storage id of the last `sync/<flow>` materialization it has handled, and each request's
run key is `push:<flow>:<storage id>`, so a delta batch is requested once even if the cursor were
lost. A build by a run that pushes itself (a whole-graph `crosswalk run`) is passed over.
"""

# No `from __future__ import annotations`: Dagster reads the context annotation at runtime.
import json

import dagster as dg

from orchestration.defs.push.assets import OPS_KEYS, push_key, sync_key
from orchestration.push.deltas import FLOWS


def run_pushes_itself(instance: dg.DagsterInstance, run_id: str, flow: str) -> bool:
    """Whether the run that built `sync/<flow>` also executes `push/<flow>`."""
    run = instance.get_run_by_id(run_id)
    if run is None:
        return False
    if run.asset_selection:
        return push_key(flow) in run.asset_selection
    # `crosswalk run` (dg.materialize) records no selection: its execution plan says what ran.
    if run.execution_plan_snapshot_id is None:
        return False
    plan = instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
    steps = plan.step_keys_to_execute or [step.key for step in plan.steps]
    return push_key(flow).to_python_identifier() in steps


@dg.sensor(
    name="push_after_sync_builds",
    description=(
        "Starts a push run for a flow when its sync model was built by a run that did not push."
    ),
    asset_selection=[*(push_key(flow) for flow in FLOWS), *OPS_KEYS],
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def push_after_sync_builds(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    cursor: dict[str, int] = json.loads(context.cursor) if context.cursor else {}
    requests = []
    for flow in FLOWS:
        records = context.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=sync_key(flow), after_storage_id=cursor.get(flow)),
            limit=1,
        ).records
        if not records:
            continue
        latest = records[0]  # newest first: older unhandled builds are superseded by it
        cursor[flow] = latest.storage_id
        if run_pushes_itself(context.instance, latest.run_id, flow):
            continue
        requests.append(
            dg.RunRequest(
                run_key=f"push:{flow}:{latest.storage_id}",
                asset_selection=[push_key(flow), *OPS_KEYS],
                tags={"crosswalk/trigger": "sync-sensor", "crosswalk/flow": flow},
            )
        )
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(cursor, sort_keys=True))
