"""Changes to a worker in HCM, shared by business events and injected drift."""

from __future__ import annotations

import random
import sqlite3
from datetime import date

from vendor_sandbox.bamboohr.backend import employee_changed
from vendor_sandbox.clock import BusinessClock, iso_offset
from vendor_sandbox.firm import records


def terminate(conn: sqlite3.Connection, hcm_id: int, effective: date, today: date) -> None:
    """A worker leaves: inactive from `effective`, entered on `today` (webhooks queued)."""
    stamp = iso_offset(BusinessClock.at(today, 11))
    conn.execute(
        "update bamboohr_employees set status = 'Inactive', terminationDate = ?, "
        "employmentHistoryStatus = 'Terminated', lastChanged = ? where id = ?",
        (effective.isoformat(), stamp, hcm_id),
    )
    records.hcm_termination_row(conn, hcm_id, effective, stamp)
    employee_changed(
        conn,
        employee_id=hcm_id,
        action="Updated",
        changed_fields=["status", "terminationDate", "employmentHistoryStatus"],
        now=stamp,
    )


def move(conn: sqlite3.Connection, hcm_id: int, department: str, day: date) -> None:
    """A worker moves department on `day`: new cost center and jobInfo row (webhooks queued)."""
    stamp = iso_offset(BusinessClock.at(day, 12))
    conn.execute(
        "update bamboohr_employees set department = ?, customCostCenter = ?, lastChanged = ? "
        "where id = ?",
        (department, records.cost_center(department), stamp, hcm_id),
    )
    current = conn.execute(
        "select location, division, jobTitle, reportsTo from bamboohr_job_info "
        "where employeeId = ? order by date desc, id desc limit 1",
        (hcm_id,),
    ).fetchone()
    conn.execute(
        "insert into bamboohr_job_info (employeeId, date, location, department, division, "
        "jobTitle, reportsTo, lastChanged) values (?,?,?,?,?,?,?,?)",
        (
            hcm_id,
            day.isoformat(),
            current["location"] if current else None,
            department,
            current["division"] if current else None,
            current["jobTitle"] if current else None,
            current["reportsTo"] if current else None,
            stamp,
        ),
    )
    employee_changed(
        conn, employee_id=hcm_id, action="Updated", changed_fields=["department"], now=stamp
    )


def random_active(
    conn: sqlite3.Connection, rng: random.Random, where: str, params: tuple
) -> sqlite3.Row | None:
    """A random active worker (not the managing partner) matching `where`, or None."""
    rows = conn.execute(
        f"select * from bamboohr_employees where status = 'Active' and deletedAt is null "
        f"and id > 100 and {where} order by id",
        params,
    ).fetchall()
    return rng.choice(rows) if rows else None
