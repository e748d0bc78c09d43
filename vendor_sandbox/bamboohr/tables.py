"""BambooHR's historical tables: jobInfo, compensation and employmentStatus.

Each table holds dated rows per employee; the employee's current values (department, pay type,
employment status...) are those of the latest row effective today. Rows are served with every
value as a string, ids included, and money as BambooHR writes it: "75000.00 USD".
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

from vendor_sandbox.bamboohr.errors import BambooHRError
from vendor_sandbox.bamboohr.fields import as_text, money_text


@dataclass(frozen=True)
class TableSpec:
    """One BambooHR table: its SQL table, its date column and the columns a row shows."""

    sql_table: str
    date_column: str
    columns: tuple[str, ...]


TABLES: dict[str, TableSpec] = {
    "jobInfo": TableSpec(
        "bamboohr_job_info",
        "date",
        ("date", "location", "department", "division", "jobTitle", "reportsTo"),
    ),
    "compensation": TableSpec(
        "bamboohr_compensation",
        "startDate",
        ("startDate", "rate", "type", "paidPer", "reason"),
    ),
    "employmentStatus": TableSpec(
        "bamboohr_employment_status",
        "date",
        ("date", "employmentStatus", "terminationReason"),
    ),
}


def spec_of(table: str) -> TableSpec:
    spec = TABLES.get(table)
    if spec is None:
        raise BambooHRError(404, f"Table '{table}' does not exist")
    return spec


def row_json(table: str, row: sqlite3.Row) -> dict[str, str | None]:
    """A stored row as BambooHR serves it: strings only, money as '75000.00 USD'."""
    out: dict[str, str | None] = {"id": str(row["id"]), "employeeId": str(row["employeeId"])}
    for column in TABLES[table].columns:
        if column == "rate":
            out["rate"] = money_text(row["rate_amount"], row["rate_currency"])
        else:
            out[column] = as_text(row[column])
    return out


def rows_of(
    conn: sqlite3.Connection, table: str, employee_ids: list[int] | None
) -> dict[int, list[dict[str, str | None]]]:
    """Rows per employee (every live employee when `employee_ids` is None), in date order."""
    spec = spec_of(table)
    sql = (
        f"select t.* from {spec.sql_table} t join bamboohr_employees e on e.id = t.employeeId "
        "where e.deletedAt is null"
    )
    params: list[object] = []
    if employee_ids is not None:
        if not employee_ids:
            return {}
        sql += f" and t.employeeId in ({','.join('?' * len(employee_ids))})"
        params.extend(employee_ids)
    sql += f" order by t.employeeId, t.{spec.date_column}, t.id"
    out: dict[int, list[dict[str, str | None]]] = {}
    for row in conn.execute(sql, params):
        out.setdefault(row["employeeId"], []).append(row_json(table, row))
    return out


def _date(value: object, field: str) -> str:
    text = str(value or "").strip()
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise BambooHRError(400, f"Field '{field}' must be a date YYYY-MM-DD") from exc


def _rate(value: object, default_currency: str) -> tuple[str, str]:
    """'75000.00 USD', '75000' or {"value": "75000.00", "currency": "USD"} -> amount, currency."""
    if isinstance(value, dict):
        amount, currency = value.get("value"), value.get("currency") or default_currency
    else:
        amount, _, currency = str(value or "").strip().partition(" ")
        currency = currency.strip() or default_currency
    try:
        return f"{float(str(amount)):.2f}", str(currency).upper()
    except ValueError as exc:
        raise BambooHRError(400, "Field 'rate' must be an amount such as '75000.00 USD'") from exc


def insert_row(
    conn: sqlite3.Connection,
    employee_id: int,
    table: str,
    values: dict[str, object],
    changed: str,
) -> int:
    """Add one row; returns its id. Unknown field names are ignored, as BambooHR does."""
    spec = spec_of(table)
    if not values.get(spec.date_column):
        raise BambooHRError(400, f"Field '{spec.date_column}' is required")
    effective = _date(values[spec.date_column], spec.date_column)
    if table == "jobInfo":
        cursor = conn.execute(
            "insert into bamboohr_job_info (employeeId, date, location, department, division, "
            "jobTitle, reportsTo, lastChanged) values (?,?,?,?,?,?,?,?)",
            (
                employee_id,
                effective,
                values.get("location"),
                values.get("department"),
                values.get("division"),
                values.get("jobTitle"),
                values.get("reportsTo"),
                changed,
            ),
        )
    elif table == "compensation":
        current = conn.execute(
            "select rate_currency from bamboohr_compensation where employeeId = ? "
            "order by startDate desc, id desc limit 1",
            (employee_id,),
        ).fetchone()
        amount, currency = _rate(values.get("rate"), current[0] if current else "USD")
        pay_type = str(values.get("type") or "Salary")
        cursor = conn.execute(
            "insert into bamboohr_compensation (employeeId, startDate, rate_amount, "
            "rate_currency, type, paidPer, reason, lastChanged) values (?,?,?,?,?,?,?,?)",
            (
                employee_id,
                effective,
                amount,
                currency,
                pay_type,
                str(values.get("paidPer") or ("Hour" if pay_type == "Hourly" else "Year")),
                values.get("reason"),
                changed,
            ),
        )
    else:
        status = values.get("employmentStatus")
        if not status:
            raise BambooHRError(400, "Field 'employmentStatus' is required")
        cursor = conn.execute(
            "insert into bamboohr_employment_status (employeeId, date, employmentStatus, "
            "terminationReason, lastChanged) values (?,?,?,?,?)",
            (employee_id, effective, str(status), values.get("terminationReason"), changed),
        )
    return int(cursor.lastrowid or 0)


def current_values(
    conn: sqlite3.Connection, employee_id: int, table: str, today: str
) -> dict[str, object]:
    """The employee fields that `table`'s latest row effective `today` dictates."""
    spec = spec_of(table)
    row = conn.execute(
        f"select * from {spec.sql_table} where employeeId = ? and {spec.date_column} <= ? "
        f"order by {spec.date_column} desc, id desc limit 1",
        (employee_id, today),
    ).fetchone()
    if row is None:
        return {}
    if table == "jobInfo":
        reports_to = str(row["reportsTo"] or "")
        return {
            "department": row["department"],
            "division": row["division"],
            "location": row["location"],
            "jobTitle": row["jobTitle"],
            "supervisorEId": int(reports_to) if reports_to.isdigit() else None,
        }
    if table == "compensation":
        return {"payType": row["type"]}
    terminated = row["employmentStatus"] == "Terminated"
    return {
        "employmentHistoryStatus": row["employmentStatus"],
        "status": "Inactive" if terminated else "Active",
        "terminationDate": row["date"] if terminated else None,
    }
