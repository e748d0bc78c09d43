"""The worker flows' deltas (sync.provision_worker, update_worker, offboard_worker) on the shared
built firm: they cover every open auto-fixable finding of the worker rules, per flow and target,
and nothing else; every payload validates against its flow's payload model.

The shared `crosswalk run` built the sync models with everything else; this module only reads.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from canonical_models.sync import PAYLOAD_MODELS
from tests.dbt.conftest import BuiltWarehouse

WORKER_FLOWS = ("provision_worker", "update_worker", "offboard_worker")
WORKER_RULES = (
    "worker_not_provisioned",
    "worker_status_mismatch",
    "worker_attribute_mismatch",
    "booking_after_termination",
)
# A finding names a booking; the delta releasing it is about the assignment (the contract's name).
DELTA_ENTITY_TYPE = {"booking": "assignment"}

Key = tuple[str, str, str, str]  # flow, target system, entity type, entity id


@pytest.fixture(scope="module")
def worker_deltas(built_warehouse: BuiltWarehouse) -> Path:
    """The built warehouse, whose sync models the shared `crosswalk run` built."""
    assert built_warehouse.result.returncode == 0, built_warehouse.result.stdout[-4000:]
    return built_warehouse.warehouse


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.sql(sql).fetchall()


def finding_keys(warehouse: Path) -> set[Key]:
    """Open auto-fixable findings of the worker rules, keyed as the deltas that fix them."""
    rules = ", ".join(f"'{r}'" for r in WORKER_RULES)
    rows = _rows(
        warehouse,
        "select fix_flow, split_part(systems, ',', 2), entity_type, entity_id "
        "from reconciliation.drift_findings "
        f"where status = 'open' and auto_fixable and rule in ({rules})",
    )
    return {
        (flow, target, DELTA_ENTITY_TYPE.get(kind, kind), eid) for flow, target, kind, eid in rows
    }


def delta_rows(warehouse: Path) -> list[dict]:
    union = " union all ".join(f"select * from sync.{flow}" for flow in WORKER_FLOWS)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        relation = conn.sql(union)
        columns = relation.columns
        return [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]


def test_deltas_cover_every_worker_finding_and_nothing_else(worker_deltas: Path) -> None:
    deltas = delta_rows(worker_deltas)
    findings = finding_keys(worker_deltas)
    # Payroll creates are for new hires absent from payroll (ARCHITECTURE §7: "payroll employee
    # if absent"); no rule judges them, so they are checked apart below.
    found = {
        (d["flow"], d["target_system"], d["entity_type"], d["entity_id"])
        for d in deltas
        if d["target_system"] != "gusto"
    }
    missed, spurious = sorted(findings - found), sorted(found - findings)
    assert not missed and not spurious, f"findings with no delta: {missed}\ndeltas: {spurious}"
    assert findings, "the lived firm should have worker drift to fix"

    # Nothing was pushed on this firm: every new hire without payroll is also being provisioned.
    provisioned = {eid for flow, _, _, eid in findings if flow == "provision_worker"}
    payroll = [d for d in deltas if d["target_system"] == "gusto"]
    assert payroll and {d["entity_id"] for d in payroll} <= provisioned
    assert all(d["flow"] == "provision_worker" and d["operation"] == "create" for d in payroll)


def test_deltas_have_one_row_per_target_record(worker_deltas: Path) -> None:
    deltas = delta_rows(worker_deltas)
    assert len({d["delta_id"] for d in deltas}) == len(deltas)
    for d in deltas:
        is_create = d["operation"] == "create"
        assert (d["target_remote_id"] is None) == is_create, d
        assert d["natural_key"] or not is_create, d
    per_record = [
        (d["flow"], d["target_instance"], d["entity_id"], d["target_remote_id"]) for d in deltas
    ]
    assert len(set(per_record)) == len(per_record)


def test_every_payload_validates_against_its_model(worker_deltas: Path) -> None:
    deltas = delta_rows(worker_deltas)
    counts: dict[tuple[str, str], int] = {}
    for d in deltas:
        model = PAYLOAD_MODELS[(d["flow"], d["target_system"])]
        model.model_validate(json.loads(d["payload"]))
        counts[(d["flow"], d["target_system"])] = counts.get((d["flow"], d["target_system"]), 0) + 1
    print("worker deltas per flow and target:", counts)
    assert set(counts) >= {("provision_worker", "harvest"), ("offboard_worker", "harvest")}
