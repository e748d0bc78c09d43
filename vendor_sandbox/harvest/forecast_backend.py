"""State logic of the Forecast-style bookings API (Harvest's scheduling product).

Forecast mirrors Harvest's people and projects; the sandbox shares their ids, so a person is a
`harvest_users` row (`harvest_user_id` = id, `archived` = not active) and a project a
`harvest_projects` row. Assignments (bookings) live in `forecast_assignments`: a person on a
project from `start_date` to `end_date` inclusive, `allocation` seconds per day. Forecast's lists
are not paginated. Deletes are hard.

A date-range filter returns the assignments that overlap the range, as Forecast's schedule does.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from vendor_sandbox.harvest.errors import HarvestError
from vendor_sandbox.harvest.fields import Fields
from vendor_sandbox.writes import log_create

ASSIGNMENT = """json_object(
    'id', a.id, 'start_date', a.start_date, 'end_date', a.end_date, 'allocation', a.allocation,
    'notes', a.notes, 'updated_at', a.updated_at, 'updated_by_id', a.updated_by_id,
    'project_id', a.project_id, 'person_id', a.person_id, 'placeholder_id', null,
    'repeated_assignment_set_id', null, 'active_on_days_off', json('false'))"""

PERSON = """json_object(
    'id', u.id, 'first_name', u.first_name, 'last_name', u.last_name, 'email', u.email,
    'harvest_user_id', u.id, 'archived', iif(u.is_active, json('false'), json('true')),
    'roles', json(u.roles), 'updated_at', u.updated_at)"""

PROJECT = """json_object(
    'id', p.id, 'name', p.name, 'code', p.code, 'harvest_id', p.id, 'client_id', p.client_id,
    'archived', iif(p.is_active, json('false'), json('true')), 'start_date', p.starts_on,
    'end_date', p.ends_on, 'notes', p.notes, 'updated_at', p.updated_at)"""

# Eight hours a day, Forecast's default booking.
DEFAULT_ALLOCATION = 28800


def _array(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...] = ()) -> bytes:
    rows = conn.execute(sql, params).fetchall()
    return b"[" + ",".join(row[0] for row in rows).encode() + b"]"


def list_assignments(
    conn: sqlite3.Connection,
    *,
    start_date: str | None,
    end_date: str | None,
    person_id: int | None,
    project_id: int | None,
) -> bytes:
    """The assignments overlapping [start_date, end_date], as a JSON array."""
    clauses, params = [], []
    if start_date is not None:
        clauses.append("a.end_date >= ?")
        params.append(start_date)
    if end_date is not None:
        clauses.append("a.start_date <= ?")
        params.append(end_date)
    if person_id is not None:
        clauses.append("a.person_id = ?")
        params.append(person_id)
    if project_id is not None:
        clauses.append("a.project_id = ?")
        params.append(project_id)
    where = " and ".join(clauses) or "1"
    return _array(
        conn,
        f"select {ASSIGNMENT} from forecast_assignments a where {where} "
        "order by a.start_date, a.id",
        tuple(params),
    )


def get_assignment(conn: sqlite3.Connection, assignment_id: int) -> bytes:
    row = conn.execute(
        f"select {ASSIGNMENT} from forecast_assignments a where a.id = ?", (assignment_id,)
    ).fetchone()
    if row is None:
        raise HarvestError.missing()
    return row[0].encode()


def list_people(conn: sqlite3.Connection) -> bytes:
    return _array(conn, f"select {PERSON} from harvest_users u order by u.id")


def list_projects(conn: sqlite3.Connection) -> bytes:
    return _array(conn, f"select {PROJECT} from harvest_projects p order by p.id")


def _fields(body: Fields, *, creating: bool) -> dict[str, Any]:
    values = {
        "project_id": body.integer("project_id", required=creating),
        "person_id": body.integer("person_id", required=creating),
        "start_date": body.date("start_date", required=creating),
        "end_date": body.date("end_date", required=creating),
        "allocation": body.integer("allocation"),
        "notes": body.text("notes"),
    }
    return {key: value for key, value in values.items() if value is not None}


def _check(conn: sqlite3.Connection, values: dict[str, Any]) -> None:
    if values["start_date"] > values["end_date"]:
        raise HarvestError.unprocessable("End date must be on or after start date")
    if (
        conn.execute("select 1 from harvest_users where id = ?", (values["person_id"],)).fetchone()
        is None
    ):
        raise HarvestError.unprocessable("Person can't be blank")
    if (
        conn.execute(
            "select 1 from harvest_projects where id = ?", (values["project_id"],)
        ).fetchone()
        is None
    ):
        raise HarvestError.unprocessable("Project can't be blank")


def natural_key(values: dict[str, Any]) -> str:
    """A booking is 'the same' as another of one person on one project over the same dates."""
    return (
        f"{values['person_id']}:{values['project_id']}:{values['start_date']}:{values['end_date']}"
    )


def create_assignment(
    conn: sqlite3.Connection, body: Fields, now: str, updated_by_id: int | None
) -> int:
    values = {"allocation": DEFAULT_ALLOCATION, **_fields(body, creating=True)}
    _check(conn, values)
    existing = conn.execute(
        "select id from forecast_assignments where person_id = ? and project_id = ? "
        "and start_date = ? and end_date = ? order by id",
        (values["person_id"], values["project_id"], values["start_date"], values["end_date"]),
    ).fetchone()
    values.update(updated_by_id=updated_by_id, created_at=now, updated_at=now)
    cursor = conn.execute(
        f"insert into forecast_assignments ({', '.join(values)}) "
        f"values ({', '.join('?' for _ in values)})",
        tuple(values.values()),
    )
    assert cursor.lastrowid is not None
    log_create(
        conn,
        system="harvest",
        entity="forecast_assignments",
        natural_key=natural_key(values),
        remote_id=cursor.lastrowid,
        now_iso=now,
        existing_remote_id=None if existing is None else existing[0],
    )
    return cursor.lastrowid


def update_assignment(
    conn: sqlite3.Connection, assignment_id: int, body: Fields, now: str, updated_by_id: int | None
) -> None:
    row = conn.execute(
        "select * from forecast_assignments where id = ?", (assignment_id,)
    ).fetchone()
    if row is None:
        raise HarvestError.missing()
    changes = _fields(body, creating=False)
    _check(conn, {**dict(row), **changes})
    changes.update(updated_by_id=updated_by_id, updated_at=now)
    conn.execute(
        f"update forecast_assignments set {', '.join(f'{k} = ?' for k in changes)} where id = ?",
        (*changes.values(), assignment_id),
    )


def delete_assignment(conn: sqlite3.Connection, assignment_id: int) -> None:
    cursor = conn.execute("delete from forecast_assignments where id = ?", (assignment_id,))
    if cursor.rowcount == 0:
        raise HarvestError.missing()
