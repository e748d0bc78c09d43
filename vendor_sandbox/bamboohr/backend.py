"""State logic of the BambooHR emulator over the bamboohr_* tables.

Vendor behaviour kept here:
- The directory lists Active, non-deleted employees hired by today (BambooHR's "current"
  employees; `onlyCurrent=false` adds future hires). Inactive and deleted employees are reached
  through `/employees/{id}`, custom reports and `/employees/changed`.
- `/employees/changed?since=` maps each employee changed at or after `since` to
  Inserted (created since), Updated or Deleted (`deletedAt` since); deletions show only there.
  `since` is inclusive so a client re-reading from `latest` misses nothing (it may see the last
  employee again, as incremental loads expect).
- Changed-table reads return all of a changed employee's rows of that table.
- Updating department/division/location/jobTitle/supervisor appends a jobInfo row dated today; a
  status change to Inactive with a termination date appends an employmentStatus 'Terminated'
  row; adding a table row updates the employee's current values; every write bumps lastChanged.
- Employees created through the API get ids from `API_ID_BASE` up, apart from the ids the
  firm's own hires take (100 + person index).
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta

from vendor_sandbox.bamboohr import tables
from vendor_sandbox.bamboohr.errors import BambooHRError
from vendor_sandbox.bamboohr.fields import (
    DATE_FIELDS,
    DIRECTORY_FIELDS,
    FIELD_INFO,
    JOB_FIELDS,
    KNOWN,
    WRITABLE,
    EmployeeReader,
)
from vendor_sandbox.bamboohr.webhooks import as_moment, queue_employee_event
from vendor_sandbox.clock import iso_offset, parse_ts
from vendor_sandbox.writes import log_create, normalise_email

SYSTEM = "bamboohr"
API_ID_BASE = 900_000
TIME_OFF_TYPES = {"Vacation": 78, "Sick": 79, "Parental Leave": 80, "Sabbatical": 81}
TIME_OFF_ICONS = {"Vacation": "palm-trees", "Sick": "medical-bag"}
TIME_OFF_STATUSES = frozenset({"approved", "denied", "superceded", "requested", "canceled"})
CHANGE_TYPES = frozenset({"inserted", "updated", "deleted", "all"})
ACTIONS = {"Created": "Created", "Inserted": "Created", "Updated": "Updated", "Deleted": "Deleted"}


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per raw table: live employees, and the rows of other tables that belong to them."""
    out = {
        "employees": conn.execute(
            "select count(*) from bamboohr_employees where deletedAt is null"
        ).fetchone()[0]
    }
    for name, sql_table in (
        ("job_info", "bamboohr_job_info"),
        ("compensation", "bamboohr_compensation"),
        ("employment_status", "bamboohr_employment_status"),
        ("time_off_requests", "bamboohr_time_off_requests"),
    ):
        out[name] = conn.execute(
            f"select count(*) from {sql_table} t join bamboohr_employees e "
            "on e.id = t.employeeId where e.deletedAt is null"
        ).fetchone()[0]
    return out


def offset_stamp(value: str) -> str:
    """A stored timestamp ('...Z' or '...+00:00') in BambooHR's '2011-06-02T19:26:23+00:00'."""
    return iso_offset(parse_ts(value))


def parse_since(raw: str | None) -> datetime:
    """BambooHR's `since`: ISO 8601 with Z, +hh:mm or +hhmm; a raw '+' arrives as a space."""
    if not raw:
        raise BambooHRError(400, "The 'since' parameter is required (ISO 8601 timestamp)")
    text = raw.strip()
    if " " in raw and "T" in raw:
        raise BambooHRError(
            400,
            f"Invalid 'since' value '{raw}': a '+' in the UTC offset must be URL-encoded as %2B "
            "(an unencoded '+' decodes to a space)",
        )
    if "T" not in text:
        raise BambooHRError(400, f"Invalid 'since' value '{raw}': expected an ISO 8601 timestamp")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BambooHRError(
            400, f"Invalid 'since' value '{raw}': expected an ISO 8601 timestamp"
        ) from exc
    if moment.tzinfo is None:
        raise BambooHRError(
            400, f"Invalid 'since' value '{raw}': give a UTC offset (Z, +hh:mm or +hhmm)"
        )
    return moment


def _since_key(moment: datetime) -> str:
    # Stored stamps are UTC in two spellings; their first 19 characters compare as text.
    return iso_offset(moment)[:19]


def live_employee(conn: sqlite3.Connection, employee_id: int | str) -> sqlite3.Row:
    try:
        key = int(employee_id)
    except (TypeError, ValueError) as exc:
        raise BambooHRError(404, f"Employee '{employee_id}' was not found") from exc
    row = conn.execute(
        "select * from bamboohr_employees where id = ? and deletedAt is null", (key,)
    ).fetchone()
    if row is None:
        raise BambooHRError(404, f"Employee '{employee_id}' was not found")
    return row


def directory(
    conn: sqlite3.Connection, today: date, *, only_current: bool = True
) -> tuple[list[dict[str, str]], list[dict[str, object]]]:
    """The company directory: its fieldset and its employees."""
    sql = "select * from bamboohr_employees where deletedAt is null and status = 'Active'"
    params: list[object] = []
    if only_current:
        sql += " and (hireDate is null or hireDate <= ?)"
        params.append(today.isoformat())
    rows = conn.execute(sql + " order by id", params).fetchall()
    if not rows:
        raise BambooHRError(404, "The directory is empty")
    reader = EmployeeReader(conn)
    fields = [
        {"id": name, "type": FIELD_INFO[name][0], "name": FIELD_INFO[name][1]}
        for name in DIRECTORY_FIELDS
    ]
    employees = []
    for row in rows:
        entry = reader.fields(row, [f for f in DIRECTORY_FIELDS if f != "supervisor"])
        entry["supervisor"] = reader.directory_supervisor(row)
        employees.append({k: entry[k] for k in ("id", *DIRECTORY_FIELDS)})
    return fields, employees


def get_employee(conn: sqlite3.Connection, employee_id: str, fields: str | None) -> dict:
    """One employee with the requested fields (firstName,lastName when none are named)."""
    names = [f.strip() for f in (fields or "firstName,lastName").split(",") if f.strip()]
    if len(names) > 400:
        raise BambooHRError(400, "At most 400 fields may be requested")
    return EmployeeReader(conn).fields(live_employee(conn, employee_id), names)


def changed(conn: sqlite3.Connection, since: datetime, kind: str | None) -> dict[str, object]:
    """`/employees/changed`: {"latest": ..., "employees": {id: {id, action, lastChanged}}}."""
    kind = (kind or "all").lower()
    if kind not in CHANGE_TYPES:
        raise BambooHRError(400, f"Invalid 'type' value '{kind}': inserted, updated or deleted")
    key = _since_key(since)
    rows = conn.execute(
        "select id, created, lastChanged, deletedAt from bamboohr_employees "
        "where substr(lastChanged, 1, 19) >= ? "
        "or (deletedAt is not null and substr(deletedAt, 1, 19) >= ?) order by id",
        (key, key),
    ).fetchall()
    employees: dict[str, dict[str, str]] = {}
    latest = iso_offset(since)
    for row in rows:
        if row["deletedAt"] is not None:
            if row["deletedAt"][:19] < key:
                continue  # deleted before since: gone from every feed
            action, stamp = "Deleted", offset_stamp(row["deletedAt"])
        elif row["created"][:19] >= key:
            action, stamp = "Inserted", offset_stamp(row["lastChanged"])
        else:
            action, stamp = "Updated", offset_stamp(row["lastChanged"])
        if kind != "all" and action.lower() != kind:
            continue
        employees[str(row["id"])] = {"id": str(row["id"]), "action": action, "lastChanged": stamp}
        latest = max(latest, stamp)
    return {"latest": latest, "employees": employees}


def changed_table(conn: sqlite3.Connection, table: str, since: datetime) -> dict[str, object]:
    """`/employees/changed/tables/{table}`: every row of each live employee changed since."""
    tables.spec_of(table)
    key = _since_key(since)
    rows = conn.execute(
        "select id, lastChanged from bamboohr_employees where deletedAt is null "
        "and substr(lastChanged, 1, 19) >= ? order by id",
        (key,),
    ).fetchall()
    by_employee = tables.rows_of(conn, table, [r["id"] for r in rows])
    employees: dict[str, dict[str, object]] = {}
    latest = iso_offset(since)
    for row in rows:
        stamp = offset_stamp(row["lastChanged"])
        employees[str(row["id"])] = {"lastChanged": stamp, "rows": by_employee.get(row["id"], [])}
        latest = max(latest, stamp)
    return {"table": table, "latest": latest, "employees": employees}


def table_rows(conn: sqlite3.Connection, employee_id: str, table: str) -> list[dict]:
    """`/employees/{id}/tables/{table}` (`all` for every live employee's rows)."""
    tables.spec_of(table)
    ids = None if employee_id == "all" else [live_employee(conn, employee_id)["id"]]
    return [row for rows in tables.rows_of(conn, table, ids).values() for row in rows]


def custom_report(conn: sqlite3.Connection, body: object) -> dict[str, object]:
    """`POST /reports/custom`: the named fields of every non-deleted employee, any status."""
    if not isinstance(body, dict) or not isinstance(body.get("fields"), list):
        raise BambooHRError(400, "The report needs a 'fields' list")
    names = [str(f) for f in body["fields"]]
    if len(names) > 400:
        raise BambooHRError(400, "At most 400 fields may be requested")
    known = [n for n in names if n in KNOWN and n != "id"]
    sql = "select * from bamboohr_employees where deletedAt is null"
    params: list[object] = []
    filters = body.get("filters") or {}
    last_changed = filters.get("lastChanged") if isinstance(filters, dict) else None
    if isinstance(last_changed, dict) and last_changed.get("value"):
        sql += " and substr(lastChanged, 1, 19) >= ?"
        params.append(_since_key(parse_since(str(last_changed["value"]))))
    reader = EmployeeReader(conn)
    return {
        "title": str(body.get("title") or "Report"),
        "fields": [
            {
                "id": n,
                "type": FIELD_INFO.get(n, ("text", n))[0],
                "name": FIELD_INFO.get(n, ("", n))[1],
            }
            for n in known
        ],
        "employees": [
            reader.fields(row, known) for row in conn.execute(sql + " order by id", params)
        ],
    }


def _validated(conn: sqlite3.Connection, values: dict[str, object]) -> dict[str, object]:
    """Writable fields of a request, checked and normalised; unknown names are dropped."""
    out: dict[str, object] = {}
    for name, raw in values.items():
        if name not in WRITABLE:
            continue
        value = None if raw is None or str(raw).strip() == "" else str(raw).strip()
        if value is not None and name in DATE_FIELDS:
            try:
                value = date.fromisoformat(value).isoformat()
            except ValueError as exc:
                raise BambooHRError(400, f"Field '{name}' must be a date YYYY-MM-DD") from exc
        elif value is not None and name == "status" and value not in ("Active", "Inactive"):
            raise BambooHRError(400, "Field 'status' must be Active or Inactive")
        elif value is not None and name == "supervisorEId":
            known = (
                value.isdigit()
                and conn.execute(
                    "select 1 from bamboohr_employees where id = ? and deletedAt is null",
                    (int(value),),
                ).fetchone()
            )
            if not known:
                raise BambooHRError(400, f"Field 'supervisorEId': no employee {value}")
            value = int(value)
        out[name] = value
    return out


def _natural_key(values: dict[str, object]) -> str:
    email = normalise_email(str(values.get("workEmail") or ""))
    if email:
        return email
    return f"name:{values.get('firstName', '')} {values.get('lastName', '')}".strip().lower()


def create_employee(conn: sqlite3.Connection, values: dict[str, object], now: datetime) -> int:
    """POST /employees: a new employee (firstName and lastName required); returns its id."""
    fields = _validated(conn, values)
    if not fields.get("firstName") or not fields.get("lastName"):
        raise BambooHRError(400, "Fields 'firstName' and 'lastName' are required")
    fields.setdefault("status", "Active")
    key = _natural_key(fields)
    existing = None
    if fields.get("workEmail"):
        existing = conn.execute(
            "select id from bamboohr_employees where deletedAt is null "
            "and lower(trim(workEmail)) = ? order by id limit 1",
            (key,),
        ).fetchone()
    new_id = max(
        conn.execute("select coalesce(max(id), 0) + 1 from bamboohr_employees").fetchone()[0],
        API_ID_BASE,
    )
    stamp = iso_offset(now)
    columns = ["id", *fields, "created", "lastChanged"]
    conn.execute(
        f"insert into bamboohr_employees ({', '.join(columns)}) "
        f"values ({', '.join('?' * len(columns))})",
        (new_id, *fields.values(), stamp, stamp),
    )
    effective = str(fields.get("hireDate") or now.date().isoformat())
    if any(fields.get(f) is not None for f in JOB_FIELDS):
        _append_job_row(conn, new_id, effective, stamp)
    if fields.get("employmentHistoryStatus"):
        tables.insert_row(
            conn,
            new_id,
            "employmentStatus",
            {"date": effective, "employmentStatus": fields["employmentHistoryStatus"]},
            stamp,
        )
    log_create(
        conn,
        system=SYSTEM,
        entity="employees",
        natural_key=key,
        remote_id=new_id,
        now_iso=stamp,
        existing_remote_id=existing[0] if existing else None,
    )
    queue_employee_event(
        conn, employee_id=new_id, action="Created", changed_fields=list(fields), now=now
    )
    return new_id


def _append_job_row(conn: sqlite3.Connection, employee_id: int, day: str, stamp: str) -> None:
    row = conn.execute("select * from bamboohr_employees where id = ?", (employee_id,)).fetchone()
    supervisor = row["supervisorEId"]
    tables.insert_row(
        conn,
        employee_id,
        "jobInfo",
        {
            "date": day,
            "location": row["location"],
            "department": row["department"],
            "division": row["division"],
            "jobTitle": row["jobTitle"],
            "reportsTo": None if supervisor is None else str(supervisor),
        },
        stamp,
    )


def _apply(
    conn: sqlite3.Connection,
    employee_id: int,
    before: sqlite3.Row,
    updates: dict[str, object],
    stamp: str,
) -> list[str]:
    """Write the fields that differ from `before`; returns their names."""
    changed_fields = [k for k, v in updates.items() if before[k] != v]
    if changed_fields:
        assignments = ", ".join(f"{k} = ?" for k in changed_fields)
        conn.execute(
            f"update bamboohr_employees set {assignments}, lastChanged = ? where id = ?",
            (*(updates[k] for k in changed_fields), stamp, employee_id),
        )
    return changed_fields


def update_employee(
    conn: sqlite3.Connection, employee_id: str, values: dict[str, object], now: datetime
) -> list[str]:
    """POST /employees/{id}: update fields; returns the fields that changed."""
    before = live_employee(conn, employee_id)
    fields = _validated(conn, values)
    if not fields:
        raise BambooHRError(400, "No known employee fields were given")
    stamp = iso_offset(now)
    key = before["id"]
    changed_fields = _apply(conn, key, before, fields, stamp)
    if any(f in changed_fields for f in JOB_FIELDS):
        _append_job_row(conn, key, now.date().isoformat(), stamp)
    after = conn.execute("select * from bamboohr_employees where id = ?", (key,)).fetchone()
    if (
        "status" in changed_fields
        and after["status"] == "Inactive"
        and after["terminationDate"] is not None
    ):
        tables.insert_row(
            conn,
            key,
            "employmentStatus",
            {"date": after["terminationDate"], "employmentStatus": "Terminated"},
            stamp,
        )
        if after["employmentHistoryStatus"] != "Terminated":
            changed_fields += _apply(
                conn, key, after, {"employmentHistoryStatus": "Terminated"}, stamp
            )
    if changed_fields:
        queue_employee_event(
            conn, employee_id=key, action="Updated", changed_fields=changed_fields, now=now
        )
    return changed_fields


def add_table_row(
    conn: sqlite3.Connection,
    employee_id: str,
    table: str,
    values: dict[str, object],
    now: datetime,
) -> list[str]:
    """POST /employees/{id}/tables/{table}: add a row; returns the employee fields it changed."""
    tables.spec_of(table)
    before = live_employee(conn, employee_id)
    stamp = iso_offset(now)
    tables.insert_row(conn, before["id"], table, values, stamp)
    current = tables.current_values(conn, before["id"], table, now.date().isoformat())
    changed_fields = _apply(conn, before["id"], before, current, stamp)
    # A table row changes the employee even when no current value moved (BambooHR's
    # lastChanged covers its tables), so the changed feeds pick the row up.
    conn.execute(
        "update bamboohr_employees set lastChanged = ? where id = ?", (stamp, before["id"])
    )
    if changed_fields:
        queue_employee_event(
            conn,
            employee_id=before["id"],
            action="Updated",
            changed_fields=changed_fields,
            now=now,
        )
    return changed_fields


def employee_changed(
    conn: sqlite3.Connection,
    *,
    employee_id: int,
    action: str,
    changed_fields: list[str],
    now: str | datetime,
) -> None:
    """Queue BambooHR webhook deliveries for a change made inside the sandbox.

    The activity simulator calls this after it has written the change to the bamboohr_* tables
    (and bumped the employee's `lastChanged`, which the `/employees/changed` feeds rely on),
    in the same transaction. Nothing is sent from here: deliveries wait in
    sandbox_webhook_outbox until the deliverer's next pass (the caller may wake it).

    Args:
        conn: the open write transaction's connection.
        employee_id: the BambooHR employee id (bamboohr_employees.id).
        action: "Created" (a hire), "Updated" or "Deleted" ("Inserted" is read as "Created").
            Created and Deleted go to every webhook subscribed to that event, with empty
            `fields` and `changedFields`, as BambooHR sends them.
        changed_fields: BambooHR field names that changed (`department`, `jobTitle`,
            `status`, `terminationDate`, `supervisorEId`...; `supervisor` and `reportsTo` are
            read as `supervisorEId`). An Updated change reaches only the webhooks whose
            monitorFields include one of them.
        now: business time of the change, as an ISO 8601 string (Z or offset) or an aware
            datetime; it becomes the payload's `timestamp`.
    """
    normalised = ACTIONS.get(action)
    if normalised is None:
        raise ValueError(f"action must be one of {sorted(ACTIONS)}, not {action!r}")
    queue_employee_event(
        conn,
        employee_id=employee_id,
        action=normalised,
        changed_fields=list(changed_fields),
        now=as_moment(now),
    )


def _time_off_entry(row: sqlite3.Row) -> dict[str, object]:
    kind = row["type"]
    changed_day = parse_ts(row["lastChanged"]).date().isoformat()
    return {
        "id": row["id"],
        "employeeId": row["employeeId"],
        "name": f"{row['preferredName'] or row['firstName']} {row['lastName']}",
        "status": {
            "lastChanged": changed_day,
            "lastChangedByUserId": 2369,
            "status": row["status"],
        },
        "start": row["start"],
        "end": row["end"],
        "created": parse_ts(row["created"]).date().isoformat(),
        "type": {
            "id": TIME_OFF_TYPES.get(kind, 99),
            "name": kind,
            "icon": TIME_OFF_ICONS.get(kind, "calendar"),
        },
        "amount": {"unit": "days", "amount": row["amount_days"]},
        "actions": {
            "view": True,
            "edit": False,
            "cancel": False,
            "approve": False,
            "deny": False,
            "bypass": False,
        },
        "notes": {},
    }


def _date_param(value: str | None, name: str) -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError as exc:
        raise BambooHRError(400, f"Invalid or missing '{name}' date (YYYY-MM-DD)") from exc


def time_off_requests(
    conn: sqlite3.Connection,
    *,
    start: str | None,
    end: str | None,
    status: str | None,
    employee_id: str | None,
    type_ids: str | None,
    request_id: str | None,
) -> list[dict[str, object]]:
    """Requests overlapping [start, end] (both required), filtered as BambooHR filters them."""
    first, last = _date_param(start, "start"), _date_param(end, "end")
    sql = (
        "select t.*, e.firstName, e.lastName, e.preferredName from bamboohr_time_off_requests t "
        "join bamboohr_employees e on e.id = t.employeeId where e.deletedAt is null "
        'and t."end" >= ? and t.start <= ?'
    )
    params: list[object] = [first, last]
    if status:
        wanted = [s.strip().lower() for s in status.split(",") if s.strip()]
        if any(s not in TIME_OFF_STATUSES for s in wanted):
            raise BambooHRError(400, f"Invalid 'status': use {sorted(TIME_OFF_STATUSES)}")
        sql += f" and t.status in ({','.join('?' * len(wanted))})"
        params.extend(wanted)
    if employee_id:
        sql += " and t.employeeId = ?"
        params.append(employee_id)
    if request_id:
        sql += " and t.id = ?"
        params.append(request_id)
    if type_ids:
        ids = {t.strip() for t in type_ids.split(",") if t.strip()}
        names = [n for n, i in TIME_OFF_TYPES.items() if str(i) in ids]
        sql += f" and t.type in ({','.join('?' * len(names)) or 'null'})"
        params.extend(names)
    rows = conn.execute(sql + " order by t.start, t.id", params).fetchall()
    return [_time_off_entry(r) for r in rows]


def whos_out(
    conn: sqlite3.Connection, today: date, start: str | None, end: str | None
) -> list[dict[str, object]]:
    """Approved leave overlapping [start, end]; today through 14 days out by default."""
    first = _date_param(start, "start") if start else today.isoformat()
    last = (
        _date_param(end, "end")
        if end
        else (date.fromisoformat(first) + timedelta(days=14)).isoformat()
    )
    rows = conn.execute(
        'select t.id, t.employeeId, t.start, t."end", e.firstName, e.lastName, e.preferredName '
        "from bamboohr_time_off_requests t join bamboohr_employees e on e.id = t.employeeId "
        "where e.deletedAt is null and t.status = 'approved' and t.\"end\" >= ? and t.start <= ? "
        "order by t.start, t.id",
        (first, last),
    ).fetchall()
    return [
        {
            "id": r["id"],
            "type": "timeOff",
            "employeeId": r["employeeId"],
            "name": f"{r['preferredName'] or r['firstName']} {r['lastName']}",
            "start": r["start"],
            "end": r["end"],
        }
        for r in rows
    ]
