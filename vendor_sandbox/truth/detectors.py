"""One detector per rule id: the disagreements standing in the sandbox right now.

Detectors see only what the four systems show (the identity rules crosswalk must use, never the
generator's hidden person ids), so their findings are exactly what a correct reconciliation of
freshly ingested data reports. Identity: a PSA user is the HCM worker with the same normalised
(trimmed, lower-case) work email; an ERP employee is the worker whose id is its externalId, else
the one with its email; a payroll employee is the worker whose employeeNumber is its
employee_code, else the one with its work email. Records seeded dirty are ignored.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime

import orjson

from vendor_sandbox.catalog import mappings
from vendor_sandbox.clock import iso_z
from vendor_sandbox.truth.rules import (
    PAYROLL_HOURS_TOLERANCE,
    POSTING_AMOUNT_TOLERANCE,
    POSTING_SLA_HOURS_AFTER_MIDNIGHT,
)


@dataclass(frozen=True)
class Finding:
    rule: str
    entity_type: str
    entity_id: str
    systems: tuple[str, ...]
    details: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.rule, self.entity_type, self.entity_id, ",".join(self.systems))


VIEWS = """
drop table if exists temp.v_hcm;
drop table if exists temp.v_harvest_res;
drop table if exists temp.v_netsuite_res;
drop table if exists temp.v_gusto_res;
create temp table v_hcm as
select id as hcm_id, employeeNumber as number, lower(trim(workEmail)) as email_key,
    firstName as first_name, lastName as last_name, department, customLegalEntity as legal_entity,
    customLaborCategory as labor_category, supervisorEId as supervisor_id,
    status = 'Active' as is_active, customBillable = 'Yes' as is_billable,
    terminationDate as termination_date, hireDate as hire_date
from bamboohr_employees where deletedAt is null;
create index temp.ix_v_hcm_id on v_hcm (hcm_id);
create index temp.ix_v_hcm_email on v_hcm (email_key);
create index temp.ix_v_hcm_number on v_hcm (number);
create index temp.ix_v_hcm_id_text on v_hcm (cast(hcm_id as text));

create temp table v_harvest_res as
select u.id as user_id, h.hcm_id
from harvest_users u join v_hcm h on h.email_key = lower(trim(u.email));
create index temp.ix_v_hres_user on v_harvest_res (user_id);
create index temp.ix_v_hres_hcm on v_harvest_res (hcm_id);

create temp table v_netsuite_res as
select n.id as ns_id, coalesce(hx.hcm_id, he.hcm_id) as hcm_id
from ns_employee n
left join v_hcm hx on n.externalid is not null and cast(hx.hcm_id as text) = n.externalid
left join v_hcm he on hx.hcm_id is null and he.email_key = lower(trim(n.email))
where coalesce(hx.hcm_id, he.hcm_id) is not null;
create index temp.ix_v_nres_ns on v_netsuite_res (ns_id);
create index temp.ix_v_nres_hcm on v_netsuite_res (hcm_id);

create temp table v_gusto_res as
select g.uuid as gusto_uuid, coalesce(hx.hcm_id, he.hcm_id) as hcm_id
from gusto_employees g
left join v_hcm hx on g.employee_code is not null and hx.number = g.employee_code
left join v_hcm he on hx.hcm_id is null
    and he.email_key = lower(trim(coalesce(g.work_email, g.email)))
where coalesce(hx.hcm_id, he.hcm_id) is not null;
create index temp.ix_v_gres_uuid on v_gusto_res (gusto_uuid);
create index temp.ix_v_gres_hcm on v_gusto_res (hcm_id);

create temp view if not exists v_clean_entries as
select * from harvest_time_entries t
where not exists (
    select 1 from sandbox_dirty d
    where d.system = 'harvest' and d.entity = 'time_entries' and d.remote_id = cast(t.id as text)
);

create temp view if not exists v_clean_leave as
select * from bamboohr_time_off_requests r
where r.status = 'approved' and not exists (
    select 1 from sandbox_dirty d
    where d.system = 'bamboohr' and d.entity = 'time_off_requests'
        and d.remote_id = cast(r.id as text)
);
"""


def _load_mappings(conn: sqlite3.Connection) -> None:
    for table in ("map_department", "map_legal_entity", "map_labor_category", "map_task"):
        conn.execute(f"create temp table if not exists {table} (code text primary key, erp_id int)")
        conn.execute(f"delete from {table}")
    m = mappings()
    conn.executemany(
        "insert into map_department values (?, ?)",
        [(r["hcm_department"], r["erp_department_id"]) for r in m["department"]],
    )
    conn.executemany(
        "insert into map_legal_entity values (?, ?)",
        [(r["hcm_legal_entity"], r["erp_subsidiary_id"]) for r in m["legal_entity"]],
    )
    conn.executemany(
        "insert into map_labor_category values (?, ?)",
        [(r["hcm_labor_category"], r["erp_class_id"]) for r in m["labor_category"]],
    )
    conn.executemany(
        "insert into map_task values (?, ?)",
        [(r["psa_task"], r["gl_account_id"]) for r in m["task"]],
    )


# Each query returns (entity_type, entity_id, systems as 'a,b', details as JSON text or null).
QUERIES: dict[str, str] = {
    "worker_not_provisioned": """
        select 'worker', cast(h.hcm_id as text), 'bamboohr,harvest', null from v_hcm h
        where h.is_active and h.is_billable
            and not exists (select 1 from v_harvest_res r where r.hcm_id = h.hcm_id)
        union all
        select 'worker', cast(h.hcm_id as text), 'bamboohr,netsuite', null from v_hcm h
        where h.is_active and h.is_billable
            and not exists (select 1 from v_netsuite_res r where r.hcm_id = h.hcm_id)
    """,
    "worker_status_mismatch": """
        select 'worker', cast(h.hcm_id as text), 'bamboohr,harvest',
            json_object('hcm_active', h.is_active, 'target_active', max(u.is_active))
        from v_hcm h join v_harvest_res r on r.hcm_id = h.hcm_id
        join harvest_users u on u.id = r.user_id
        group by h.hcm_id having h.is_active != max(u.is_active)
        union all
        select 'worker', cast(h.hcm_id as text), 'bamboohr,netsuite',
            json_object('hcm_active', h.is_active, 'target_active', max(n.isinactive = 'F'))
        from v_hcm h join v_netsuite_res r on r.hcm_id = h.hcm_id
        join ns_employee n on n.id = r.ns_id
        group by h.hcm_id having h.is_active != max(n.isinactive = 'F')
    """,
    "worker_attribute_mismatch": """
        select 'worker', cast(h.hcm_id as text), 'bamboohr,harvest', null
        from v_hcm h join v_harvest_res r on r.hcm_id = h.hcm_id
        join harvest_users u on u.id = r.user_id
        where h.is_active and u.is_active
            and (u.first_name is not h.first_name or u.last_name is not h.last_name)
        group by h.hcm_id
        union all
        select 'worker', cast(h.hcm_id as text), 'bamboohr,netsuite', null
        -- CROSS JOIN pins the order: worker -> their ERP records, never a scan per worker.
        from v_hcm h cross join v_netsuite_res r on r.hcm_id = h.hcm_id
        cross join ns_employee n on n.id = r.ns_id
        left join ns_employee boss on boss.id = n.supervisor
        left join map_department md on md.code = h.department
        left join map_legal_entity ml on ml.code = h.legal_entity
        left join map_labor_category mc on mc.code = h.labor_category
        where h.is_active and n.isinactive = 'F' and (
            n.firstname is not h.first_name
            or n.lastname is not h.last_name
            or lower(trim(n.email)) is not h.email_key
            or (md.erp_id is not null and n.department is not md.erp_id)
            or (ml.erp_id is not null and n.subsidiary is not ml.erp_id)
            or (mc.erp_id is not null and n.class is not mc.erp_id)
            or boss.externalid is not cast(h.supervisor_id as text)
        )
        group by h.hcm_id
    """,
    "orphan_target_worker": """
        select 'harvest_user', cast(u.id as text), 'bamboohr,harvest', null from harvest_users u
        where u.is_active = 1 and not exists (select 1 from v_harvest_res r where r.user_id = u.id)
        union all
        select 'netsuite_employee', cast(n.id as text), 'bamboohr,netsuite', null
        from ns_employee n
        where n.isinactive = 'F'
            and not exists (select 1 from v_netsuite_res r where r.ns_id = n.id)
        union all
        select 'gusto_employee', g.uuid, 'bamboohr,gusto', null from gusto_employees g
        where g.terminated = 0
            and not exists (select 1 from v_gusto_res r where r.gusto_uuid = g.uuid)
    """,
    "booking_after_termination": """
        select 'booking', cast(b.id as text), 'bamboohr,harvest',
            json_object('end_date', b.end_date, 'termination_date', h.termination_date)
        from forecast_assignments b join v_harvest_res r on r.user_id = b.person_id
        join v_hcm h on h.hcm_id = r.hcm_id
        where not h.is_active and h.termination_date is not null
            and b.end_date > h.termination_date
    """,
    "booking_during_leave": """
        select distinct 'booking', cast(b.id as text), 'bamboohr,harvest', null
        from forecast_assignments b join v_harvest_res r on r.user_id = b.person_id
        join v_hcm h on h.hcm_id = r.hcm_id
        join v_clean_leave t on t.employeeId = h.hcm_id
        where h.is_active and t.start <= b.end_date and t."end" >= b.start_date
            and min(b.end_date, t."end") >= :today
    """,
    "project_not_in_psa": """
        select 'project', j.entityid, 'netsuite,harvest', null from ns_job j
        where j.entitystatus = 'In Progress' and j.isinactive = 'F'
            -- Missing, or there with no charge code to log time to (a half-made project).
            and not exists (
                select 1 from harvest_projects p
                join harvest_task_assignments ta on ta.project_id = p.id and ta.is_active = 1
                where p.code = j.entityid
            )
    """,
    "project_status_mismatch": """
        select 'project', j.entityid, 'netsuite,harvest',
            json_object('erp_status', j.entitystatus, 'psa_active', max(p.is_active))
        from ns_job j join harvest_projects p on p.code = j.entityid
        group by j.id
        having max(p.is_active != (j.entitystatus = 'In Progress' and j.isinactive = 'F'))
    """,
    "time_on_inactive_project": """
        select 'time_entry', cast(t.id as text), 'netsuite,harvest', null
        -- From closed jobs to their entries (by project and date), not a scan of all time.
        from ns_job j cross join harvest_projects p on p.code = j.entityid
        cross join v_clean_entries t on t.project_id = p.id and t.spent_date > j.enddate
        where j.entitystatus = 'Closed' and j.enddate is not null
        group by t.id
        union all
        select 'time_entry', cast(t.id as text), 'bamboohr,harvest', null
        from v_clean_entries t join v_harvest_res r on r.user_id = t.user_id
        join v_hcm h on h.hcm_id = r.hcm_id
        where not h.is_active and h.termination_date is not null
            and t.spent_date > h.termination_date
    """,
    "assignment_missing_cost_rate": """
        select 'user_assignment', cast(a.id as text), 'harvest', null
        from harvest_user_assignments a join harvest_users u on u.id = a.user_id
        join harvest_projects p on p.id = a.project_id
        where a.is_active = 1 and u.is_active = 1 and p.is_active = 1 and u.cost_rate is null
    """,
    "approved_time_not_posted": """
        -- costable: the line can be costed as crosswalk costs it (the entry's cost rate, else
        -- the labour cost of the ERP employee its PSA user resolves to) and its task maps to a
        -- labour account. An entry that cannot waits for a person, not for the write-back.
        select 'time_entry', cast(t.id as text), 'harvest,netsuite',
            json_object('costable', json(case when (
                t.cost_rate is not null or exists (
                    select 1 from v_harvest_res r
                    join v_netsuite_res nr on nr.hcm_id = r.hcm_id
                    join ns_employee n on n.id = nr.ns_id
                    where r.user_id = t.user_id and n.laborcost is not null
                )) and exists (
                    select 1 from harvest_tasks k join map_task m on m.code = k.name
                    where k.id = t.task_id
                ) then 'true' else 'false' end))
        from v_clean_entries t
        where t.is_closed = 1 and t.hours > 0
            and strftime('%Y-%m-%dT%H:%M:%SZ', date(t.updated_at), '+1 day',
                         '+' || :sla_hours || ' hours') <= :now
            and not exists (
                select 1 from ns_transactionline l
                where l.custcol_cw_time_entry = cast(t.id as text)
                    and l.custcol_cw_entry_version = t.updated_at
            )
    """,
    "posting_amount_variance": """
        select 'time_entry', cast(t.id as text), 'harvest,netsuite',
            json_object('posted', sum(coalesce(cast(l.debit as real), 0)
                                      - coalesce(cast(l.credit as real), 0)),
                        'expected', round(t.hours * t.cost_rate, 2))
        from v_clean_entries t join ns_transactionline l
            on l.custcol_cw_time_entry = cast(t.id as text)
            and l.custcol_cw_entry_version = t.updated_at
        where t.cost_rate is not null
        group by t.id
        having abs(sum(coalesce(cast(l.debit as real), 0) - coalesce(cast(l.credit as real), 0))
                   - round(t.hours * t.cost_rate, 2)) > :posting_tolerance
    """,
    "payroll_hours_variance": """
        with paid as (
            select l.payroll_uuid, l.employee_uuid, p.start_date, p.end_date,
                sum(cast(l.hours as real)) as hours
            from gusto_pay_lines l join gusto_payrolls p on p.uuid = l.payroll_uuid
            where l.line_type = 'hourly' and p.processed = 1
            group by l.payroll_uuid, l.employee_uuid
        ), approved as (
            select paid.payroll_uuid, paid.employee_uuid, paid.hours as paid_hours,
                coalesce(sum(t.hours), 0) as approved_hours
            from paid join v_gusto_res g on g.gusto_uuid = paid.employee_uuid
            left join v_harvest_res r on r.hcm_id = g.hcm_id
            left join v_clean_entries t on t.user_id = r.user_id and t.is_closed = 1
                and t.spent_date between paid.start_date and paid.end_date
            group by paid.payroll_uuid, paid.employee_uuid
        )
        select 'pay_statement', payroll_uuid || ':' || employee_uuid, 'gusto,harvest',
            json_object('paid_hours', paid_hours, 'approved_hours', approved_hours)
        from approved where abs(paid_hours - approved_hours) > :hours_tolerance
    """,
    "payroll_population_mismatch": """
        with latest as (
            select p.* from gusto_payrolls p
            where p.processed = 1 and p.off_cycle = 0 and p.end_date = (
                select max(q.end_date) from gusto_payrolls q
                where q.company_uuid = p.company_uuid and q.processed = 1 and q.off_cycle = 0
            )
        )
        select distinct 'worker', cast(h.hcm_id as text), 'bamboohr,gusto',
            json_object('case', 'paid_not_active')
        from latest p join gusto_employee_compensations s on s.payroll_uuid = p.uuid
        join v_gusto_res g on g.gusto_uuid = s.employee_uuid
        join v_hcm h on h.hcm_id = g.hcm_id
        where h.termination_date is not null and not h.is_active
            and h.termination_date < p.start_date
        union all
        select 'gusto_employee', s.employee_uuid, 'bamboohr,gusto',
            json_object('case', 'paid_no_hcm_worker')
        from latest p join gusto_employee_compensations s on s.payroll_uuid = p.uuid
        where not exists (select 1 from v_gusto_res g where g.gusto_uuid = s.employee_uuid)
        union all
        select 'worker', cast(h.hcm_id as text), 'bamboohr,gusto',
            json_object('case', 'active_not_paid')
        from v_hcm h join gusto_companies c on c.entity_code = h.legal_entity
        join latest p on p.company_uuid = c.uuid
        where h.is_active and h.hire_date <= p.start_date and not exists (
            select 1 from gusto_employee_compensations s join v_gusto_res g
                on g.gusto_uuid = s.employee_uuid
            where s.payroll_uuid = p.uuid and g.hcm_id = h.hcm_id
        )
    """,
    "mapping_missing": """
        select distinct 'department', h.department, 'bamboohr,netsuite', null from v_hcm h
        where h.is_active and h.department is not null
            and not exists (select 1 from map_department m where m.code = h.department)
        union all
        select distinct 'legal_entity', h.legal_entity, 'bamboohr,netsuite', null from v_hcm h
        where h.is_active and h.legal_entity is not null
            and not exists (select 1 from map_legal_entity m where m.code = h.legal_entity)
        union all
        select distinct 'labor_category', h.labor_category, 'bamboohr,netsuite', null from v_hcm h
        where h.is_active and h.labor_category is not null
            and not exists (select 1 from map_labor_category m where m.code = h.labor_category)
        union all
        select distinct 'task', t.name, 'harvest,netsuite', null from harvest_tasks t
        where t.is_active = 1 and not exists (select 1 from map_task m where m.code = t.name)
    """,
    "duplicate_identity": """
        select 'worker', cast(hcm_id as text), 'harvest', null from v_harvest_res
        group by hcm_id having count(*) > 1
        union all
        select 'worker', cast(hcm_id as text), 'netsuite', null from v_netsuite_res
        group by hcm_id having count(*) > 1
        union all
        select 'worker', cast(hcm_id as text), 'gusto', null from v_gusto_res
        group by hcm_id having count(*) > 1
    """,
}


def detect(
    conn: sqlite3.Connection, now: datetime, rules: list[str] | None = None
) -> list[Finding]:
    """Every standing disagreement at business time `now`, for all rules or the named ones."""
    # Statement by statement: executescript would commit the caller's transaction.
    for statement in VIEWS.split(";"):
        if statement.strip():
            conn.execute(statement)
    _load_mappings(conn)
    params = {
        "now": iso_z(now),
        "today": now.date().isoformat(),
        "sla_hours": POSTING_SLA_HOURS_AFTER_MIDNIGHT,
        "posting_tolerance": POSTING_AMOUNT_TOLERANCE,
        "hours_tolerance": PAYROLL_HOURS_TOLERANCE,
    }
    findings: list[Finding] = []
    for rule, sql in QUERIES.items():
        if rules is not None and rule not in rules:
            continue
        used = {k: v for k, v in params.items() if f":{k}" in sql}
        for entity_type, entity_id, systems, details in conn.execute(sql, used):
            findings.append(
                Finding(
                    rule=rule,
                    entity_type=entity_type,
                    entity_id=entity_id,
                    systems=tuple(systems.split(",")),
                    details=orjson.loads(details) if details else {},
                )
            )
    return findings
