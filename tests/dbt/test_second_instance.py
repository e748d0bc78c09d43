"""A second instance of a vendor changes nothing about the first instance's findings and deltas.

Instances are configuration (ARCHITECTURE §4: "an acquired company's second BambooHR"), and a
vendor's ids are only unique within one instance. The shared built firm has one BambooHR, Harvest
and NetSuite instance; here its raw tables gain records of a second one whose ids collide with the
first's, as two real accounts' ids do, and the models reading them must keep each instance's
records apart:
- a second BambooHR's employee holding an acme employee's id (its people are numbered from 1
  too) is not the acme worker's ERP employee's: the ERP's externalId is the HCM id after the
  HCM instance's prefix (seed map_hcm_instance). While the second instance has no row, its
  workers match no ERP employee by externalId and get no ERP create, acme's are undisturbed, and
  the instance is a `mapping_missing` finding; configured with bare ids as acme is, an id both
  hold is held back (no match, no create) and both instances are findings; with a prefix of its
  own, each instance's ERP employees match by externalId, its hires are created under the
  prefixed id and its supervisors are named by it;
- findings and deltas name a worker by that externalId (`<instance>:<id>` while it is held back),
  so the two instances' workers with one id are two entities: neither's drift hides the
  other's, and they are not one worker with two ERP employees (`duplicate_identity`);
- an acme leave that moves to a second BambooHR no longer makes acme's booking a
  `booking_during_leave` finding (the leave joined the booking's worker on the bare employee id);
- a second Harvest account's project sharing an id with an acme project that has charge codes
  does not lend it those charge codes (`project_not_in_psa`, `sync.activate_project`);
- a second Harvest account's unapproved entry sharing its id with an acme entry due for posting is
  not posted to the ERP, and neither is acme's, whose finding stays open: the rule and the ERP's
  lines name an entry by that id alone (`sync.post_approved_time`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.dbt.canonical_support import copy_warehouse, dbt, query
from tests.dbt.conftest import BuiltWarehouse

SECOND_HCM = "bamboohr_globex"
SECOND_PSA = "harvest_beta"


@dataclass
class SecondInstance:
    warehouse: Path
    moved_leave_booking: str
    collided_project_code: str
    ambiguous_entry: str
    posted_before: set[str]
    shared_hcm_id: str
    erp_employee: str


def posted_entries(warehouse: Path) -> set[str]:
    """The time entry ids the labour journals to post carry."""
    return {
        str(line["time_entry_id"])
        for (payload,) in query(warehouse, "select payload from sync.post_approved_time")
        for line in json.loads(payload)["lines"]
    }


def one_row(warehouse: Path, sql: str, why: str, params: list[object] | None = None) -> tuple:
    rows = query(warehouse, sql, params)
    assert rows, f"the built firm has no {why}"
    return rows[0]


@pytest.fixture(scope="module")
def second_instance(
    built_warehouse: BuiltWarehouse, tmp_path_factory: pytest.TempPathFactory
) -> SecondInstance:
    built = built_warehouse.warehouse
    # A booking during leave whose worker has exactly one approved leave overlapping it.
    booking, leave_id = one_row(
        built,
        "select f.entity_id, min(t.time_off_request_id) "
        "from reconciliation.booking_during_leave as f "
        "inner join staging.stg_harvest__forecast_assignments as b on b.remote_id = f.entity_id "
        "inner join canonical.identity_map as psa "
        "on psa.system = 'harvest' and psa.remote_id = cast(b.user_id as varchar) "
        "inner join canonical.identity_map as hcm "
        "on hcm.system = 'bamboohr' and hcm.worker_id = psa.worker_id "
        "inner join staging.stg_bamboohr__time_off_requests as t "
        "on t.source_relation = hcm.source_relation "
        "and cast(t.employee_id as varchar) = hcm.remote_id and t.is_approved "
        "and t.start_date <= b.end_date and t.end_date >= b.start_date "
        "group by f.entity_id having count(distinct t.time_off_request_id) = 1 "
        "order by 1 limit 1",
        "booking_during_leave finding",
    )
    # An acme project with active charge codes: its id is the one beta's project takes.
    project_id, open_job_id = one_row(
        built,
        "select (select min(ta.project_id) from staging.stg_harvest__task_assignments as ta "
        "where ta.is_active and not ta.is_deleted), "
        "(select min(job_id) from staging.stg_netsuite__jobs where is_open and not is_deleted)",
        "project with charge codes or open ERP job",
    )
    # An acme entry due for posting.
    (ambiguous_entry,) = one_row(
        built,
        "select min(entity_id) from reconciliation.drift_observations "
        "where rule = 'approved_time_not_posted'",
        "approved time due for posting",
    )
    posted_before = posted_entries(built)
    assert ambiguous_entry in posted_before
    # An acme worker whose ERP employee is theirs by externalId (and whose email is theirs alone).
    shared_hcm_id, erp_employee = one_row(
        built,
        "select i.hcm_employee_id, min(i.remote_id) from canonical.identity_map as i "
        "where i.system = 'netsuite' and i.match_rule = 'external_id' and (select count(*) "
        "from canonical.identity_map as s where s.worker_id = i.worker_id "
        "and s.system = 'netsuite') = 1 and exists (select 1 from "
        "staging.stg_bamboohr__employees as b where b.remote_id = i.hcm_employee_id "
        "and b.supervisor_employee_id is not null and b.is_active and b.is_billable) "
        "group by 1 order by 1 limit 1",
        "ERP employee matched by externalId",
    )

    warehouse = copy_warehouse(built, tmp_path_factory.mktemp("second-instance"))
    code = "P-SECOND-1"
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute(
            "update raw_bamboohr.time_off_requests set source_relation = ? where id = ?",
            [SECOND_HCM, leave_id],
        )
        # globex's employee with the acme worker's id: another person (name, email).
        conn.execute(
            "insert into raw_bamboohr.employees by name select * replace (? as source_relation, "
            "'Other' as first_name, 'Person' as last_name, 'other.person@globex.example' "
            "as work_email) from raw_bamboohr.employees where cast(id as varchar) = ?",
            [SECOND_HCM, shared_hcm_id],
        )
        # An open ERP job no PSA project carries yet, and beta's project with its code and
        # acme's project's id (beta has no charge codes).
        conn.execute(
            "insert into raw_netsuite.jobs by name select * replace ("
            "(select max(id) + 1 from raw_netsuite.jobs) as id, ? as entityid) "
            "from raw_netsuite.jobs where id = ?",
            [code, open_job_id],
        )
        conn.execute(
            "insert into raw_harvest.projects by name select * replace ("
            "? as source_relation, ? as code) "
            "from raw_harvest.projects where id = ? and source_relation = 'harvest_acme'",
            [SECOND_PSA, code, project_id],
        )
        # beta's copy of the due entry, unapproved, with its user, project and task (so the
        # entry passes the record checks).
        for table, key in (("users", "user_id"), ("projects", "project_id"), ("tasks", "task_id")):
            conn.execute(
                f"insert into raw_harvest.{table} by name select * replace "
                f"(? as source_relation) from raw_harvest.{table} where id = "
                f"(select {key} from raw_harvest.time_entries where id = ?) "
                f"and source_relation = 'harvest_acme' and not exists (select 1 from "
                f"raw_harvest.{table} as held where held.source_relation = ? and held.id = "
                f"(select {key} from raw_harvest.time_entries where id = ?))",
                [SECOND_PSA, int(ambiguous_entry), SECOND_PSA, int(ambiguous_entry)],
            )
        conn.execute(
            "insert into raw_harvest.time_entries by name select * replace ("
            "? as source_relation, false as is_closed) from raw_harvest.time_entries where id = ?",
            [SECOND_PSA, int(ambiguous_entry)],
        )
    dbt(
        warehouse,
        built_warehouse.business_now,
        "run",
        "--select",
        "stg_harvest__time_entries",
        "identity_map",
        "worker",
        "provision_worker",
        "activate_project",
        "post_approved_time",
        "mapping_missing",
        "drift_observations",
    )
    return SecondInstance(
        warehouse, booking, code, ambiguous_entry, posted_before, shared_hcm_id, erp_employee
    )


def globex_namesakes_erp_employee(
    conn: duckdb.DuckDBPyConnection, like: str, external_id_prefix: str, first_name: str
) -> int:
    """An ERP employee for globex's namesake (a copy of acme's worker's `like`, with globex's
    email, `first_name` and the externalId after `external_id_prefix`): its id."""
    (employee,) = conn.execute(
        "insert into raw_netsuite.employees by name select * replace ("
        "(select max(id) + 1 from raw_netsuite.employees) as id, "
        "? || externalid as externalid, ? as firstname, 'Person' as lastname, "
        "'other.person@globex.example' as email) "
        "from raw_netsuite.employees where id = ? returning id",
        [external_id_prefix, first_name, int(like)],
    ).fetchone()
    return employee


def netsuite_identities(warehouse: Path, erp_employees: list[str]) -> list[tuple]:
    """(ERP employee, match rule, HCM instance of the worker it resolves to) of `erp_employees`."""
    return query(
        warehouse,
        "select i.remote_id, i.match_rule, h.source_relation from canonical.identity_map as i "
        "inner join canonical.identity_map as h "
        "on h.system = 'bamboohr' and h.worker_id = i.worker_id "
        f"where i.system = 'netsuite' and i.remote_id in ({', '.join('?' for _ in erp_employees)}) "
        "order by h.source_relation",
        erp_employees,
    )


def hcm_instance_findings(warehouse: Path) -> list[tuple]:
    return query(
        warehouse,
        "select entity_id, details from reconciliation.mapping_missing "
        "where entity_type = 'hcm_instance' order by 1",
    )


def test_an_unconfigured_hcm_instance_does_not_disturb_the_first(
    second_instance: SecondInstance,
) -> None:
    # globex has no row in map_hcm_instance: its namesake's bare id is not its externalId, so
    # acme's ERP employee stays acme's worker's, by externalId.
    assert netsuite_identities(second_instance.warehouse, [second_instance.erp_employee]) == [
        (second_instance.erp_employee, "external_id", "bamboohr_acme")
    ]
    # Each HCM record is its own worker's, once.
    self_rows = query(
        second_instance.warehouse,
        "select source_relation, count(*) from canonical.identity_map "
        "where system = 'bamboohr' and hcm_employee_id = ? group by 1 order by 1",
        [second_instance.shared_hcm_id],
    )
    assert self_rows == [("bamboohr_acme", 1), (SECOND_HCM, 1)]


def test_an_unconfigured_hcm_instances_workers_get_no_erp_create(
    second_instance: SecondInstance,
) -> None:
    # globex's namesake is an active worker no ERP employee resolves to; a create under its bare
    # id would upsert acme's worker's ERP employee, under any other id would be orphaned by the
    # prefix the instance is given later.
    unresolved = query(
        second_instance.warehouse,
        "select count(*) from canonical.identity_map as h where h.system = 'bamboohr' "
        "and h.source_relation = ? and h.hcm_employee_id = ? and not exists (select 1 from "
        "canonical.identity_map as e where e.system = 'netsuite' and e.worker_id = h.worker_id)",
        [SECOND_HCM, second_instance.shared_hcm_id],
    )
    assert unresolved == [(1,)]
    erp_creates = query(
        second_instance.warehouse,
        "select count(*) from sync.provision_worker where target_system = 'netsuite' "
        "and payload like '%other.person@globex.example%'",
    )
    assert erp_creates == [(0,)]
    # Not the PSA: a PSA user is matched by email, no id involved (one per PSA instance).
    psa_creates = query(
        second_instance.warehouse,
        "select target_instance, entity_id from sync.provision_worker "
        "where target_system = 'harvest' and natural_key = 'other.person@globex.example' "
        "order by 1",
    )
    held_back = f"{SECOND_HCM}:{second_instance.shared_hcm_id}"
    assert psa_creates == [("harvest_acme", held_back), (SECOND_PSA, held_back)]
    # Its findings: the PSA create is the write-back's to make; the ERP one waits for a person.
    findings = query(
        second_instance.warehouse,
        "select systems, json_extract_string(details, '$.waits_for'), auto_fixable "
        "from reconciliation.drift_observations "
        "where rule = 'worker_not_provisioned' and entity_id = ? order by 1",
        [held_back],
    )
    assert findings == [
        ("bamboohr,harvest", None, True),
        ("bamboohr,netsuite", "hcm_instance", False),
    ]


def test_an_unconfigured_hcm_instance_is_mapping_missing(second_instance: SecondInstance) -> None:
    assert hcm_instance_findings(second_instance.warehouse) == [
        (SECOND_HCM, '{"erp_external_id_prefix":null}')
    ]


def test_an_unconfigured_hcm_instances_erp_employee_is_not_updated_with_no_supervisor(
    second_instance: SecondInstance,
    built_warehouse: BuiltWarehouse,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """globex's namesake has an ERP employee by email, named otherwise: the update would name
    the supervisor by an externalId globex does not have yet, so it is not sent (a null there
    clears the ERP's supervisor), and the mismatch waits for the instance's mapping."""
    warehouse = copy_warehouse(second_instance.warehouse, tmp_path_factory.mktemp("by-email"))
    with duckdb.connect(str(warehouse)) as conn:
        employee = globex_namesakes_erp_employee(
            conn, second_instance.erp_employee, "legacy-", first_name="Otto"
        )
    dbt(
        warehouse,
        built_warehouse.business_now,
        "run",
        "--select",
        "identity_map",
        "update_worker",
        "drift_observations",
    )
    held_back = f"{SECOND_HCM}:{second_instance.shared_hcm_id}"
    assert netsuite_identities(warehouse, [str(employee)]) == [(str(employee), "email", SECOND_HCM)]
    updates = query(
        warehouse,
        "select count(*) from sync.update_worker where target_remote_id = ?",
        [str(employee)],
    )
    assert updates == [(0,)]
    findings = query(
        warehouse,
        "select details, auto_fixable from reconciliation.drift_observations "
        "where rule = 'worker_attribute_mismatch' and entity_id = ? "
        "and systems = 'bamboohr,netsuite'",
        [held_back],
    )
    assert findings == [('{"waits_for":"hcm_instance"}', False)]


@pytest.fixture(scope="module")
def bare_twice(
    second_instance: SecondInstance,
    built_warehouse: BuiltWarehouse,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """The second instance configured with bare ids, as the first is: its ids collide."""
    warehouse = copy_warehouse(second_instance.warehouse, tmp_path_factory.mktemp("bare-twice"))
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("insert into mappings.map_hcm_instance values (?, null)", [SECOND_HCM])
    dbt(
        warehouse,
        built_warehouse.business_now,
        "run",
        "--select",
        "identity_map",
        "provision_worker",
        "worker_not_provisioned",
        "mapping_missing",
    )
    return warehouse


def test_an_external_id_two_configured_hcm_instances_give_identifies_no_one(
    second_instance: SecondInstance, bare_twice: Path
) -> None:
    # One worker, acme's, by the email both hold; globex's namesake is nobody's ERP employee.
    assert netsuite_identities(bare_twice, [second_instance.erp_employee]) == [
        (second_instance.erp_employee, "email", "bamboohr_acme")
    ]
    erp_creates = query(
        bare_twice,
        "select count(*) from sync.provision_worker where target_system = 'netsuite' "
        "and (entity_id in (?, ?, ?) or payload like ?)",
        [
            second_instance.shared_hcm_id,
            f"bamboohr_acme:{second_instance.shared_hcm_id}",
            f"{SECOND_HCM}:{second_instance.shared_hcm_id}",
            f'%"supervisor_erp_external_id":"{second_instance.shared_hcm_id}"%',
        ],
    )
    assert erp_creates == [(0,)]
    # Findings name both workers by instance: neither externalId names one.
    named = query(
        bare_twice,
        "select distinct entity_id from reconciliation.worker_not_provisioned "
        "where entity_id like ? order by 1",
        [f"%:{second_instance.shared_hcm_id}"],
    )
    assert named == [(f"{SECOND_HCM}:{second_instance.shared_hcm_id}",)]
    # Either instance could take the prefix: both are findings, each with its prefix.
    assert hcm_instance_findings(bare_twice) == [
        ("bamboohr_acme", '{"erp_external_id_prefix":""}'),
        (SECOND_HCM, '{"erp_external_id_prefix":""}'),
    ]


@dataclass
class PrefixedInstance:
    warehouse: Path
    globex_erp_employee: str
    hire_id: str


@pytest.fixture(scope="module")
def prefixed_instance(
    second_instance: SecondInstance,
    built_warehouse: BuiltWarehouse,
    tmp_path_factory: pytest.TempPathFactory,
) -> PrefixedInstance:
    """The second instance with a prefix of its own, an ERP employee under the prefixed id for
    globex's namesake, and a globex hire (an acme billable worker's id) the ERP does not have."""
    warehouse = copy_warehouse(second_instance.warehouse, tmp_path_factory.mktemp("prefixed"))
    (hire_id,) = one_row(
        second_instance.warehouse,
        "select min(remote_id) from staging.stg_bamboohr__employees "
        "where source_relation = 'bamboohr_acme' and is_active and is_billable "
        "and not is_deleted and remote_id <> ?",
        "active billable acme worker",
        [second_instance.shared_hcm_id],
    )
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("insert into mappings.map_hcm_instance values (?, 'globex-')", [SECOND_HCM])
        globex_erp_employee = globex_namesakes_erp_employee(
            conn, second_instance.erp_employee, "globex-", first_name="Other"
        )
        conn.execute(
            "insert into raw_bamboohr.employees by name select * replace (? as source_relation, "
            "'Newly' as first_name, 'Hired' as last_name, 'newly.hired@globex.example' "
            "as work_email) from raw_bamboohr.employees "
            "where source_relation = 'bamboohr_acme' and cast(id as varchar) = ?",
            [SECOND_HCM, hire_id],
        )
    dbt(
        warehouse,
        built_warehouse.business_now,
        "run",
        "--select",
        "identity_map",
        "worker",
        "provision_worker",
        "update_worker",
        "worker_attribute_mismatch",
        "worker_not_provisioned",
        "duplicate_identity",
        "mapping_missing",
    )
    return PrefixedInstance(warehouse, str(globex_erp_employee), hire_id)


def test_a_prefixed_hcm_instance_matches_erp_employees_by_its_own_external_ids(
    second_instance: SecondInstance, prefixed_instance: PrefixedInstance
) -> None:
    matches = query(
        prefixed_instance.warehouse,
        "select i.remote_id, i.match_rule, h.source_relation from canonical.identity_map as i "
        "inner join canonical.identity_map as h "
        "on h.system = 'bamboohr' and h.worker_id = i.worker_id "
        "where i.system = 'netsuite' and i.remote_id in (?, ?) order by h.source_relation",
        [second_instance.erp_employee, prefixed_instance.globex_erp_employee],
    )
    assert matches == [
        (second_instance.erp_employee, "external_id", "bamboohr_acme"),
        (prefixed_instance.globex_erp_employee, "external_id", SECOND_HCM),
    ]
    collisions = query(
        prefixed_instance.warehouse,
        "select count(*) from reconciliation.mapping_missing where entity_type = 'hcm_instance'",
    )
    assert collisions == [(0,)]


def test_a_prefixed_hcm_instances_hire_is_created_under_the_prefixed_external_id(
    prefixed_instance: PrefixedInstance,
) -> None:
    creates = query(
        prefixed_instance.warehouse,
        "select entity_id, natural_key, payload from sync.provision_worker "
        "where target_system = 'netsuite' and natural_key like 'globex-%' order by 1",
    )
    # globex's namesake has its ERP employee (no create); the hire's create names globex's id.
    assert [(entity, key) for entity, key, _ in creates] == [
        (f"globex-{prefixed_instance.hire_id}", f"globex-{prefixed_instance.hire_id}")
    ]
    payload = json.loads(creates[0][2])
    assert payload["hcm_employee_id"] == prefixed_instance.hire_id
    assert payload["erp_external_id"] == f"globex-{prefixed_instance.hire_id}"
    ((supervisor,),) = query(
        prefixed_instance.warehouse,
        "select cast(supervisor_employee_id as varchar) from staging.stg_bamboohr__employees "
        "where source_relation = ? and remote_id = ?",
        [SECOND_HCM, prefixed_instance.hire_id],
    )
    assert payload.get("supervisor_erp_external_id") == (supervisor and f"globex-{supervisor}")


def test_a_prefixed_hcm_instances_supervisor_is_named_by_the_prefixed_external_id(
    second_instance: SecondInstance, prefixed_instance: PrefixedInstance
) -> None:
    # globex's namesake's ERP employee reports to acme's supervisor's employee (bare externalId);
    # HCM names globex's supervisor with the same id: the ERP is told globex's.
    ((supervisor,),) = query(
        prefixed_instance.warehouse,
        "select cast(supervisor_employee_id as varchar) from staging.stg_bamboohr__employees "
        "where source_relation = ? and remote_id = ?",
        [SECOND_HCM, second_instance.shared_hcm_id],
    )
    updates = query(
        prefixed_instance.warehouse,
        "select payload from sync.update_worker "
        "where target_system = 'netsuite' and target_remote_id = ?",
        [prefixed_instance.globex_erp_employee],
    )
    assert [json.loads(p)["supervisor_erp_external_id"] for (p,) in updates] == [
        f"globex-{supervisor}"
    ]
    mismatch = query(
        prefixed_instance.warehouse,
        "select count(*) from reconciliation.worker_attribute_mismatch "
        "where entity_id = ? and systems = 'bamboohr,netsuite'",
        [f"globex-{second_instance.shared_hcm_id}"],
    )
    assert mismatch == [(1,)]


def test_two_hcm_instances_workers_with_one_id_are_two_entities(
    second_instance: SecondInstance, prefixed_instance: PrefixedInstance
) -> None:
    shared = second_instance.shared_hcm_id
    # acme's worker is provisioned everywhere; globex's namesake (another person, with an ERP
    # employee under globex's externalId) is in no PSA account: that finding is globex's alone.
    unprovisioned = query(
        prefixed_instance.warehouse,
        "select entity_id, systems from reconciliation.worker_not_provisioned "
        "where entity_id in (?, ?, ?) order by 1, 2",
        [shared, f"globex-{shared}", f"globex-{prefixed_instance.hire_id}"],
    )
    assert unprovisioned == [
        (f"globex-{prefixed_instance.hire_id}", "bamboohr,harvest"),
        (f"globex-{prefixed_instance.hire_id}", "bamboohr,netsuite"),
        (f"globex-{shared}", "bamboohr,harvest"),
    ]
    # Each has one ERP employee: two workers, not one with two.
    duplicates = query(
        prefixed_instance.warehouse,
        "select entity_id from reconciliation.duplicate_identity where entity_id in (?, ?)",
        [shared, f"globex-{shared}"],
    )
    assert duplicates == []
    assert netsuite_identities(prefixed_instance.warehouse, [second_instance.erp_employee]) == [
        (second_instance.erp_employee, "external_id", "bamboohr_acme")
    ]


def test_a_leave_in_another_hcm_instance_is_not_this_workers_leave(
    second_instance: SecondInstance,
) -> None:
    findings = {
        entity_id
        for (entity_id,) in query(
            second_instance.warehouse,
            "select entity_id from reconciliation.booking_during_leave",
        )
    }
    assert second_instance.moved_leave_booking not in findings
    assert findings, "the rule still finds the firm's other bookings during leave"
    moved = query(
        second_instance.warehouse,
        "select count(*) from staging.stg_bamboohr__time_off_requests where source_relation = ?",
        [SECOND_HCM],
    )
    assert moved == [(1,)]  # the leave is kept, in the instance it now belongs to


def test_another_psa_instances_charge_codes_do_not_count_for_a_project(
    second_instance: SecondInstance,
) -> None:
    code = second_instance.collided_project_code
    findings = query(
        second_instance.warehouse,
        "select entity_id from reconciliation.project_not_in_psa where entity_id = ?",
        [code],
    )
    assert findings == [(code,)]
    creates = query(
        second_instance.warehouse,
        "select target_instance from sync.activate_project "
        "where operation = 'create' and entity_id = ? order by 1",
        [code],
    )
    assert (SECOND_PSA,) in creates


def test_an_entry_id_two_psa_instances_hold_is_not_posted_and_stays_a_finding(
    second_instance: SecondInstance,
) -> None:
    entry = second_instance.ambiguous_entry
    posted = posted_entries(second_instance.warehouse)
    # Held back, not guessed; every other due entry is posted as before.
    assert posted == second_instance.posted_before - {entry}
    # It stays a finding, one a person must settle: not the write-back's.
    open_finding = query(
        second_instance.warehouse,
        "select json_extract_string(details, '$.waits_for'), auto_fixable "
        "from reconciliation.drift_observations "
        "where rule = 'approved_time_not_posted' and entity_id = ?",
        [entry],
    )
    assert open_finding == [("psa_instance", False)]
    both = query(
        second_instance.warehouse,
        "select source_relation, is_approved from staging.stg_harvest__time_entries "
        "where remote_id = ? order by 1",
        [entry],
    )
    assert both == [("harvest_acme", True), (SECOND_PSA, False)]
