"""Writes one person's records into each system's tables, in that system's own shape.

Used by the generator for the firm's history and by the activity simulator for hires, so both
produce records the emulators serve alike.
"""

from __future__ import annotations

import sqlite3
from datetime import date

from vendor_sandbox.catalog import (
    DEPARTMENT_BY_NAME,
    ENTITY_BY_CODE,
    LABOR_CATEGORY_BY_CODE,
    LOCATIONS,
)
from vendor_sandbox.firm.people import Person
from vendor_sandbox.firm.spec import money


def hcm_employee(conn: sqlite3.Connection, p: Person, created: str, changed: str) -> None:
    """The BambooHR employee with its jobInfo, compensation and employmentStatus rows."""
    terminated = p.termination_date is not None
    conn.execute(
        "insert into bamboohr_employees (id, employeeNumber, firstName, lastName, preferredName, "
        "workEmail, jobTitle, department, division, location, supervisorEId, hireDate, "
        "terminationDate, status, employmentHistoryStatus, payType, customLegalEntity, "
        "customCostCenter, customLaborCategory, customBillable, created, lastChanged) "
        "values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            p.hcm_id,
            p.employee_number,
            p.first_name,
            p.last_name,
            None,
            p.email,
            p.title,
            p.department,
            p.entity.name,
            p.location,
            p.supervisor_hcm_id,
            p.hire_date.isoformat(),
            p.termination_date.isoformat() if terminated else None,
            "Inactive" if terminated else "Active",
            "Terminated"
            if terminated
            else ("Part-Time" if p.pay_type == "Hourly" else "Full-Time"),
            p.pay_type,
            p.entity.code,
            cost_center(p.department),
            p.labor_category,
            "Yes" if p.billable else "No",
            created,
            changed,
        ),
    )
    job_rows = [(p.hire_date, p.prior_department or p.department)]
    if p.transfer_date is not None:
        job_rows.append((p.transfer_date, p.department))
    for effective, department in job_rows:
        conn.execute(
            "insert into bamboohr_job_info (employeeId, date, location, department, division, "
            "jobTitle, reportsTo, lastChanged) values (?,?,?,?,?,?,?,?)",
            (
                p.hcm_id,
                effective.isoformat(),
                p.location,
                department,
                p.entity.name,
                p.title,
                str(p.supervisor_hcm_id or ""),
                changed,
            ),
        )
    hourly = p.pay_type == "Hourly"
    conn.execute(
        "insert into bamboohr_compensation (employeeId, startDate, rate_amount, rate_currency, "
        "type, paidPer, reason, lastChanged) values (?,?,?,?,?,?,?,?)",
        (
            p.hcm_id,
            p.hire_date.isoformat(),
            money(p.hourly_rate if hourly else p.annual_salary),
            p.entity.currency,
            p.pay_type,
            "Hour" if hourly else "Year",
            "New Hire",
            changed,
        ),
    )
    conn.execute(
        "insert into bamboohr_employment_status (employeeId, date, employmentStatus, "
        "terminationReason, lastChanged) values (?,?,?,?,?)",
        (p.hcm_id, p.hire_date.isoformat(), "Part-Time" if hourly else "Full-Time", None, changed),
    )
    if terminated:
        hcm_termination_row(conn, p.hcm_id, p.termination_date, changed)


def hcm_termination_row(
    conn: sqlite3.Connection, hcm_id: int, day: date | None, changed: str
) -> None:
    conn.execute(
        "insert into bamboohr_employment_status (employeeId, date, employmentStatus, "
        "terminationReason, lastChanged) values (?,?,?,?,?)",
        (hcm_id, day.isoformat() if day else None, "Terminated", "Resignation", changed),
    )


def cost_center(department: str) -> str | None:
    known = DEPARTMENT_BY_NAME.get(department)
    return known.cost_center if known else None


def harvest_user(
    conn: sqlite3.Connection, p: Person, user_id: int, email: str, created: str, changed: str
) -> None:
    conn.execute(
        "insert into harvest_users (id, first_name, last_name, email, timezone, "
        "is_contractor, is_active, weekly_capacity, default_hourly_rate, cost_rate, roles, "
        "access_roles, created_at, updated_at) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            user_id,
            p.first_name,
            p.last_name,
            email,
            p.entity.timezone,
            0,
            0 if p.termination_date else 1,
            144000,
            p.bill_rate or None,
            p.cost_rate,
            f'["{p.title}"]',
            '["manager"]' if p.labor_category in ("LC-MGR", "LC-DIR") else '["member"]',
            created,
            changed,
        ),
    )


def netsuite_employee(
    conn: sqlite3.Connection,
    p: Person,
    ns_id: int,
    supervisor_ns_id: int | None,
    created: str,
    changed: str,
    *,
    externalid: str | None,
    email: str | None = None,
    inactive: bool | None = None,
) -> None:
    entity = ENTITY_BY_CODE[p.entity.code]
    department = DEPARTMENT_BY_NAME.get(p.department)
    category = LABOR_CATEGORY_BY_CODE.get(p.labor_category)
    if inactive is None:
        inactive = p.termination_date is not None
    conn.execute(
        "insert into ns_employee (id, entityid, externalid, firstname, lastname, email, title, "
        "subsidiary, department, class, location, supervisor, laborcost, hiredate, releasedate, "
        "isinactive, datecreated, lastmodifieddate) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            ns_id,
            p.employee_number,
            externalid,
            p.first_name,
            p.last_name,
            email or p.email,
            p.title,
            entity.subsidiary_id,
            department.erp_department_id if department else None,
            category.erp_class_id if category else None,
            LOCATIONS.get(p.location),
            supervisor_ns_id,
            money(p.cost_rate),
            p.hire_date.isoformat(),
            p.termination_date.isoformat() if p.termination_date else None,
            "T" if inactive else "F",
            created,
            changed,
        ),
    )


def gusto_employee(
    conn: sqlite3.Connection,
    p: Person,
    *,
    uuid: str,
    job_uuid: str,
    compensation_uuid: str,
    company_uuid: str,
    department_uuid: str | None,
    location_uuid: str | None,
    manager_uuid: str | None,
    employee_code: str | None,
    email: str,
    terminated: bool,
    created: str,
    changed: str,
) -> None:
    hourly = p.pay_type == "Hourly"
    conn.execute(
        "insert into gusto_employees (uuid, company_uuid, first_name, last_name, email, "
        "work_email, employee_code, department_uuid, manager_uuid, terminated, "
        "current_employment_status, onboarded, hired_at, flsa_status, version, created_at, "
        "updated_at) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            uuid,
            company_uuid,
            p.first_name,
            p.last_name,
            email,
            email,
            employee_code,
            department_uuid,
            manager_uuid,
            1 if terminated else 0,
            "part_time_twenty_plus_hours" if hourly else "full_time",
            1,
            p.hire_date.isoformat(),
            "Nonexempt" if hourly else "Exempt",
            version_of(uuid, 1),
            created,
            changed,
        ),
    )
    rate = money(p.hourly_rate if hourly else p.annual_salary)
    unit = "Hour" if hourly else "Year"
    conn.execute(
        "insert into gusto_jobs (uuid, employee_uuid, title, hire_date, rate, payment_unit, "
        'current_compensation_uuid, location_uuid, "primary", version) '
        "values (?,?,?,?,?,?,?,?,1,?)",
        (
            job_uuid,
            uuid,
            p.title,
            p.hire_date.isoformat(),
            rate,
            unit,
            compensation_uuid,
            location_uuid,
            version_of(job_uuid, 1),
        ),
    )
    conn.execute(
        "insert into gusto_compensations (uuid, job_uuid, employee_uuid, rate, payment_unit, "
        "flsa_status, effective_date, version) values (?,?,?,?,?,?,?,?)",
        (
            compensation_uuid,
            job_uuid,
            uuid,
            rate,
            unit,
            "Nonexempt" if hourly else "Exempt",
            p.hire_date.isoformat(),
            version_of(compensation_uuid, 1),
        ),
    )


def version_of(uuid: str, n: int) -> str:
    """Gusto-style opaque version string for the n-th revision of an object."""
    return f"{uuid.replace('-', '')[:24]}{n:08x}"
