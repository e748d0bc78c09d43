"""Read side of the Gusto emulator: scoped lookups and the page queries behind each collection.

Scoping follows Gusto: a company token reads only its company. A company path naming another
(existing) company answers 403; an employee, job, compensation, department or payroll of another
company answers 404, as if it did not exist, so a token cannot probe other companies' ids.
Children are loaded per page in one query each (jobs, compensations, locations, terminations),
never per row.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from vendor_sandbox.gusto.errors import forbidden, not_found
from vendor_sandbox.gusto.pagination import PageRequest

IN_CHUNK = 10_000  # well below SQLite's 32,766 bound variables per statement


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


def _rows_in(
    conn: sqlite3.Connection, sql: str, values: Sequence[str], prefix: tuple[object, ...] = ()
) -> list[sqlite3.Row]:
    """Run `sql`, whose `IN ({marks})` takes `values`, in chunks (a page may be very large).

    Callers chunk by the key they group on, so each group's rows come from one statement and keep
    that statement's order.
    """
    rows: list[sqlite3.Row] = []
    for start in range(0, len(values), IN_CHUNK):
        chunk = list(values[start : start + IN_CHUNK])
        rows.extend(conn.execute(sql.replace("{marks}", _marks(chunk)), (*prefix, *chunk)))
    return rows


def company_row(
    conn: sqlite3.Connection, grant_company: str | None, company_uuid: str
) -> sqlite3.Row:
    """The company a path names, if the token may read it."""
    row = conn.execute("select * from gusto_companies where uuid = ?", (company_uuid,)).fetchone()
    if row is None:
        raise not_found("Company")
    if grant_company != company_uuid:
        raise forbidden("This access token is not authorized for this company")
    return row


def employee_row(conn: sqlite3.Connection, company_uuid: str, employee_uuid: str) -> sqlite3.Row:
    row = conn.execute(
        "select * from gusto_employees where uuid = ? and company_uuid = ?",
        (employee_uuid, company_uuid),
    ).fetchone()
    if row is None:
        raise not_found("Employee")
    return row


def job_row(conn: sqlite3.Connection, company_uuid: str, job_uuid: str) -> sqlite3.Row:
    row = conn.execute(
        "select j.* from gusto_jobs j join gusto_employees e on e.uuid = j.employee_uuid "
        "where j.uuid = ? and e.company_uuid = ?",
        (job_uuid, company_uuid),
    ).fetchone()
    if row is None:
        raise not_found("Job")
    return row


def compensation_row(
    conn: sqlite3.Connection, company_uuid: str, compensation_uuid: str
) -> sqlite3.Row:
    row = conn.execute(
        "select c.*, j.title as job_title from gusto_compensations c "
        "join gusto_jobs j on j.uuid = c.job_uuid "
        "join gusto_employees e on e.uuid = c.employee_uuid "
        "where c.uuid = ? and e.company_uuid = ?",
        (compensation_uuid, company_uuid),
    ).fetchone()
    if row is None:
        raise not_found("Compensation")
    return row


def department_row(
    conn: sqlite3.Connection, company_uuid: str, department_uuid: str
) -> sqlite3.Row:
    row = conn.execute(
        "select * from gusto_departments where uuid = ? and company_uuid = ?",
        (department_uuid, company_uuid),
    ).fetchone()
    if row is None:
        raise not_found("Department")
    return row


def payroll_row(conn: sqlite3.Connection, company_uuid: str, payroll_uuid: str) -> sqlite3.Row:
    row = conn.execute(
        "select p.*, s.frequency from gusto_payrolls p "
        "left join gusto_pay_schedules s on s.uuid = p.pay_schedule_uuid "
        "where p.uuid = ? and p.company_uuid = ?",
        (payroll_uuid, company_uuid),
    ).fetchone()
    if row is None:
        raise not_found("Payroll")
    return row


@dataclass
class JobDetails:
    job: sqlite3.Row
    compensations: list[sqlite3.Row] = field(default_factory=list)
    location: sqlite3.Row | None = None


@dataclass
class EmployeeDetails:
    employee: sqlite3.Row
    jobs: list[JobDetails] = field(default_factory=list)
    terminations: list[sqlite3.Row] = field(default_factory=list)
    department: str | None = None


def load_jobs(
    conn: sqlite3.Connection, jobs: list[sqlite3.Row], all_compensations: bool
) -> list[JobDetails]:
    """Jobs with their compensations (only the current one unless `all_compensations`)."""
    if not jobs:
        return []
    job_uuids = [j["uuid"] for j in jobs]
    comps: dict[str, list[sqlite3.Row]] = defaultdict(list)
    for comp in _rows_in(
        conn,
        "select c.*, j.title as job_title from gusto_compensations c "
        "join gusto_jobs j on j.uuid = c.job_uuid "
        "where c.job_uuid in ({marks}) order by c.effective_date, c.uuid",
        job_uuids,
    ):
        comps[comp["job_uuid"]].append(comp)
    location_uuids = list({j["location_uuid"] for j in jobs if j["location_uuid"]})
    locations = {
        row["uuid"]: row
        for row in _rows_in(
            conn, "select * from gusto_locations where uuid in ({marks})", location_uuids
        )
    }
    details = []
    for job in jobs:
        mine = comps.get(job["uuid"], [])
        if not all_compensations:
            current = [c for c in mine if c["uuid"] == job["current_compensation_uuid"]]
            mine = current or mine[-1:]
        details.append(JobDetails(job, mine, locations.get(job["location_uuid"])))
    return details


def jobs_of_employees(conn: sqlite3.Connection, employee_uuids: list[str]) -> list[sqlite3.Row]:
    return _rows_in(
        conn,
        "select * from gusto_jobs where employee_uuid in ({marks}) "
        'order by "primary" desc, hire_date, uuid',
        employee_uuids,
    )


def load_employees(
    conn: sqlite3.Connection, employees: list[sqlite3.Row], all_compensations: bool
) -> list[EmployeeDetails]:
    """Employees with jobs, compensations, terminations and department title, in input order."""
    uuids = [e["uuid"] for e in employees]
    by_employee: dict[str, list[JobDetails]] = defaultdict(list)
    for details in load_jobs(conn, jobs_of_employees(conn, uuids), all_compensations):
        by_employee[details.job["employee_uuid"]].append(details)
    terminations: dict[str, list[sqlite3.Row]] = defaultdict(list)
    for row in _rows_in(
        conn,
        "select * from gusto_terminations where employee_uuid in ({marks}) "
        "order by effective_date, uuid",
        uuids,
    ):
        terminations[row["employee_uuid"]].append(row)
    dept_uuids = list({e["department_uuid"] for e in employees if e["department_uuid"]})
    titles = {
        row["uuid"]: row["title"]
        for row in _rows_in(
            conn, "select uuid, title from gusto_departments where uuid in ({marks})", dept_uuids
        )
    }
    return [
        EmployeeDetails(
            e,
            by_employee.get(e["uuid"], []),
            terminations.get(e["uuid"], []),
            titles.get(e["department_uuid"]),
        )
        for e in employees
    ]


@dataclass(frozen=True)
class EmployeeFilter:
    """The filters of `GET /v1/companies/{id}/employees` the sandbox honours."""

    terminated: bool | None = None
    terminated_today: bool | None = None
    onboarded: bool | None = None
    onboarded_active: bool | None = None
    location_uuid: str | None = None
    payroll_uuid: str | None = None
    search_term: str | None = None
    uuids: tuple[str, ...] = ()
    sort_by: str | None = None


_TERMINATED_BY_TODAY = (
    "exists (select 1 from gusto_terminations t where t.employee_uuid = e.uuid "
    "and t.active = 1 and t.effective_date <= ?)"
)
_EMPLOYEE_ORDER = {
    None: "e.created_at, e.uuid",
    "created_at": "e.created_at, e.uuid",
    "name": "e.last_name, e.first_name, e.uuid",
    "onboarding_status": "e.onboarded, e.created_at, e.uuid",
}


def employees_page(
    conn: sqlite3.Connection,
    company_uuid: str,
    flt: EmployeeFilter,
    page: PageRequest,
    today: date,
) -> tuple[list[sqlite3.Row], int]:
    """One page of a company's employees and the size of the whole filtered collection."""
    where = ["e.company_uuid = ?"]
    args: list[object] = [company_uuid]
    if flt.terminated is not None:
        where.append("e.terminated = ?")
        args.append(int(flt.terminated))
    if flt.terminated_today is not None:
        where.append(("" if flt.terminated_today else "not ") + _TERMINATED_BY_TODAY)
        args.append(today.isoformat())
    if flt.onboarded is not None:
        where.append("e.onboarded = ?")
        args.append(int(flt.onboarded))
    if flt.onboarded_active is not None:
        clause = f"(e.onboarded = 1 and not {_TERMINATED_BY_TODAY})"
        where.append(clause if flt.onboarded_active else f"not {clause}")
        args.append(today.isoformat())
    if flt.location_uuid:
        where.append(
            'exists (select 1 from gusto_jobs j where j.employee_uuid = e.uuid and j."primary" = 1 '
            "and j.location_uuid = ?)"
        )
        args.append(flt.location_uuid)
    if flt.payroll_uuid:
        where.append(
            "exists (select 1 from gusto_employee_compensations c where c.employee_uuid = e.uuid "
            "and c.payroll_uuid = ?)"
        )
        args.append(flt.payroll_uuid)
    if flt.search_term:
        where.append("(e.first_name || ' ' || e.last_name) like ?")
        args.append(f"%{flt.search_term}%")
    if flt.uuids:
        where.append(f"e.uuid in ({_marks(flt.uuids)})")
        args.extend(flt.uuids)
    clause = " and ".join(where)
    total = conn.execute(f"select count(*) from gusto_employees e where {clause}", args).fetchone()[
        0
    ]
    order = _EMPLOYEE_ORDER.get(flt.sort_by, _EMPLOYEE_ORDER[None])
    rows = conn.execute(
        f"select e.* from gusto_employees e where {clause} order by {order} limit ? offset ?",
        (*args, page.per, page.offset),
    ).fetchall()
    return rows, total


def paged(
    conn: sqlite3.Connection, sql: str, args: tuple[object, ...], order: str, page: PageRequest
) -> tuple[list[sqlite3.Row], int]:
    """One page of `select ... from ... where ...` (no order) and the collection's size."""
    total = conn.execute(f"select count(*) from ({sql})", args).fetchone()[0]
    rows = conn.execute(
        f"{sql} order by {order} limit ? offset ?", (*args, page.per, page.offset)
    ).fetchall()
    return rows, total


@dataclass(frozen=True)
class PayrollFilter:
    """The filters of `GET /v1/companies/{id}/payrolls` (dates already defaulted by the route)."""

    processed: set[bool]
    off_cycle: set[bool]
    start_date: str
    end_date: str
    by_check_date: bool = False
    descending: bool = False


def payrolls_page(
    conn: sqlite3.Connection, company_uuid: str, flt: PayrollFilter, page: PageRequest
) -> tuple[list[sqlite3.Row], int]:
    where = ["p.company_uuid = ?"]
    args: list[object] = [company_uuid]
    where.append(f"p.processed in ({_marks([str(v) for v in flt.processed])})")
    args.extend(int(v) for v in flt.processed)
    where.append(f"p.off_cycle in ({_marks([str(v) for v in flt.off_cycle])})")
    args.extend(int(v) for v in flt.off_cycle)
    if flt.by_check_date:
        where.append("p.check_date between ? and ?")
        args.extend([flt.start_date, flt.end_date])
    else:
        # Gusto: pay periods after the start date and before the end date.
        where.append("p.start_date >= ? and p.end_date <= ?")
        args.extend([flt.start_date, flt.end_date])
    sql = (
        "select p.*, s.frequency from gusto_payrolls p "
        "left join gusto_pay_schedules s on s.uuid = p.pay_schedule_uuid "
        f"where {' and '.join(where)}"
    )
    direction = "desc" if flt.descending else "asc"
    order = f"start_date {direction}, check_date {direction}, uuid {direction}"
    return paged(conn, sql, tuple(args), order, page)


_STATEMENT_ORDER = {
    None: "e.last_name, e.first_name, s.employee_uuid",
    "last_name": "e.last_name, e.first_name, s.employee_uuid",
    "first_name": "e.first_name, e.last_name, s.employee_uuid",
}


def payroll_statements(
    conn: sqlite3.Connection, payroll_uuid: str, page: PageRequest, sort_by: str | None
) -> tuple[list[sqlite3.Row], int]:
    """One page of a payroll's pay statements with the employees' names, and how many in all."""
    sql = (
        "select s.*, e.first_name, e.last_name from gusto_employee_compensations s "
        "join gusto_employees e on e.uuid = s.employee_uuid where s.payroll_uuid = ?"
    )
    order = _STATEMENT_ORDER.get(sort_by, _STATEMENT_ORDER[None])
    return paged(conn, sql, (payroll_uuid,), order, page)


def pay_lines(
    conn: sqlite3.Connection, payroll_uuid: str, employee_uuids: list[str]
) -> dict[str, list[sqlite3.Row]]:
    """Pay lines of a payroll by employee, of `employee_uuids`."""
    lines: dict[str, list[sqlite3.Row]] = defaultdict(list)
    rows = _rows_in(
        conn,
        "select * from gusto_pay_lines where payroll_uuid = ? "
        "and employee_uuid in ({marks}) order by line_id",
        employee_uuids,
        (payroll_uuid,),
    )
    for row in rows:
        lines[row["employee_uuid"]].append(row)
    return lines


def primary_jobs(conn: sqlite3.Connection, employee_uuids: list[str]) -> dict[str, sqlite3.Row]:
    """Each employee's primary job, with the current compensation's FLSA status."""
    rows = _rows_in(
        conn,
        "select j.uuid, j.employee_uuid, c.flsa_status from gusto_jobs j "
        "left join gusto_compensations c on c.uuid = j.current_compensation_uuid "
        'where j.employee_uuid in ({marks}) order by j."primary"',
        employee_uuids,
    )
    # Ordered primary ascending, so a primary job overwrites any secondary one.
    return {row["employee_uuid"]: row for row in rows}


def payroll_line_totals(conn: sqlite3.Connection, payroll_uuid: str) -> dict[str, str]:
    """Sums of a payroll's lines per line type (decimal text to the cent)."""
    rows = conn.execute(
        "select line_type, sum(cast(amount as real)) from gusto_pay_lines where payroll_uuid = ? "
        "group by line_type",
        (payroll_uuid,),
    ).fetchall()
    return {row[0]: f"{row[1]:.2f}" for row in rows}


def company_locations(conn: sqlite3.Connection, company_uuid: str) -> list[sqlite3.Row]:
    return conn.execute(
        "select * from gusto_locations where company_uuid = ? order by created_at, uuid",
        (company_uuid,),
    ).fetchall()


def department_members(
    conn: sqlite3.Connection, department_uuids: list[str]
) -> dict[str, list[str]]:
    members: dict[str, list[str]] = defaultdict(list)
    for row in _rows_in(
        conn,
        "select uuid, department_uuid from gusto_employees "
        "where department_uuid in ({marks}) order by uuid",
        department_uuids,
    ):
        members[row["department_uuid"]].append(row["uuid"])
    return members
