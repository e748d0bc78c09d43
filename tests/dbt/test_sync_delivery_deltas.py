"""The delivery sync models on the shared built warehouse: their deltas are exactly what the open
auto-fixable findings of their rules ask for, and their payloads validate. The two flows no rule
names as its fix (resource allocations, payroll journals) are checked against what the vendors'
own records say is missing (the sandbox's state, read directly).

The shared `crosswalk run` built the sync models with everything else; this module reads them,
and rebuilds `post_approved_time` on a copy of the warehouse to check how uncostable time is
batched.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pydantic import ValidationError

from canonical_models.sync import PAYLOAD_MODELS
from canonical_models.sync.delivery import ActivateProject, LabourJournal
from tests.dbt.canonical_support import copy_warehouse, dbt, query
from tests.dbt.conftest import BuiltWarehouse

DELIVERY_FLOWS = (
    "activate_project",
    "confirm_assignment",
    "post_approved_time",
    "post_payroll_journal",
)
PAYROLL = "post_payroll_journal"


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


def _journal_lines(warehouse: Path) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """`{time entry id: (journal entity id, that journal's lines)}` of sync.post_approved_time."""
    by_entry = {}
    for entity_id, payload in query(
        warehouse, "select entity_id, payload from sync.post_approved_time"
    ):
        lines = json.loads(payload)["lines"]
        for line in lines:
            by_entry[line["time_entry_id"]] = (entity_id, lines)
    return by_entry


def test_an_entry_with_no_psa_cost_rate_is_costed_at_erp_labour_cost_or_refused_alone(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    warehouse = copy_warehouse(built_warehouse.warehouse, tmp_path)
    before = _journal_lines(warehouse)
    # Two due entries of two workers who have an ERP employee with a labour cost, each in a
    # journal with other entries: one loses its PSA cost rate (the ERP cost stands in), the
    # other loses it and its worker's ERP labour cost too (nothing can cost it).
    candidates = query(
        warehouse,
        "select t.remote_id, i.remote_id from canonical.identity_map h "
        "join staging.stg_harvest__time_entries t on cast(t.user_id as varchar) = h.remote_id "
        "join canonical.identity_map i on i.worker_id = h.worker_id and i.system = 'netsuite' "
        "join staging.stg_netsuite__employees e on e.remote_id = i.remote_id "
        "where h.system = 'harvest' and e.labor_cost is not null and t.cost_rate is not null "
        # One ERP employee per worker: the one whose labour cost the line must carry.
        "and (select count(*) from canonical.identity_map x "
        "     where x.worker_id = h.worker_id and x.system = 'netsuite') = 1 "
        "order by t.remote_id",
    )
    due = [row for row in candidates if len(before.get(row[0], ((), ()))[1]) > 1]
    costed, refused = due[0], next(row for row in due if row[1] != due[0][1])
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute(
            "update raw_harvest.time_entries set cost_rate = null "
            "where cast(id as varchar) in (?, ?)",
            [costed[0], refused[0]],
        )
        conn.execute(
            "update raw_netsuite.employees set laborcost = null where cast(id as varchar) = ?",
            [refused[1]],
        )
        # The firm's ERP labour cost equals its PSA cost rate: make the stand-in show.
        conn.execute(
            "update raw_netsuite.employees set laborcost = 123.45 where cast(id as varchar) = ?",
            [costed[1]],
        )
    # A full rebuild: the raw rows changed in place, under versions the incremental models hold.
    dbt(
        warehouse,
        built_warehouse.business_now,
        "run",
        "--full-refresh",
        "--select",
        "+post_approved_time",
    )
    after = _journal_lines(warehouse)

    assert set(after) == set(before), "every due entry is still in exactly one journal"
    entity_id, lines = after[costed[0]]
    line = next(line for line in lines if line["time_entry_id"] == costed[0])
    assert Decimal(str(line["cost_rate"])) == Decimal("123.45")
    assert len(lines) > 1 and not entity_id.endswith(costed[0])
    LabourJournal.model_validate(_payload_of(warehouse, entity_id))

    entity_id, lines = after[refused[0]]
    assert entity_id.endswith(f":{refused[0]}") and len(lines) == 1
    with pytest.raises(ValidationError, match="cost_rate"):
        LabourJournal.model_validate(_payload_of(warehouse, entity_id))
    # The refused entry's day-mates still post together, and validate.
    LabourJournal.model_validate(_payload_of(warehouse, before[refused[0]][0]))
    # Its finding says it waits for a person; the one the ERP cost stands in for does not.
    findings = query(
        warehouse,
        "select entity_id, details, auto_fixable from reconciliation.drift_observations "
        "where rule = 'approved_time_not_posted' and entity_id in (?, ?) order by 1",
        [costed[0], refused[0]],
    )
    assert sorted(findings) == sorted(
        [
            (costed[0], '{"costable":true}', True),
            (refused[0], '{"costable":false}', False),
        ]
    )


def _payload_of(warehouse: Path, entity_id: str) -> dict[str, Any]:
    (payload,) = query(
        warehouse, "select payload from sync.post_approved_time where entity_id = ?", [entity_id]
    )[0]
    return json.loads(payload)


def test_an_open_project_left_with_no_charge_code_is_found_and_created_again(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    """A create that stopped after the project (charge codes refused, a kill): the project is
    there but nobody can log time to it, so the rule finds it and the flow proposes it again."""
    warehouse = copy_warehouse(built_warehouse.warehouse, tmp_path)
    code, project_id = query(
        warehouse,
        "select j.project_code, p.project_id from staging.stg_netsuite__jobs j "
        "join staging.stg_harvest__projects p on p.project_code = j.project_code "
        "where j.is_open and not j.is_deleted and p.is_active and not p.is_deleted "
        "and exists (select 1 from staging.stg_harvest__task_assignments ta "
        "            where ta.project_id = p.project_id and ta.is_active and not ta.is_deleted) "
        "order by 1 limit 1",
    )[0]
    found = "select entity_id from reconciliation.project_not_in_psa"  # a view: always current
    assert (code,) not in query(warehouse, found)
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute(
            "update raw_harvest.task_assignments set is_active = false where project_id = ?",
            [project_id],
        )
    assert (code,) in query(warehouse, found)

    dbt(warehouse, built_warehouse.business_now, "run", "--select", "activate_project")
    [(operation, target_remote_id, payload)] = query(
        warehouse,
        "select operation, target_remote_id, payload from sync.activate_project "
        "where entity_id = ?",
        [code],
    )
    assert (operation, target_remote_id) == ("create", None)  # the handler adopts by code
    create = ActivateProject.model_validate(json.loads(payload))
    assert create.is_create and create.task_ids


def _vendor_state(built: BuiltWarehouse) -> sqlite3.Connection:
    """The sandbox's own records (the vendors' side), read-only."""
    conn = sqlite3.connect(f"file:{built.sandbox.state}?mode=ro", uri=True, timeout=30)
    conn.row_factory = sqlite3.Row
    return conn


def test_payroll_journals_are_the_vendors_processed_pay_runs_the_erp_has_no_journal_for(
    built_warehouse: BuiltWarehouse, deltas: dict[str, Any]
) -> None:
    # Worked out from the vendors' records, not the warehouse: Gusto's processed payrolls with
    # their totals, less those a NetSuite journal line already names. No rule names this flow as
    # its fix, so the findings cannot say what it should hold.
    with closing(_vendor_state(built_warehouse)) as vendor:
        expected = {
            row["uuid"]: row
            for row in vendor.execute(
                "select uuid, check_date, start_date, end_date, gross_pay, employer_taxes "
                "from gusto_payrolls where processed = 1 and uuid not in (select "
                "custcol_cw_pay_run from ns_transactionline where custcol_cw_pay_run is not null)"
            )
        }
    assert expected, "the lived firm has processed pay runs with no journal yet"
    journals = {r["entity_id"]: json.loads(r["payload"]) for r in deltas["rows"][PAYROLL]}
    assert journals.keys() == expected.keys(), (
        journals.keys() - expected.keys(),
        expected.keys() - journals.keys(),
    )
    for pay_run, journal in journals.items():
        payroll = expected[pay_run]
        assert (
            Decimal(str(journal["gross_pay"])),
            Decimal(str(journal["employer_taxes"])),
            journal["posting_date"],
            journal["period_start_date"],
            journal["period_end_date"],
        ) == (
            Decimal(payroll["gross_pay"]),
            Decimal(payroll["employer_taxes"]),
            payroll["check_date"],
            payroll["start_date"],
            payroll["end_date"],
        ), pay_run


def test_allocations_are_the_vendors_bookings_in_force_the_erp_does_not_cost(
    built_warehouse: BuiltWarehouse, deltas: dict[str, Any]
) -> None:
    # From the vendors' records: Forecast bookings ending today or later that no NetSuite
    # resource allocation names, each with the ERP employee of its person (by email, or by the
    # HCM id of the BambooHR employee with that email) and the ERP job of its project code.
    today = built_warehouse.business_now[:10]
    with closing(_vendor_state(built_warehouse)) as vendor:
        bookings = {
            str(row["id"]): dict(row)
            for row in vendor.execute(
                "select b.id, b.start_date, b.end_date, b.allocation, u.email, p.code, "
                "(select min(j.id) from ns_job j where j.entityid = p.code) as job, "
                "(select min(e.id) from ns_employee e where lower(e.email) = lower(u.email) "
                "or e.externalid in (select cast(h.id as text) from bamboohr_employees h "
                "where lower(h.workEmail) = lower(u.email))) as employee "
                "from forecast_assignments b "
                "join harvest_users u on u.id = b.person_id "
                "join harvest_projects p on p.id = b.project_id "
                "where b.end_date >= ? and cast(b.id as text) not in "
                "(select externalid from ns_resourceallocation where externalid is not null)",
                (today,),
            )
        }
    # Bookings whose worker has no ERP employee or whose project no ERP job wait for another
    # rule's fix (orphan, not provisioned, not in the ERP); the rest each need an allocation.
    expected = {k: b for k, b in bookings.items() if b["employee"] and b["job"]}
    assert expected, "the lived firm has bookings in force the ERP does not cost"
    allocations = {
        r["entity_id"]: json.loads(r["payload"]) for r in deltas["rows"]["confirm_assignment"]
    }
    assert allocations.keys() == expected.keys(), (
        allocations.keys() - expected.keys(),
        expected.keys() - allocations.keys(),
    )
    for booking_id, allocation in allocations.items():
        booking = expected[booking_id]
        assert (
            str(allocation["erp_employee_id"]),
            str(allocation["erp_job_id"]),
            allocation["start_date"],
            allocation["end_date"],
            Decimal(str(allocation["hours_per_day"])),
        ) == (
            str(booking["employee"]),
            str(booking["job"]),
            booking["start_date"],
            booking["end_date"],
            Decimal(booking["allocation"]) / 3600,
        ), booking_id
