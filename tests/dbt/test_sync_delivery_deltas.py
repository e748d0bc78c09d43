"""The delivery sync models on the shared built warehouse: their deltas are exactly what the open
auto-fixable findings of their rules ask for, and their payloads validate.

The shared `crosswalk run` built the sync models with everything else; this module only reads.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pytest
from pydantic import ValidationError

from canonical_models.sync import PAYLOAD_MODELS
from canonical_models.sync.delivery import LabourJournal
from tests.dbt.conftest import BuiltWarehouse

DELIVERY_FLOWS = (
    "activate_project",
    "confirm_assignment",
    "post_approved_time",
    "post_payroll_journal",
)


@pytest.fixture(scope="module")
def deltas(built_warehouse: BuiltWarehouse) -> dict[str, Any]:
    assert built_warehouse.result.returncode == 0, built_warehouse.result.stdout[-4000:]
    warehouse = built_warehouse.warehouse
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        rows = {}
        for flow in DELIVERY_FLOWS:
            relation = conn.sql(f"select * from sync.{flow}")
            rows[flow] = [dict(zip(relation.columns, r, strict=True)) for r in relation.fetchall()]
        findings = conn.sql(
            "select rule, entity_id from reconciliation.drift_findings "
            "where status = 'open' and auto_fixable"
        ).fetchall()
    return {"rows": rows, "findings": findings}


def _open(deltas: dict[str, Any], *rules: str) -> set[str]:
    return {entity for rule, entity in deltas["findings"] if rule in rules}


def test_activate_project_covers_exactly_the_project_findings(deltas: dict[str, Any]) -> None:
    rows = deltas["rows"]["activate_project"]
    creates = {r["entity_id"] for r in rows if r["operation"] == "create"}
    changes = {r["entity_id"] for r in rows if r["operation"] in ("update", "deactivate")}
    not_in_psa = _open(deltas, "project_not_in_psa")
    status = _open(deltas, "project_status_mismatch")
    assert creates == not_in_psa, (creates - not_in_psa, not_in_psa - creates)
    assert changes == status, (changes - status, status - changes)
    assert {r["target_system"] for r in rows} <= {"harvest"}


def test_post_approved_time_posts_exactly_the_unposted_versions(deltas: dict[str, Any]) -> None:
    rows = deltas["rows"]["post_approved_time"]
    lines = [line for r in rows for line in json.loads(r["payload"])["lines"]]
    posted = [line["time_entry_id"] for line in lines]
    assert len(posted) == len(set(posted)), "an entry version is posted twice"
    unposted = _open(deltas, "approved_time_not_posted")
    assert unposted, "the lived firm has approved time past its SLA"
    assert set(posted) == unposted, (set(posted) - unposted, unposted - set(posted))
    assert {r["target_system"] for r in rows} <= {"netsuite"}


def test_delta_ids_are_unique_and_payloads_validate(deltas: dict[str, Any]) -> None:
    ids = [r["delta_id"] for rows in deltas["rows"].values() for r in rows]
    assert len(ids) == len(set(ids))
    failures = []
    for rows in deltas["rows"].values():
        for r in rows:
            model = PAYLOAD_MODELS[(r["flow"], r["target_system"])]
            try:
                model.model_validate(json.loads(r["payload"]))
            except ValidationError as exc:
                failures.append((r["flow"], r["entity_id"], str(exc)[:300]))
    assert not failures, failures


def test_a_line_without_cost_rate_or_with_negative_hours_is_refused() -> None:
    line = {
        "time_entry_id": "1",
        "entry_version": "2026-03-03 10:00:00",
        "hours": 2.0,
        "cost_rate": 50.0,
        "amount": 100.0,
        "gl_account_id": 5000,
    }
    journal = {
        "subsidiary_id": 1,
        "posting_date": "2026-03-04",
        "memo": "Labour cost 2026-03-03",
        "credit_account_id": 2100,
        "lines": [line],
    }
    assert LabourJournal.model_validate(journal).total == 100
    for bad, reason in (
        ({**line, "cost_rate": None}, "cost_rate"),
        ({**line, "hours": -1.0}, "hours"),
        ({**line, "amount": 90.0}, "hours × cost_rate"),
        ({**line, "vendor_field": 1}, "vendor_field"),
    ):
        with pytest.raises(ValidationError, match=reason):
            LabourJournal.model_validate({**journal, "lines": [bad]})
