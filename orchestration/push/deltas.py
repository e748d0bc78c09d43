"""Reading the flows' deltas (dbt `sync.<flow>`) from the warehouse, without holding it.

The warehouse takes one writing process at a time and refuses even readers meanwhile
(ARCHITECTURE §9); a push is not a writer, so it opens a short read-only connection and, if a
writer holds the file, waits and tries again (tenacity) up to `warehouse_wait_seconds`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import duckdb
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_random_exponential

from orchestration.lib.warehouse_lock import held_by_another_process
from orchestration.push.types import Delta

FLOWS = (
    "provision_worker",
    "update_worker",
    "offboard_worker",
    "activate_project",
    "confirm_assignment",
    "post_approved_time",
    "post_payroll_journal",
)
COLUMNS = (
    "delta_id",
    "flow",
    "target_system",
    "target_instance",
    "operation",
    "entity_type",
    "entity_id",
    "target_remote_id",
    "natural_key",
    "payload",
    "observed_at",
)


class DeltasNotBuilt(RuntimeError):
    """A flow's sync model is not in the warehouse yet (run dbt first)."""


def read_deltas(
    warehouse: Path, flows: Iterable[str] = FLOWS, *, wait_seconds: float = 600.0
) -> list[Delta]:
    """The current deltas of `flows`, in a stable order (flow, target, entity, delta id)."""
    flows = list(flows)
    unknown = sorted(set(flows) - set(FLOWS))
    if unknown:
        raise ValueError(f"unknown flow(s) {', '.join(unknown)}; flows are {', '.join(FLOWS)}")
    if not warehouse.exists():
        raise DeltasNotBuilt(f"no warehouse at {warehouse}: run `crosswalk run` first")
    for attempt in Retrying(
        retry=retry_if_exception(held_by_another_process),
        stop=stop_after_delay(wait_seconds),
        wait=wait_random_exponential(multiplier=0.5, max=10),
        reraise=True,
    ):
        with attempt, duckdb.connect(str(warehouse), read_only=True) as conn:
            built = {
                name
                for (name,) in conn.execute(
                    "select table_name from information_schema.tables where table_schema = 'sync'"
                ).fetchall()
            }
            missing = [flow for flow in flows if flow not in built]
            if missing:
                raise DeltasNotBuilt(
                    f"sync model(s) {', '.join(missing)} not built in {warehouse}: run dbt first"
                )
            select = ", ".join(COLUMNS)
            union = " union all ".join(f"select {select} from sync.{flow}" for flow in flows)
            rows = conn.execute(
                f"{union} order by flow, target_instance, entity_id, delta_id"
            ).fetchall()
    return [
        Delta(**{**dict(zip(COLUMNS, row, strict=True)), "payload": json.loads(row[9])})
        for row in rows
    ]
