"""`crosswalk plan`, `crosswalk replay`, `crosswalk approve-payroll`: the write-back's operations.

`plan` reads the deltas of the last build and says what a push would send, sending nothing.
`replay` re-sends chosen dead letters now (the fault that killed them should be lifted first).
`approve-payroll` records the audit checkpoint a pay run's GL journal waits for.
"""

from __future__ import annotations

import json
import sys

from orchestration.environment import warehouse_path
from orchestration.push.client import close_clients, target_clients
from orchestration.push.deltas import FLOWS, read_deltas
from orchestration.push.engine import PushEngine
from orchestration.push.plan import plan as plan_deltas
from orchestration.push.settings import PushSettings
from orchestration.push.store import OpsStore, ops_store_path


def plan(flows: list[str] | None, as_json: bool) -> int:
    settings = PushSettings.from_env()
    deltas = read_deltas(
        warehouse_path(), flows or FLOWS, wait_seconds=settings.warehouse_wait_seconds
    )
    result = plan_deltas(deltas, ops_store_path())
    if as_json:
        document = {
            "plan": result.run,
            "rows": result.rows(),
            "quarantined": result.quarantine_reasons,
            "writes": [
                {
                    "delta_id": d.delta_id,
                    "flow": d.flow,
                    "target": d.target_instance,
                    "operation": d.operation,
                    "entity_id": d.entity_id,
                }
                for d in result.writes
            ],
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        sys.stdout.write(result.render() + "\n")
    return 0


def replay(flow: str | None, ids: list[str] | None) -> int:
    clients = target_clients()
    try:
        report = PushEngine(clients).replay(flow=flow, ids=ids or None)
    finally:
        close_clients(clients)
    if not report.outcomes:
        sys.stdout.write("no dead letters to replay\n")
        return 0
    for key, counts in report.by_target().items():
        sys.stdout.write(f"  {key:50} {counts}\n")
    dead = report.counts().get("dead", 0)
    sys.stdout.write(f"replay {report.run}: {len(report.outcomes)} re-sent, {dead} dead again\n")
    return 1 if dead else 0


def approve_payroll(pay_run_id: str, approved_by: str) -> int:
    with OpsStore.open() as store:
        recorded = store.approve_payroll(pay_run_id, approved_by)
        approval = store.payroll_approval(pay_run_id)
    assert approval is not None
    if recorded:
        sys.stdout.write(f"pay run {pay_run_id} approved by {approved_by}: journal posts next\n")
    else:
        sys.stdout.write(
            f"pay run {pay_run_id} was approved already by {approval['approved_by']} "
            f"at {approval['approved_at']}\n"
        )
    return 0
