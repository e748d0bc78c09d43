"""Clients, projects, staffing, bookings, leave, time entries and their ERP labour postings."""

from __future__ import annotations

import random
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker import Faker

from vendor_sandbox.catalog import (
    ACCRUED_LABOUR_ACCOUNT,
    DEPARTMENT_BY_NAME,
    LEGAL_ENTITIES,
    TASKS,
)
from vendor_sandbox.clock import BusinessClock, iso_z
from vendor_sandbox.firm.people import Person
from vendor_sandbox.firm.reference import HARVEST_TASK_ID_BASE
from vendor_sandbox.firm.spec import SizeSpec

HARVEST_CLIENT_ID_BASE = 6_000_000
HARVEST_PROJECT_ID_BASE = 7_000_000
HARVEST_UA_ID_BASE = 9_000_000
HARVEST_TA_ID_BASE = 9_500_000
HARVEST_ENTRY_ID_BASE = 1_000_000_000
BOOKING_ID_BASE = 20_000_000
NS_CUSTOMER_ID_BASE = 2_000
NS_JOB_ID_BASE = 10_000
APPROVED_REASON = "Item Approved and Locked for this Time Period"
BILLABLE_TASKS = [t for t in TASKS if t.billable]
INTERNAL_TASKS = [t for t in TASKS if not t.billable]
TASK_ID = {t.name: HARVEST_TASK_ID_BASE + i for i, t in enumerate(TASKS)}


@dataclass
class Project:
    harvest_id: int
    ns_id: int
    code: str
    name: str
    client_harvest_id: int
    billing: str  # TM | FF | NB
    status: str  # In Progress | Closed | Pending
    start: date
    end: date | None
    subsidiary_id: int
    task_assignments: list[tuple[int, int, bool]] = field(
        default_factory=list
    )  # (ta_id, task_id, billable)

    def open_on(self, day: date) -> bool:
        return (
            self.status != "Pending" and self.start <= day and (self.end is None or day <= self.end)
        )


@dataclass
class Staffing:
    """Who works on what: user assignments per Harvest user, and the ids handed out so far."""

    assignments: dict[int, list[tuple[int, Project]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    next_ua_id: int = HARVEST_UA_ID_BASE
    next_booking_id: int = BOOKING_ID_BASE


def write_projects(
    conn: sqlite3.Connection,
    rng: random.Random,
    fake: Faker,
    spec: SizeSpec,
    start: date,
    stamp: str,
) -> list[Project]:
    """Clients in ERP and PSA, then projects as ERP jobs mirrored by PSA projects."""
    clients: list[tuple[int, int, str]] = []
    names: set[str] = set()
    for i in range(spec.clients + 1):
        name = "Acme Consulting (Internal)" if i == 0 else fake.unique.company()
        names.add(name)
        hv_id, ns_id = HARVEST_CLIENT_ID_BASE + i, NS_CUSTOMER_ID_BASE + i
        entity = rng.choice(LEGAL_ENTITIES)
        conn.execute(
            "insert into harvest_clients (id, name, is_active, address, statement_key, currency, "
            "created_at, updated_at) values (?,?,1,?,?,?,?,?)",
            (
                hv_id,
                name,
                fake.address().replace("\n", ", "),
                f"{rng.getrandbits(64):016x}",
                entity.currency,
                stamp,
                stamp,
            ),
        )
        conn.execute(
            "insert into ns_customer (id, entityid, companyname, subsidiary, currency, externalid, "
            "datecreated, lastmodifieddate) values (?,?,?,?,?,?,?,?)",
            (
                ns_id,
                f"C{1000 + i}",
                name,
                entity.subsidiary_id,
                entity.currency,
                None,
                stamp,
                stamp,
            ),
        )
        clients.append((hv_id, ns_id, name))
    projects: list[Project] = []
    history_start = start - timedelta(days=spec.history_days)
    for j in range(spec.projects):
        internal = j % 7 == 0
        client_hv, client_ns, client_name = clients[0] if internal else rng.choice(clients[1:])
        billing = "NB" if internal else rng.choices(("TM", "FF"), weights=(0.7, 0.3))[0]
        roll = rng.random()
        begin = history_start - timedelta(days=rng.randrange(0, 240))
        if roll < 0.12:
            status = "Closed"
            end = start - timedelta(days=rng.randrange(10, max(11, spec.history_days - 10)))
            begin = min(begin, end - timedelta(days=30))
        elif roll < 0.17:
            status, end = "Pending", None
            begin = start + timedelta(days=rng.randrange(5, 40))
        else:
            status, end = "In Progress", None
        code = f"P-{10000 + j}"
        label = "Internal" if internal else client_name.split(",")[0].split(" ")[0]
        project = Project(
            harvest_id=HARVEST_PROJECT_ID_BASE + j,
            ns_id=NS_JOB_ID_BASE + j,
            code=code,
            name=f"{label} {fake.bs().title()}"[:80],
            client_harvest_id=client_hv,
            billing=billing,
            status=status,
            start=begin,
            end=end,
            subsidiary_id=rng.choice(LEGAL_ENTITIES).subsidiary_id,
        )
        conn.execute(
            "insert into ns_job (id, entityid, companyname, parent, subsidiary, entitystatus, "
            "jobbillingtype, startdate, projectedenddate, enddate, externalid, isinactive, "
            "datecreated, lastmodifieddate) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                project.ns_id,
                code,
                project.name,
                client_ns,
                project.subsidiary_id,
                status,
                billing,
                begin.isoformat(),
                (begin + timedelta(days=365)).isoformat(),
                end.isoformat() if end else None,
                None,
                "F",
                stamp,
                stamp,
            ),
        )
        if status != "Pending":
            write_harvest_project(conn, rng, project, stamp)
        projects.append(project)
    return projects


def write_harvest_project(
    conn: sqlite3.Connection, rng: random.Random, project: Project, stamp: str
) -> None:
    """The PSA side of a project: the project and its task assignments (charge codes)."""
    billable = project.billing != "NB"
    conn.execute(
        "insert into harvest_projects (id, client_id, name, code, is_active, is_billable, "
        "is_fixed_fee, bill_by, hourly_rate, budget, budget_by, fee, notes, starts_on, ends_on, "
        "created_at, updated_at) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            project.harvest_id,
            project.client_harvest_id,
            project.name,
            project.code,
            0 if project.status == "Closed" else 1,
            int(billable),
            int(project.billing == "FF"),
            "People" if billable else "none",
            None,
            None,
            "none",
            float(rng.randrange(50, 500) * 1000) if project.billing == "FF" else None,
            "",
            project.start.isoformat(),
            project.end.isoformat() if project.end else None,
            stamp,
            stamp,
        ),
    )
    pool = BILLABLE_TASKS if billable else INTERNAL_TASKS
    chosen = rng.sample(pool, k=min(len(pool), rng.randint(3, 4)))
    for task in chosen:
        ta_id = (
            HARVEST_TA_ID_BASE + project.harvest_id % 1_000_000 * 10 + len(project.task_assignments)
        )
        conn.execute(
            "insert into harvest_task_assignments (id, project_id, task_id, is_active, billable, "
            "hourly_rate, created_at, updated_at) values (?,?,?,1,?,?,?,?)",
            (ta_id, project.harvest_id, TASK_ID[task.name], int(task.billable), None, stamp, stamp),
        )
        project.task_assignments.append((ta_id, TASK_ID[task.name], task.billable))


def write_staffing(
    conn: sqlite3.Connection,
    rng: random.Random,
    people: list[Person],
    projects: list[Project],
    start: date,
    stamp: str,
) -> Staffing:
    """User assignments for each PSA user on one to three projects that overlap their tenure."""
    staffing = Staffing()
    client_projects = [p for p in projects if p.status != "Pending" and p.billing != "NB"]
    internal = [p for p in projects if p.status != "Pending" and p.billing == "NB"]
    for person in people:
        if person.harvest_user_id is None:
            continue
        tenure_end = person.termination_date or start + timedelta(days=365)
        fits = [
            p
            for p in client_projects
            if p.start <= tenure_end and (p.end is None or p.end >= person.hire_date)
        ]
        chosen = rng.sample(fits, k=min(len(fits), rng.randint(1, 3)))
        if internal:
            chosen.append(rng.choice(internal))
        for project in chosen:
            ua_id = staffing.next_ua_id
            staffing.next_ua_id += 1
            active = int(project.status == "In Progress" and person.termination_date is None)
            conn.execute(
                "insert into harvest_user_assignments (id, project_id, user_id, is_active, "
                "is_project_manager, use_default_rates, hourly_rate, created_at, updated_at) "
                "values (?,?,?,?,?,1,?,?,?)",
                (
                    ua_id,
                    project.harvest_id,
                    person.harvest_user_id,
                    active,
                    int(person.labor_category in ("LC-MGR", "LC-DIR")),
                    None,
                    stamp,
                    stamp,
                ),
            )
            staffing.assignments[person.harvest_user_id].append((ua_id, project))
    return staffing


def write_leave(
    conn: sqlite3.Connection,
    rng: random.Random,
    people: list[Person],
    spec: SizeSpec,
    start: date,
    stamp: str,
) -> dict[int, list[tuple[date, date]]]:
    """Approved and pending time off in HCM; returns approved leave per HCM id."""
    approved: dict[int, list[tuple[date, date]]] = defaultdict(list)
    window_start = start - timedelta(days=spec.history_days)
    for person in people:
        for _ in range(rng.choice((0, 1, 1, 2))):
            first = window_start + timedelta(days=rng.randrange(spec.history_days + 60))
            last = first + timedelta(days=rng.choice((0, 1, 2, 4, 7)))
            if not (person.active_on(first) and person.active_on(last)):
                continue
            status = "approved" if first < start or rng.random() < 0.7 else "requested"
            kind = rng.choices(("Vacation", "Sick", "Parental Leave"), weights=(0.8, 0.17, 0.03))[0]
            conn.execute(
                'insert into bamboohr_time_off_requests (employeeId, status, start, "end", type, '
                "amount_days, created, lastChanged) values (?,?,?,?,?,?,?,?)",
                (
                    person.hcm_id,
                    status,
                    first.isoformat(),
                    last.isoformat(),
                    kind,
                    float((last - first).days + 1),
                    stamp,
                    stamp,
                ),
            )
            if status == "approved":
                approved[person.hcm_id].append((first, last))
    return approved


def write_bookings(
    conn: sqlite3.Connection,
    rng: random.Random,
    people: list[Person],
    staffing: Staffing,
    leave: dict[int, list[tuple[date, date]]],
    start: date,
    stamp: str,
) -> None:
    """Forecast bookings per assignment, cut around approved leave (PMs book around it)."""
    for person in people:
        if person.harvest_user_id is None or person.termination_date is not None:
            continue
        for _, project in staffing.assignments.get(person.harvest_user_id, []):
            if project.status != "In Progress" or project.billing == "NB":
                continue
            first = max(project.start, person.hire_date, start - timedelta(days=28))
            last = start + timedelta(days=rng.randrange(14, 70))
            allocation = rng.choice((14400, 21600, 28800))
            for piece in split_around(first, last, leave.get(person.hcm_id, [])):
                booking_id = staffing.next_booking_id
                staffing.next_booking_id += 1
                conn.execute(
                    "insert into forecast_assignments (id, project_id, person_id, start_date, "
                    "end_date, allocation, notes, created_at, updated_at) "
                    "values (?,?,?,?,?,?,?,?,?)",
                    (
                        booking_id,
                        project.harvest_id,
                        person.harvest_user_id,
                        piece[0].isoformat(),
                        piece[1].isoformat(),
                        allocation,
                        None,
                        stamp,
                        stamp,
                    ),
                )
                # The older integration confirmed each booking to ERP as a resource allocation.
                conn.execute(
                    "insert into ns_resourceallocation (allocationresource, project, startdate, "
                    "enddate, allocationamount, allocationunit, externalid, datecreated, "
                    "lastmodifieddate) values (?,?,?,?,?,'H',?,?,?)",
                    (
                        person.netsuite_id,
                        project.ns_id,
                        piece[0].isoformat(),
                        piece[1].isoformat(),
                        allocation / 3600,
                        str(booking_id),
                        stamp,
                        stamp,
                    ),
                )


def split_around(
    first: date, last: date, holes: Iterable[tuple[date, date]]
) -> list[tuple[date, date]]:
    """The parts of [first, last] that no hole covers."""
    pieces = [(first, last)]
    for hole_start, hole_end in holes:
        next_pieces = []
        for a, b in pieces:
            if hole_end < a or hole_start > b:
                next_pieces.append((a, b))
                continue
            if a < hole_start:
                next_pieces.append((a, hole_start - timedelta(days=1)))
            if hole_end < b:
                next_pieces.append((hole_end + timedelta(days=1), b))
        pieces = next_pieces
    return [p for p in pieces if p[0] <= p[1]]


def entry_rows_for_day(
    rng: random.Random,
    person: Person,
    day: date,
    assignments: list[tuple[int, Project]],
    next_id: int,
    approved_at: str | None,
    created_at: str,
) -> list[tuple]:
    """A person's time entries for one working day (one to three entries, about 8 hours)."""
    open_work = [(ua, p) for ua, p in assignments if p.open_on(day)]
    if not open_work:
        return []
    total = rng.choice((7.0, 7.5, 8.0, 8.0, 8.0, 8.5, 9.0))
    count = 1 if len(open_work) == 1 else rng.choice((1, 2, 2, 3))
    picks = [rng.choice(open_work) for _ in range(count)]
    rows = []
    remaining = total
    for n, (ua_id, project) in enumerate(picks):
        hours = remaining if n == count - 1 else round(rng.uniform(1, remaining - 1) * 4) / 4
        remaining -= hours
        if hours <= 0:
            continue
        ta_id, task_id, billable = rng.choice(project.task_assignments)
        rows.append(
            (
                next_id + len(rows),
                day.isoformat(),
                person.harvest_user_id,
                ua_id,
                project.client_harvest_id,
                project.harvest_id,
                task_id,
                ta_id,
                None,
                hours,
                hours,
                None,
                int(approved_at is not None),
                APPROVED_REASON if approved_at is not None else None,
                int(approved_at is not None),
                0,
                int(billable),
                1,
                person.bill_rate if billable else None,
                person.cost_rate,
                created_at,
                approved_at or created_at,
            )
        )
    return rows


TIME_ENTRY_INSERT = (
    "insert into harvest_time_entries (id, spent_date, user_id, user_assignment_id, client_id, "
    "project_id, task_id, task_assignment_id, external_reference, hours, rounded_hours, notes, "
    "is_locked, locked_reason, is_closed, is_billed, billable, budgeted, billable_rate, "
    "cost_rate, created_at, updated_at) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


def write_time_entries(
    conn: sqlite3.Connection,
    rng: random.Random,
    people: list[Person],
    staffing: Staffing,
    leave: dict[int, list[tuple[date, date]]],
    spec: SizeSpec,
    start: date,
) -> int:
    """Every working day of the history: entries logged at day's end, approved the next day."""
    next_id = HARVEST_ENTRY_ID_BASE
    days = [start - timedelta(days=d) for d in range(spec.history_days, 0, -1)]
    workdays = [d for d in days if d.weekday() < 5]
    stamps = {d: iso_z(BusinessClock.at(d, 17.5)) for d in workdays}
    # Entries are approved the morning after they are logged; the last day's are not yet.
    approvals = {d: iso_z(BusinessClock.at(d + timedelta(days=1), 10)) for d in workdays}
    last_day = start - timedelta(days=1)
    for person in people:
        if person.harvest_user_id is None:
            continue
        assignments = staffing.assignments.get(person.harvest_user_id, [])
        holidays = leave.get(person.hcm_id, [])
        batch: list[tuple] = []
        for day in workdays:
            if not person.active_on(day) or any(a <= day <= b for a, b in holidays):
                continue
            approved_at = None if day == last_day else approvals[day]
            rows = entry_rows_for_day(
                rng, person, day, assignments, next_id, approved_at, stamps[day]
            )
            next_id += len(rows)
            batch.extend(rows)
        conn.executemany(TIME_ENTRY_INSERT, batch)
    return next_id


def write_labour_postings(conn: sqlite3.Connection, start: date) -> None:
    """ERP labour journals for approved time, posted at 02:00 the night after approval.

    One journal per posting day and subsidiary; one debit line per time entry version (hours x
    cost rate to the task's labour account) and one balancing credit to accrued labour. Set-based
    SQL: `medium` posts ~0.6 M lines, too many to shape row by row in Python.
    """
    cutoff = iso_z(BusinessClock.day_start(start - timedelta(days=1)))
    first_id = conn.execute("select coalesce(max(id), 100000) + 1 from ns_transaction").fetchone()[
        0
    ]
    subsidiaries = "".join(f"when '{e.code}' then {e.subsidiary_id} " for e in LEGAL_ENTITIES)
    accounts = "".join(f"when '{t.name}' then {t.gl_account_id} " for t in TASKS)
    conn.execute("drop table if exists temp.posting")
    conn.execute(
        f"""
        create temp table posting as
        select t.id as entry_id, t.updated_at, t.hours, t.cost_rate, t.project_id,
            p.netsuite_employee_id as employee,
            case p.entity_code {subsidiaries} end as subsidiary,
            case ta.name {accounts} end as account,
            date(t.updated_at, '+1 day') as posted_on
        from harvest_time_entries t
        join harvest_tasks ta on ta.id = t.task_id
        join firm_person p on p.harvest_user_id = t.user_id
        where t.is_closed = 1 and t.updated_at < ?
        """,
        (cutoff,),
    )
    conn.execute("drop table if exists temp.journal")
    conn.execute(
        """
        create temp table journal as
        select ? - 1 + row_number() over (order by posted_on, subsidiary) as id, posted_on,
            subsidiary
        from (select distinct posted_on, subsidiary from posting)
        """,
        (first_id,),
    )
    conn.execute(
        """
        insert into ns_transaction (id, tranid, type, trandate, subsidiary, currency, memo,
            externalid, approvalstatus, createddate, lastmodifieddate)
        select id, 'JE-LAB-' || posted_on || '-' || subsidiary, 'Journal', posted_on, subsidiary,
            null, 'Labour cost ' || posted_on, 'labour-' || posted_on || '-' || subsidiary,
            'Approved', posted_on || 'T02:00:00Z', posted_on || 'T02:00:00Z'
        from journal order by id
        """
    )
    conn.execute(
        """
        insert into ns_transactionline ("transaction", id, account, debit, credit, memo, entity,
            department, class, subsidiary, custcol_cw_project, custcol_cw_time_entry,
            custcol_cw_entry_version, custcol_cw_hours, custcol_cw_cost_rate, custcol_cw_pay_run,
            linelastmodifieddate)
        select j.id,
            row_number() over (partition by j.id order by p.updated_at, p.entry_id),
            p.account, printf('%.2f', round(p.hours * p.cost_rate, 2)), null,
            'Time entry ' || p.entry_id, p.employee, null, null, p.subsidiary, job.id,
            cast(p.entry_id as text), p.updated_at, printf('%.2f', p.hours),
            printf('%.2f', p.cost_rate), null, j.posted_on || 'T02:00:00Z'
        from posting p
        join journal j on j.posted_on = p.posted_on and j.subsidiary = p.subsidiary
        left join harvest_projects hp on hp.id = p.project_id
        left join ns_job job on job.entityid = hp.code
        order by j.id, p.updated_at, p.entry_id
        """
    )
    conn.execute(
        f"""
        insert into ns_transactionline ("transaction", id, account, debit, credit, memo,
            subsidiary, linelastmodifieddate)
        select j.id, count(*) + 1, {ACCRUED_LABOUR_ACCOUNT}, null,
            printf('%.2f', sum(round(p.hours * p.cost_rate, 2))), 'Accrued labour', j.subsidiary,
            j.posted_on || 'T02:00:00Z'
        from journal j join posting p on p.posted_on = j.posted_on and p.subsidiary = j.subsidiary
        group by j.id order by j.id
        """
    )
    conn.execute("drop table temp.posting")
    conn.execute("drop table temp.journal")


LINE_INSERT = (
    'insert into ns_transactionline ("transaction", id, account, debit, credit, memo, entity, '
    "department, class, subsidiary, custcol_cw_project, custcol_cw_time_entry, "
    "custcol_cw_entry_version, custcol_cw_hours, custcol_cw_cost_rate, custcol_cw_pay_run, "
    "linelastmodifieddate) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


def department_id(name: str) -> int | None:
    known = DEPARTMENT_BY_NAME.get(name)
    return known.erp_department_id if known else None
