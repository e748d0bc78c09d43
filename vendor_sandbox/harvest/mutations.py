"""Harvest's write rules: creates, updates and hard deletes, each inside the caller's transaction.

What Harvest refuses, and so does this emulator:
- a user whose email equals another user's ignoring case and surrounding whitespace (422
  "Email has already been taken"), on create and on update;
- changing an archived user's names or email (422; reactivate first, then rename);
- a second user assignment of one user to one project, or a second task assignment of one task
  to one project (422);
- changing or deleting a time entry that is approved (`is_closed`: 403) or otherwise locked
  (`is_locked`, e.g. invoiced: 422 naming the lock reason);
- deleting a user, user assignment or task assignment that has time tracked against it, or a
  client that still has projects (422: Harvest says to archive instead).
Deleting a project deletes its time entries and assignments with it, as Harvest documents.

Every create is logged with its natural key (see `vendor_sandbox.writes`); every write stamps
`updated_at` (and `created_at` on create) with the business clock.
"""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Any

import orjson

from vendor_sandbox.harvest.errors import HarvestError
from vendor_sandbox.harvest.fields import Fields, parse_clock_time
from vendor_sandbox.writes import log_create, normalise_email

SYSTEM = "harvest"
DEFAULT_TIMEZONE = "Eastern Time (US & Canada)"
DEFAULT_WEEKLY_CAPACITY = 126000  # 35 hours, Harvest's default
BILL_BY = frozenset({"Project", "Tasks", "People", "none"})
BUDGET_BY = frozenset({"project", "project_cost", "task", "task_fees", "person", "none"})
# User fields Harvest refuses to change while the user is archived (PATCH /users/{id}).
LOCKED_WHILE_INACTIVE = ("first_name", "last_name", "email")
EXTERNAL_REFERENCE_KEYS = (
    "id",
    "group_id",
    "account_id",
    "permalink",
    "service",
    "service_icon_url",
)


def _row(conn: sqlite3.Connection, table: str, record_id: int) -> sqlite3.Row:
    row = conn.execute(f"select * from {table} where id = ?", (record_id,)).fetchone()
    if row is None:
        raise HarvestError.missing()
    return row


def _update(
    conn: sqlite3.Connection, table: str, record_id: int, changes: dict[str, Any], now: str
) -> None:
    changes = {**changes, "updated_at": now}
    assignments = ", ".join(f"{column} = ?" for column in changes)
    conn.execute(f"update {table} set {assignments} where id = ?", (*changes.values(), record_id))


def _insert(conn: sqlite3.Connection, table: str, values: dict[str, Any]) -> int:
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cursor = conn.execute(
        f"insert into {table} ({columns}) values ({marks})", tuple(values.values())
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _log(
    conn: sqlite3.Connection, entity: str, key: str, remote_id: int, now: str, existing: int | None
) -> None:
    log_create(
        conn,
        system=SYSTEM,
        entity=entity,
        natural_key=key,
        remote_id=remote_id,
        now_iso=now,
        existing_remote_id=existing,
    )


def _first_id(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> int | None:
    row = conn.execute(sql, params).fetchone()
    return None if row is None else row[0]


# Users -------------------------------------------------------------------------------------


def _user_fields(body: Fields, *, creating: bool) -> dict[str, Any]:
    return _present(
        {
            "first_name": body.text("first_name", required=creating),
            "last_name": body.text("last_name", required=creating),
            "email": body.text("email", required=creating),
            "telephone": body.text("telephone"),
            "timezone": body.text("timezone"),
            "has_access_to_all_future_projects": body.boolean("has_access_to_all_future_projects"),
            "is_contractor": body.boolean("is_contractor"),
            "is_active": body.boolean("is_active"),
            "weekly_capacity": body.integer("weekly_capacity"),
            "default_hourly_rate": body.number("default_hourly_rate"),
            "cost_rate": body.number("cost_rate"),
            "roles": body.string_list("roles"),
            "access_roles": body.string_list("access_roles"),
        }
    )


def _email_taken(conn: sqlite3.Connection, email: str, except_id: int | None) -> bool:
    return (
        _first_id(
            conn,
            "select id from harvest_users where lower(trim(email)) = ? and id is not ?",
            (normalise_email(email), except_id),
        )
        is not None
    )


def create_user(conn: sqlite3.Connection, body: Fields, now: str) -> int:
    fields = _user_fields(body, creating=True)
    if _email_taken(conn, fields["email"], None):
        raise HarvestError.unprocessable("Email has already been taken")
    values = {
        "telephone": "",
        "timezone": DEFAULT_TIMEZONE,
        "weekly_capacity": DEFAULT_WEEKLY_CAPACITY,
        "roles": "[]",
        "access_roles": '["member"]',
        **fields,
        "created_at": now,
        "updated_at": now,
    }
    user_id = _insert(conn, "harvest_users", values)
    _log(conn, "users", normalise_email(fields["email"]), user_id, now, None)
    return user_id


def update_user(conn: sqlite3.Connection, user_id: int, body: Fields, now: str) -> None:
    user = _row(conn, "harvest_users", user_id)
    fields = _user_fields(body, creating=False)
    if not user["is_active"]:
        # Harvest: names and email "can't be updated if the user is inactive", judged on the user
        # as stored, so a request that also reactivates is refused too; an unchanged value passes.
        changed = [
            name for name in LOCKED_WHILE_INACTIVE if fields.get(name, user[name]) != user[name]
        ]
        if changed:
            field = changed[0].replace("_", " ").capitalize()
            raise HarvestError.unprocessable(f"{field} can't be updated if the user is inactive")
    if "email" in fields and not fields["email"].strip():
        raise HarvestError.unprocessable("Email can't be blank")
    if "email" in fields and _email_taken(conn, fields["email"], user_id):
        raise HarvestError.unprocessable("Email has already been taken")
    _update(conn, "harvest_users", user_id, fields, now)


def delete_user(conn: sqlite3.Connection, user_id: int) -> None:
    _row(conn, "harvest_users", user_id)
    if (
        _first_id(conn, "select id from harvest_time_entries where user_id = ? limit 1", (user_id,))
        is not None
    ):
        raise HarvestError.unprocessable(
            "This user has tracked time and can't be deleted. Archive the user instead."
        )
    conn.execute("delete from harvest_user_assignments where user_id = ?", (user_id,))
    conn.execute("delete from harvest_users where id = ?", (user_id,))


# Clients -----------------------------------------------------------------------------------


def _client_fields(body: Fields, *, creating: bool) -> dict[str, Any]:
    return _present(
        {
            "name": body.text("name", required=creating),
            "is_active": body.boolean("is_active"),
            "address": body.text("address"),
            "currency": body.text("currency"),
        }
    )


def create_client(conn: sqlite3.Connection, body: Fields, now: str) -> int:
    fields = _client_fields(body, creating=True)
    existing = _first_id(
        conn, "select id from harvest_clients where name = ? order by id", (fields["name"],)
    )
    statement_key = hashlib.sha1(f"{fields['name']}|{now}".encode()).hexdigest()
    values = {
        "currency": "USD",
        **fields,
        "statement_key": statement_key,
        "created_at": now,
        "updated_at": now,
    }
    client_id = _insert(conn, "harvest_clients", values)
    _log(conn, "clients", fields["name"], client_id, now, existing)
    return client_id


def update_client(conn: sqlite3.Connection, client_id: int, body: Fields, now: str) -> None:
    _row(conn, "harvest_clients", client_id)
    _update(conn, "harvest_clients", client_id, _client_fields(body, creating=False), now)


def delete_client(conn: sqlite3.Connection, client_id: int) -> None:
    _row(conn, "harvest_clients", client_id)
    if (
        _first_id(conn, "select id from harvest_projects where client_id = ? limit 1", (client_id,))
        is not None
    ):
        raise HarvestError.unprocessable(
            "This client has projects and can't be deleted. Archive the client instead."
        )
    conn.execute("delete from harvest_clients where id = ?", (client_id,))


# Projects ----------------------------------------------------------------------------------


def _project_fields(body: Fields, *, creating: bool) -> dict[str, Any]:
    return _present(
        {
            "client_id": body.integer("client_id", required=creating),
            "name": body.text("name", required=creating),
            "code": body.text("code"),
            "is_active": body.boolean("is_active"),
            "is_billable": body.boolean("is_billable", required=creating),
            "is_fixed_fee": body.boolean("is_fixed_fee"),
            "bill_by": body.choice("bill_by", BILL_BY, required=creating),
            "hourly_rate": body.number("hourly_rate"),
            "budget": body.number("budget"),
            "budget_by": body.choice("budget_by", BUDGET_BY, required=creating),
            "budget_is_monthly": body.boolean("budget_is_monthly"),
            "notify_when_over_budget": body.boolean("notify_when_over_budget"),
            "over_budget_notification_percentage": body.number(
                "over_budget_notification_percentage"
            ),
            "show_budget_to_all": body.boolean("show_budget_to_all"),
            "cost_budget": body.number("cost_budget"),
            "cost_budget_include_expenses": body.boolean("cost_budget_include_expenses"),
            "fee": body.number("fee"),
            "notes": body.text("notes"),
            "starts_on": body.date("starts_on"),
            "ends_on": body.date("ends_on"),
        }
    )


def _require_client(conn: sqlite3.Connection, client_id: int) -> None:
    if _first_id(conn, "select id from harvest_clients where id = ?", (client_id,)) is None:
        raise HarvestError.unprocessable("Client can't be blank")


def project_natural_key(code: str | None, name: str) -> str:
    """A project is 'the same' as another with its code, or its name when it has no code."""
    return code if code else name


def create_project(conn: sqlite3.Connection, body: Fields, now: str) -> int:
    fields = _project_fields(body, creating=True)
    _require_client(conn, fields["client_id"])
    key = project_natural_key(fields.get("code"), fields["name"])
    existing = _first_id(
        conn,
        "select id from harvest_projects where coalesce(nullif(code, ''), name) = ? order by id",
        (key,),
    )
    project_id = _insert(conn, "harvest_projects", {**fields, "created_at": now, "updated_at": now})
    _log(conn, "projects", key, project_id, now, existing)
    return project_id


def update_project(conn: sqlite3.Connection, project_id: int, body: Fields, now: str) -> None:
    _row(conn, "harvest_projects", project_id)
    fields = _project_fields(body, creating=False)
    if "client_id" in fields:
        _require_client(conn, fields["client_id"])
    _update(conn, "harvest_projects", project_id, fields, now)


def delete_project(conn: sqlite3.Connection, project_id: int) -> None:
    """Harvest deletes a project with its time entries and assignments."""
    _row(conn, "harvest_projects", project_id)
    for table in ("harvest_time_entries", "harvest_user_assignments", "harvest_task_assignments"):
        conn.execute(f"delete from {table} where project_id = ?", (project_id,))
    conn.execute("delete from harvest_projects where id = ?", (project_id,))


# Tasks -------------------------------------------------------------------------------------


def _task_fields(body: Fields, *, creating: bool) -> dict[str, Any]:
    return _present(
        {
            "name": body.text("name", required=creating),
            "billable_by_default": body.boolean("billable_by_default"),
            "default_hourly_rate": body.number("default_hourly_rate"),
            "is_default": body.boolean("is_default"),
            "is_active": body.boolean("is_active"),
        }
    )


def create_task(conn: sqlite3.Connection, body: Fields, now: str) -> int:
    fields = _task_fields(body, creating=True)
    existing = _first_id(
        conn, "select id from harvest_tasks where name = ? order by id", (fields["name"],)
    )
    task_id = _insert(conn, "harvest_tasks", {**fields, "created_at": now, "updated_at": now})
    _log(conn, "tasks", fields["name"], task_id, now, existing)
    return task_id


def update_task(conn: sqlite3.Connection, task_id: int, body: Fields, now: str) -> None:
    _row(conn, "harvest_tasks", task_id)
    _update(conn, "harvest_tasks", task_id, _task_fields(body, creating=False), now)


# User and task assignments -----------------------------------------------------------------


def _assignment(
    conn: sqlite3.Connection, table: str, project_id: int, assignment_id: int
) -> sqlite3.Row:
    _row(conn, "harvest_projects", project_id)
    row = _row(conn, table, assignment_id)
    if row["project_id"] != project_id:
        raise HarvestError.missing()
    return row


def _user_assignment_fields(body: Fields) -> dict[str, Any]:
    return _present(
        {
            "is_active": body.boolean("is_active"),
            "is_project_manager": body.boolean("is_project_manager"),
            "use_default_rates": body.boolean("use_default_rates"),
            "hourly_rate": body.number("hourly_rate"),
            "budget": body.number("budget"),
        }
    )


def create_user_assignment(
    conn: sqlite3.Connection, project_id: int, body: Fields, now: str
) -> int:
    _row(conn, "harvest_projects", project_id)
    user_id = body.integer("user_id", required=True)
    assert user_id is not None
    if _first_id(conn, "select id from harvest_users where id = ?", (user_id,)) is None:
        raise HarvestError.unprocessable("User can't be blank")
    existing = _first_id(
        conn,
        "select id from harvest_user_assignments where project_id = ? and user_id = ?",
        (project_id, user_id),
    )
    if existing is not None:
        raise HarvestError.unprocessable("User is already assigned to this project")
    values = {
        "project_id": project_id,
        "user_id": user_id,
        **_user_assignment_fields(body),
        "created_at": now,
        "updated_at": now,
    }
    assignment_id = _insert(conn, "harvest_user_assignments", values)
    _log(conn, "user_assignments", f"{project_id}:{user_id}", assignment_id, now, None)
    return assignment_id


def update_user_assignment(
    conn: sqlite3.Connection, project_id: int, assignment_id: int, body: Fields, now: str
) -> None:
    _assignment(conn, "harvest_user_assignments", project_id, assignment_id)
    _update(conn, "harvest_user_assignments", assignment_id, _user_assignment_fields(body), now)


def delete_user_assignment(conn: sqlite3.Connection, project_id: int, assignment_id: int) -> None:
    row = _assignment(conn, "harvest_user_assignments", project_id, assignment_id)
    if (
        _first_id(
            conn,
            "select id from harvest_time_entries where user_id = ? and project_id = ? limit 1",
            (row["user_id"], project_id),
        )
        is not None
    ):
        raise HarvestError.unprocessable(
            "This user has tracked time on the project and can't be removed from it."
        )
    conn.execute("delete from harvest_user_assignments where id = ?", (assignment_id,))


def _task_assignment_fields(body: Fields) -> dict[str, Any]:
    return _present(
        {
            "is_active": body.boolean("is_active"),
            "billable": body.boolean("billable"),
            "hourly_rate": body.number("hourly_rate"),
            "budget": body.number("budget"),
        }
    )


def create_task_assignment(
    conn: sqlite3.Connection, project_id: int, body: Fields, now: str
) -> int:
    _row(conn, "harvest_projects", project_id)
    task_id = body.integer("task_id", required=True)
    task = conn.execute("select * from harvest_tasks where id = ?", (task_id,)).fetchone()
    if task is None:
        raise HarvestError.unprocessable("Task can't be blank")
    if (
        _first_id(
            conn,
            "select id from harvest_task_assignments where project_id = ? and task_id = ?",
            (project_id, task_id),
        )
        is not None
    ):
        raise HarvestError.unprocessable("Task is already assigned to this project")
    values = {
        "project_id": project_id,
        "task_id": task_id,
        "billable": False,  # Harvest: "Defaults to false", whatever the task's default
        "hourly_rate": task["default_hourly_rate"],
        **_task_assignment_fields(body),
        "created_at": now,
        "updated_at": now,
    }
    assignment_id = _insert(conn, "harvest_task_assignments", values)
    _log(conn, "task_assignments", f"{project_id}:{task_id}", assignment_id, now, None)
    return assignment_id


def update_task_assignment(
    conn: sqlite3.Connection, project_id: int, assignment_id: int, body: Fields, now: str
) -> None:
    _assignment(conn, "harvest_task_assignments", project_id, assignment_id)
    _update(conn, "harvest_task_assignments", assignment_id, _task_assignment_fields(body), now)


def delete_task_assignment(conn: sqlite3.Connection, project_id: int, assignment_id: int) -> None:
    row = _assignment(conn, "harvest_task_assignments", project_id, assignment_id)
    if (
        _first_id(
            conn,
            "select id from harvest_time_entries where task_id = ? and project_id = ? limit 1",
            (row["task_id"], project_id),
        )
        is not None
    ):
        raise HarvestError.unprocessable(
            "Time has been tracked to this task on the project; it can't be removed."
        )
    conn.execute("delete from harvest_task_assignments where id = ?", (assignment_id,))


# Time entries ------------------------------------------------------------------------------


def _external_reference(body: Fields) -> str | None:
    value = body.payload.get("external_reference")
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("id") in (None, ""):
        raise HarvestError.unprocessable("External reference must be an object with an id")
    return orjson.dumps(
        {
            key: None if value.get(key) is None else str(value[key])
            for key in EXTERNAL_REFERENCE_KEYS
        }
    ).decode()


def _hours(body: Fields) -> tuple[float | None, str | None, str | None]:
    """Hours, started_time and ended_time: hours given, or derived from start and end times."""
    hours = body.number("hours")
    started = body.text("started_time")
    ended = body.text("ended_time")
    if hours is not None and hours < 0:
        raise HarvestError.unprocessable("Hours must be greater than or equal to 0")
    if hours is None and started is not None and ended is not None:
        span = parse_clock_time(ended, "Ended time") - parse_clock_time(started, "Started time")
        if span < 0:
            raise HarvestError.unprocessable("Ended time must be after started time")
        hours = round(span, 2)
    return hours, started, ended


def _placement(
    conn: sqlite3.Connection, user_id: int, project_id: int, task_id: int
) -> dict[str, Any]:
    """Client, assignments and rates of an entry by `user_id` on `project_id`/`task_id`."""
    project = conn.execute("select * from harvest_projects where id = ?", (project_id,)).fetchone()
    if project is None:
        raise HarvestError.unprocessable("Project can't be blank")
    user = conn.execute("select * from harvest_users where id = ?", (user_id,)).fetchone()
    if user is None:
        raise HarvestError.unprocessable("User can't be blank")
    ua = conn.execute(
        "select * from harvest_user_assignments where project_id = ? and user_id = ?",
        (project_id, user_id),
    ).fetchone()
    if ua is None:
        raise HarvestError.unprocessable("User is not assigned to this project")
    ta = conn.execute(
        "select * from harvest_task_assignments where project_id = ? and task_id = ?",
        (project_id, task_id),
    ).fetchone()
    if ta is None:
        raise HarvestError.unprocessable("Task is not assigned to this project")
    billable = bool(project["is_billable"] and ta["billable"])
    rate_by = {
        "Project": project["hourly_rate"],
        "Tasks": ta["hourly_rate"],
        "People": user["default_hourly_rate"] if ua["use_default_rates"] else ua["hourly_rate"],
    }
    return {
        "user_id": user_id,
        "client_id": project["client_id"],
        "project_id": project_id,
        "task_id": task_id,
        "user_assignment_id": ua["id"],
        "task_assignment_id": ta["id"],
        "billable": int(billable),
        "billable_rate": rate_by.get(project["bill_by"]) if billable else None,
        "cost_rate": user["cost_rate"],
    }


def time_entry_natural_key(
    external_reference: str | None,
    user_id: int,
    project_id: int,
    task_id: int,
    spent_date: str,
    notes: str | None,
) -> str:
    """An entry is 'the same' by its external reference id, else by who/where/when/what."""
    if external_reference is not None:
        return str(orjson.loads(external_reference)["id"])
    return f"{user_id}:{project_id}:{task_id}:{spent_date}:{notes or ''}"


def _existing_time_entry(
    conn: sqlite3.Connection, external_reference: str | None, values: dict[str, Any]
) -> int | None:
    if external_reference is not None:
        return _first_id(
            conn,
            "select id from harvest_time_entries where external_reference is not null "
            "and json_extract(external_reference, '$.id') = ? order by id",
            (orjson.loads(external_reference)["id"],),
        )
    return _first_id(
        conn,
        "select id from harvest_time_entries where user_id = ? and project_id = ? "
        "and task_id = ? and spent_date = ? and coalesce(notes, '') = ? "
        "and external_reference is null order by id",
        (
            values["user_id"],
            values["project_id"],
            values["task_id"],
            values["spent_date"],
            values["notes"] or "",
        ),
    )


def create_time_entry(
    conn: sqlite3.Connection, body: Fields, now: str, default_user_id: int | None
) -> int:
    project_id = body.integer("project_id", required=True)
    task_id = body.integer("task_id", required=True)
    spent_date = body.date("spent_date", required=True)
    user_id = body.integer("user_id")
    user_id = default_user_id if user_id is None else user_id
    if user_id is None:
        raise HarvestError.unprocessable("User can't be blank")
    assert project_id is not None and task_id is not None
    hours, started, ended = _hours(body)
    hours = 0.0 if hours is None else hours
    external_reference = _external_reference(body)
    values = {
        **_placement(conn, user_id, project_id, task_id),
        "spent_date": spent_date,
        "hours": hours,
        "rounded_hours": hours,
        "notes": body.text("notes"),
        "external_reference": external_reference,
        "started_time": started,
        "ended_time": ended,
        "created_at": now,
        "updated_at": now,
    }
    existing = _existing_time_entry(conn, external_reference, values)
    entry_id = _insert(conn, "harvest_time_entries", values)
    key = time_entry_natural_key(
        external_reference, user_id, project_id, task_id, values["spent_date"], values["notes"]
    )
    _log(conn, "time_entries", key, entry_id, now, existing)
    return entry_id


def _changeable_entry(conn: sqlite3.Connection, entry_id: int) -> sqlite3.Row:
    entry = _row(conn, "harvest_time_entries", entry_id)
    if entry["is_closed"]:
        raise HarvestError.forbidden(
            "This time entry has been approved and is closed; it can't be changed or deleted."
        )
    if entry["is_locked"]:
        reason = entry["locked_reason"] or "Item locked"
        raise HarvestError.unprocessable(f"This time entry is locked: {reason}")
    return entry


def update_time_entry(conn: sqlite3.Connection, entry_id: int, body: Fields, now: str) -> None:
    entry = _changeable_entry(conn, entry_id)
    changes: dict[str, Any] = {}
    project_id = body.integer("project_id") or entry["project_id"]
    task_id = body.integer("task_id") or entry["task_id"]
    if (project_id, task_id) != (entry["project_id"], entry["task_id"]):
        changes.update(_placement(conn, entry["user_id"], project_id, task_id))
    if body.has("spent_date"):
        changes["spent_date"] = body.date("spent_date", required=True)
    hours, started, ended = _hours(body)
    if hours is not None:
        changes["hours"] = changes["rounded_hours"] = hours
    if started is not None:
        changes["started_time"] = started
    if ended is not None:
        changes["ended_time"] = ended
    if body.has("notes"):
        changes["notes"] = body.text("notes")
    if body.has("external_reference"):
        changes["external_reference"] = _external_reference(body)
    _update(conn, "harvest_time_entries", entry_id, changes, now)


def delete_time_entry(conn: sqlite3.Connection, entry_id: int) -> None:
    _changeable_entry(conn, entry_id)
    conn.execute("delete from harvest_time_entries where id = ?", (entry_id,))
