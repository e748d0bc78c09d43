"""State logic of the Gusto emulator: writes, the event hook for the activity simulator, counts.

Gusto write habits kept here:
- Every PUT carries the object's `version`; a version that is not the current one answers 409 and
  changes nothing (docs.gusto.com/app-integrations/docs/idempotency). Every write gives the
  object a new opaque version and stamps `updated_at` (where the table has one) with business time.
- Gusto does not refuse a second employee with the same email; the sandbox logs each create with
  its natural key (the normalised work email, else email) so /_sandbox/truth/duplicates can tell.
- Every write appends an event to the change feed and queues webhooks for it. Event types are
  Gusto's own: `employee.created|updated|terminated`, and for jobs and compensations
  `employee_job_compensation.created|updated` (Gusto groups them under the
  EmployeeJobCompensation subscription type), with `entity_type` Job or Compensation.
- A job created through the API gets a first compensation (rate 0.00 per Hour, Nonexempt, from
  the hire date), as Gusto does, and becomes the primary job if the employee has none.

Fields of a request that the sandbox does not store (ssn, date_of_birth, middle_initial,
two_percent_shareholder, ...) are accepted and ignored.
"""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from vendor_sandbox import writes
from vendor_sandbox.clock import iso_z
from vendor_sandbox.gusto import events, queries
from vendor_sandbox.gusto.errors import stale_version, unprocessable

PAYMENT_UNITS = ("Hour", "Week", "Month", "Year", "Paycheck")
FLSA_STATUSES = (
    "Exempt",
    "Salaried Nonexempt",
    "Nonexempt",
    "Owner",
    "Commission Only Exempt",
    "Commission Only Nonexempt",
)
COUNTED_TABLES = {
    "employees": "gusto_employees",
    "jobs": "gusto_jobs",
    "compensations": "gusto_compensations",
    "departments": "gusto_departments",
    "locations": "gusto_locations",
    "terminations": "gusto_terminations",
    "pay_schedules": "gusto_pay_schedules",
    "payrolls": "gusto_payrolls",
    "payroll_employee_compensations": "gusto_employee_compensations",
}


def new_version() -> str:
    """A fresh opaque version (Gusto's look: 32 hex digits)."""
    return uuid.uuid4().hex


def check_version(body: dict[str, object], current: str, resource: str) -> None:
    """422 without a version, 409 with a stale one."""
    sent = body.get("version")
    if not isinstance(sent, str) or not sent:
        raise unprocessable("version", "version is required", "missing_attribute")
    if sent != current:
        raise stale_version(resource)


def _text(body: dict[str, object], key: str, *, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise unprocessable(key, f"{key} is required", "missing_attribute")
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise unprocessable(key, f"{key} must be a non-empty string")
    return value


def _day(body: dict[str, object], key: str, *, required: bool = False) -> str | None:
    value = _text(body, key, required=required)
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise unprocessable(key, f"{key} must be a date (YYYY-MM-DD)") from exc


def _rate(body: dict[str, object]) -> str | None:
    value = body.get("rate")
    if value is None:
        return None
    try:
        rate = Decimal(str(value))
    except InvalidOperation as exc:
        raise unprocessable("rate", "rate must be a decimal amount") from exc
    if not rate.is_finite() or rate < 0:
        raise unprocessable("rate", "rate must be a non-negative decimal amount")
    return str(rate.quantize(Decimal("0.01")))


def _choice(body: dict[str, object], key: str, allowed: tuple[str, ...]) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if value not in allowed:
        raise unprocessable(key, f"{key} must be one of {', '.join(allowed)}")
    return str(value)


def _event(
    conn: sqlite3.Connection,
    company_uuid: str,
    event_type: str,
    entity_type: str,
    entity_uuid: str,
    now_ts: int,
    now_iso: str,
) -> None:
    events.append_event(
        conn,
        company_uuid=company_uuid,
        event_type=event_type,
        entity_type=entity_type,
        entity_uuid=entity_uuid,
        timestamp=now_ts,
        now_iso=now_iso,
    )


def existing_employee_with_email(
    conn: sqlite3.Connection, company_uuid: str, natural_key: str
) -> str | None:
    """A company employee whose normalised work email or email is `natural_key` (active first)."""
    if not natural_key:
        return None
    row = conn.execute(
        "select uuid from gusto_employees where company_uuid = ? and "
        "(lower(trim(coalesce(work_email, ''))) = ? or lower(trim(coalesce(email, ''))) = ?) "
        "order by terminated, created_at, uuid limit 1",
        (company_uuid, natural_key, natural_key),
    ).fetchone()
    return row["uuid"] if row else None


def create_employee(
    conn: sqlite3.Connection,
    *,
    company_uuid: str,
    body: dict[str, object],
    now_iso: str,
    now_ts: int,
) -> str:
    """`POST /v1/companies/{id}/employees`: a new, not yet onboarded employee."""
    first = _text(body, "first_name", required=True)
    last = _text(body, "last_name", required=True)
    email = _text(body, "email")
    work_email = _text(body, "work_email")
    natural_key = writes.normalise_email(work_email or email)
    existing = existing_employee_with_email(conn, company_uuid, natural_key)
    employee_uuid = str(uuid.uuid4())
    conn.execute(
        "insert into gusto_employees (uuid, company_uuid, first_name, last_name, email, "
        "work_email, terminated, onboarded, version, created_at, updated_at) "
        "values (?,?,?,?,?,?,0,0,?,?,?)",
        (
            employee_uuid,
            company_uuid,
            first,
            last,
            email,
            work_email,
            new_version(),
            now_iso,
            now_iso,
        ),
    )
    writes.log_create(
        conn,
        system="gusto",
        entity="employee",
        natural_key=natural_key,
        remote_id=employee_uuid,
        now_iso=now_iso,
        existing_remote_id=existing,
    )
    _event(conn, company_uuid, "employee.created", "Employee", employee_uuid, now_ts, now_iso)
    return employee_uuid


def update_employee(
    conn: sqlite3.Connection,
    *,
    company_uuid: str,
    employee_uuid: str,
    body: dict[str, object],
    now_iso: str,
    now_ts: int,
) -> None:
    """`PUT /v1/employees/{id}`: names and emails, version-checked."""
    row = queries.employee_row(conn, company_uuid, employee_uuid)
    check_version(body, row["version"], "employee")
    changes: dict[str, object] = {}
    for key in ("first_name", "last_name"):
        if key in body:
            changes[key] = _text(body, key, required=True)
    for key in ("email", "work_email"):
        if key in body:
            changes[key] = _text(body, key)
    sets = ", ".join(f"{key} = ?" for key in changes)
    conn.execute(
        f"update gusto_employees set {sets + ', ' if sets else ''}version = ?, updated_at = ? "
        "where uuid = ?",
        (*changes.values(), new_version(), now_iso, employee_uuid),
    )
    _event(conn, company_uuid, "employee.updated", "Employee", employee_uuid, now_ts, now_iso)


def create_termination(
    conn: sqlite3.Connection,
    *,
    company_uuid: str,
    employee_uuid: str,
    body: dict[str, object],
    now_iso: str,
    now_ts: int,
) -> str:
    """`POST /v1/employees/{id}/terminations`: terminate an employee on a date."""
    queries.employee_row(conn, company_uuid, employee_uuid)
    effective = _day(body, "effective_date", required=True)
    run_payroll = body.get("run_termination_payroll", False)
    if not isinstance(run_payroll, bool):
        raise unprocessable("run_termination_payroll", "run_termination_payroll must be a boolean")
    active = conn.execute(
        "select 1 from gusto_terminations where employee_uuid = ? and active = 1",
        (employee_uuid,),
    ).fetchone()
    if active is not None:
        raise unprocessable(
            "base", "This employee already has an active termination", "invalid_operation"
        )
    termination_uuid = str(uuid.uuid4())
    conn.execute(
        "insert into gusto_terminations (uuid, employee_uuid, effective_date, active, "
        "run_termination_payroll, version) values (?,?,?,1,?,?)",
        (termination_uuid, employee_uuid, effective, int(run_payroll), new_version()),
    )
    conn.execute(
        "update gusto_employees set terminated = 1, version = ?, updated_at = ? where uuid = ?",
        (new_version(), now_iso, employee_uuid),
    )
    _event(conn, company_uuid, "employee.terminated", "Employee", employee_uuid, now_ts, now_iso)
    return termination_uuid


def _check_location(conn: sqlite3.Connection, company_uuid: str, location_uuid: object) -> None:
    if location_uuid is None:
        return
    row = conn.execute(
        "select 1 from gusto_locations where uuid = ? and company_uuid = ?",
        (location_uuid, company_uuid),
    ).fetchone()
    if row is None:
        raise unprocessable("location_uuid", "location_uuid names no location of this company")


def create_job(
    conn: sqlite3.Connection,
    *,
    company_uuid: str,
    employee_uuid: str,
    body: dict[str, object],
    now_iso: str,
    now_ts: int,
) -> str:
    """`POST /v1/employees/{id}/jobs`: a job with its first compensation."""
    employee = queries.employee_row(conn, company_uuid, employee_uuid)
    title = _text(body, "title", required=True)
    hire_date = _day(body, "hire_date", required=True)
    location_uuid = body.get("location_uuid")
    _check_location(conn, company_uuid, location_uuid)
    has_primary = conn.execute(
        'select 1 from gusto_jobs where employee_uuid = ? and "primary" = 1', (employee_uuid,)
    ).fetchone()
    job_uuid, compensation_uuid = str(uuid.uuid4()), str(uuid.uuid4())
    conn.execute(
        "insert into gusto_jobs (uuid, employee_uuid, title, hire_date, rate, payment_unit, "
        'current_compensation_uuid, location_uuid, "primary", version) '
        "values (?,?,?,?,'0.00','Hour',?,?,?,?)",
        (
            job_uuid,
            employee_uuid,
            title,
            hire_date,
            compensation_uuid,
            location_uuid,
            0 if has_primary else 1,
            new_version(),
        ),
    )
    conn.execute(
        "insert into gusto_compensations (uuid, job_uuid, employee_uuid, rate, payment_unit, "
        "flsa_status, effective_date, version) values (?,?,?,'0.00','Hour','Nonexempt',?,?)",
        (compensation_uuid, job_uuid, employee_uuid, hire_date, new_version()),
    )
    if employee["hired_at"] is None:
        conn.execute(
            "update gusto_employees set hired_at = ?, updated_at = ? where uuid = ?",
            (hire_date, now_iso, employee_uuid),
        )
    _event(
        conn, company_uuid, "employee_job_compensation.created", "Job", job_uuid, now_ts, now_iso
    )
    return job_uuid


def update_job(
    conn: sqlite3.Connection,
    *,
    company_uuid: str,
    job_uuid: str,
    body: dict[str, object],
    now_iso: str,
    now_ts: int,
) -> None:
    """`PUT /v1/jobs/{id}`: title, hire date and location, version-checked."""
    row = queries.job_row(conn, company_uuid, job_uuid)
    check_version(body, row["version"], "job")
    changes: dict[str, object] = {}
    if "title" in body:
        changes["title"] = _text(body, "title")
    if "hire_date" in body:
        changes["hire_date"] = _day(body, "hire_date", required=True)
    if "location_uuid" in body:
        _check_location(conn, company_uuid, body["location_uuid"])
        changes["location_uuid"] = body["location_uuid"]
    sets = "".join(f"{key} = ?, " for key in changes)
    conn.execute(
        f"update gusto_jobs set {sets}version = ? where uuid = ?",
        (*changes.values(), new_version(), job_uuid),
    )
    _event(
        conn, company_uuid, "employee_job_compensation.updated", "Job", job_uuid, now_ts, now_iso
    )


def update_compensation(
    conn: sqlite3.Connection,
    *,
    company_uuid: str,
    compensation_uuid: str,
    body: dict[str, object],
    now_iso: str,
    now_ts: int,
) -> None:
    """`PUT /v1/compensations/{id}`: rate, unit, FLSA status, effective date; version-checked.

    The job shows its current compensation's rate and unit, so changing those changes the job
    too (and its version, which Gusto computes over the job's children).
    """
    row = queries.compensation_row(conn, company_uuid, compensation_uuid)
    check_version(body, row["version"], "compensation")
    changes: dict[str, object] = {}
    rate = _rate(body)
    if rate is not None:
        changes["rate"] = rate
    unit = _choice(body, "payment_unit", PAYMENT_UNITS)
    if unit is not None:
        changes["payment_unit"] = unit
    flsa = _choice(body, "flsa_status", FLSA_STATUSES)
    if flsa is not None:
        changes["flsa_status"] = flsa
    effective = _day(body, "effective_date")
    if effective is not None:
        changes["effective_date"] = effective
    sets = "".join(f"{key} = ?, " for key in changes)
    conn.execute(
        f"update gusto_compensations set {sets}version = ? where uuid = ?",
        (*changes.values(), new_version(), compensation_uuid),
    )
    job = conn.execute(
        "select current_compensation_uuid from gusto_jobs where uuid = ?", (row["job_uuid"],)
    ).fetchone()
    if job["current_compensation_uuid"] == compensation_uuid and (rate or unit):
        conn.execute(
            "update gusto_jobs set rate = coalesce(?, rate), payment_unit = coalesce(?, "
            "payment_unit), version = ? where uuid = ?",
            (rate, unit, new_version(), row["job_uuid"]),
        )
    if job["current_compensation_uuid"] == compensation_uuid and flsa:
        conn.execute(
            "update gusto_employees set flsa_status = ?, updated_at = ? where uuid = ?",
            (flsa, now_iso, row["employee_uuid"]),
        )
    _event(
        conn,
        company_uuid,
        "employee_job_compensation.updated",
        "Compensation",
        compensation_uuid,
        now_ts,
        now_iso,
    )


def record_event(
    conn: sqlite3.Connection,
    *,
    company_uuid: str,
    event_type: str,
    resource_type: str,
    resource_uuid: str,
    entity_type: str,
    entity_uuid: str,
    now: int,
) -> None:
    """Record a business event made inside the sandbox (for the activity simulator).

    Call it inside the same write transaction as the change it describes (a hire, a
    termination, a processed payroll), after the Gusto rows are written. It appends one event to
    the change feed, with a uuid derived from the company and the event's sequence number (the
    same history gives the same ids), and queues a webhook delivery for every verified Gusto
    subscription whose types cover the event. After the transaction commits, wake the delivery
    worker (`ctx.extras["webhooks"].wake()`) or let its next poll (0.2 s) pick them up.

    Args:
        conn: the connection of an open write transaction.
        company_uuid: the Gusto company the event belongs to (its feed and token scope).
        event_type: Gusto's event name, e.g. `employee.created`, `employee.terminated`,
            `payroll.processed`, `employee_job_compensation.updated`.
        resource_type: the parent resource; Gusto always sends `Company`.
        resource_uuid: the parent's uuid (the company's uuid).
        entity_type: what changed: `Employee`, `Payroll`, `Job`, `Compensation`, ...
        entity_uuid: the changed object's uuid.
        now: the business moment of the event in Unix seconds (the feed serves 30 days of
            business time back from the clock's now).
    """
    events.append_event(
        conn,
        company_uuid=company_uuid,
        event_type=event_type,
        entity_type=entity_type,
        entity_uuid=entity_uuid,
        timestamp=now,
        now_iso=_iso_of(now),
        resource_type=resource_type,
        resource_uuid=resource_uuid,
    )


def _iso_of(unix_seconds: int) -> str:
    return iso_z(datetime.fromtimestamp(unix_seconds, UTC))


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per raw Gusto table, summed over all companies (nothing is ever deleted here)."""
    return {
        name: conn.execute(f"select count(*) from {table}").fetchone()[0]
        for name, table in COUNTED_TABLES.items()
    }
