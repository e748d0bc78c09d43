"""The employee fields the BambooHR emulator knows, stored and derived, and how each is read.

Field names are BambooHR's (camelCase; custom fields by their `custom...` alias). Every value is
served as a string or null, as BambooHR does. Derived fields come from other rows:
`displayName` and the `fullName*` family from the names, `supervisor` ("Last, First", BambooHR's
`employee` field type) and `supervisorId` (the supervisor's employee number) from the
supervisor's record, `payRate` ("75000.00 USD"), `payPer` and `payRateEffectiveDate` from the
current compensation row.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

# Columns of bamboohr_employees a client may read by name (the id is always returned).
STORED: tuple[str, ...] = (
    "employeeNumber",
    "firstName",
    "lastName",
    "preferredName",
    "workEmail",
    "jobTitle",
    "department",
    "division",
    "location",
    "supervisorEId",
    "hireDate",
    "terminationDate",
    "status",
    "employmentHistoryStatus",
    "payType",
    "customLegalEntity",
    "customCostCenter",
    "customLaborCategory",
    "customBillable",
    "lastChanged",
)

DERIVED: tuple[str, ...] = (
    "displayName",
    "fullName1",
    "fullName2",
    "fullName5",
    "bestEmail",
    "employmentStatus",
    "supervisor",
    "supervisorId",
    "supervisorEmail",
    "payRate",
    "payPer",
    "payRateEffectiveDate",
    "photoUploaded",
    "photoUrl",
    "canUploadPhoto",
)

# Fields a client may write with POST /employees and POST /employees/{id}.
WRITABLE: tuple[str, ...] = tuple(name for name in STORED if name != "lastChanged")
DATE_FIELDS = frozenset({"hireDate", "terminationDate"})
JOB_FIELDS = ("department", "division", "location", "jobTitle", "supervisorEId")

# Names other fields are known by, for webhook monitorFields and changed-field matching.
ALIASES = {
    "supervisor": "supervisorEId",
    "supervisorId": "supervisorEId",
    "reportsTo": "supervisorEId",
    "employmentStatus": "status",
}

# (type, display name) per field, as the directory's and custom reports' `fields` arrays give.
FIELD_INFO: dict[str, tuple[str, str]] = {
    "id": ("int", "Employee ID"),
    "employeeNumber": ("text", "Employee #"),
    "firstName": ("text", "First Name"),
    "lastName": ("text", "Last Name"),
    "preferredName": ("text", "Preferred Name"),
    "displayName": ("text", "Display name"),
    "fullName1": ("text", "Full Name 1"),
    "fullName2": ("text", "Full Name 2"),
    "fullName5": ("text", "Full Name 5"),
    "workEmail": ("email", "Work Email"),
    "bestEmail": ("email", "Email"),
    "jobTitle": ("list", "Job Title"),
    "department": ("list", "Department"),
    "division": ("list", "Division"),
    "location": ("list", "Location"),
    "supervisor": ("employee", "Reporting to"),
    "supervisorId": ("text", "Supervisor Employee #"),
    "supervisorEId": ("int", "Supervisor EID"),
    "supervisorEmail": ("email", "Supervisor email"),
    "hireDate": ("date", "Hire Date"),
    "terminationDate": ("date", "Termination Date"),
    "status": ("status", "Status"),
    "employmentStatus": ("status", "Status"),
    "employmentHistoryStatus": ("list", "Employment Status"),
    "payType": ("pay_type", "Pay type"),
    "payRate": ("currency", "Pay rate"),
    "payPer": ("list", "Paid per"),
    "payRateEffectiveDate": ("date", "Pay rate effective date"),
    "customLegalEntity": ("list", "Legal Entity"),
    "customCostCenter": ("list", "Cost Center"),
    "customLaborCategory": ("list", "Labor Category"),
    "customBillable": ("list", "Billable"),
    "lastChanged": ("timestamp", "Last changed"),
    "photoUploaded": ("bool", "Employee photo"),
    "photoUrl": ("url", "Photo URL"),
    "canUploadPhoto": ("int", "Can upload photo"),
}

DIRECTORY_FIELDS: tuple[str, ...] = (
    "displayName",
    "firstName",
    "lastName",
    "preferredName",
    "jobTitle",
    "workEmail",
    "department",
    "location",
    "division",
    "supervisor",
    "photoUploaded",
    "photoUrl",
    "canUploadPhoto",
)

KNOWN: frozenset[str] = frozenset(STORED) | frozenset(DERIVED) | {"id"}


def canonical(field: str) -> str:
    """The stored field a name refers to (aliases folded), for change matching."""
    return ALIASES.get(field, field)


def as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def money_text(amount: str | None, currency: str | None) -> str | None:
    """BambooHR's currency rendering: '75000.00 USD'."""
    if amount is None:
        return None
    return f"{float(amount):.2f} {currency}" if currency else f"{float(amount):.2f}"


class EmployeeReader:
    """Reads stored and derived fields of employees, caching the rows derived fields need."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._people: dict[int, sqlite3.Row] | None = None
        self._pay: dict[int, sqlite3.Row | None] = {}

    def _person(self, employee_id: object) -> sqlite3.Row | None:
        if employee_id in (None, ""):
            return None
        if self._people is None:
            self._people = {
                row["id"]: row
                for row in self.conn.execute(
                    "select id, firstName, lastName, preferredName, employeeNumber, workEmail "
                    "from bamboohr_employees where deletedAt is null"
                )
            }
        try:
            return self._people.get(int(employee_id))
        except (TypeError, ValueError):
            return None

    def _current_pay(self, employee_id: int) -> sqlite3.Row | None:
        if employee_id not in self._pay:
            self._pay[employee_id] = self.conn.execute(
                "select startDate, rate_amount, rate_currency, paidPer from bamboohr_compensation "
                "where employeeId = ? order by startDate desc, id desc limit 1",
                (employee_id,),
            ).fetchone()
        return self._pay[employee_id]

    def value(self, row: sqlite3.Row, field: str) -> str | int | bool | None:
        """One field of an employee row, as BambooHR serves it."""
        if field == "id":
            return str(row["id"])
        if field in STORED:
            return as_text(row[field])
        first, last, preferred = row["firstName"], row["lastName"], row["preferredName"]
        if field == "displayName":
            return f"{preferred or first} {last}"
        if field in ("fullName1", "fullName5"):
            return f"{first} {last}"
        if field == "fullName2":
            return f"{last}, {first}"
        if field == "bestEmail":
            return row["workEmail"]
        if field == "employmentStatus":
            return row["status"]
        if field.startswith("supervisor"):
            boss = self._person(row["supervisorEId"])
            if boss is None:
                return None
            if field == "supervisor":
                return f"{boss['lastName']}, {boss['preferredName'] or boss['firstName']}"
            if field == "supervisorId":
                return boss["employeeNumber"]
            return boss["workEmail"]
        if field.startswith("pay"):
            pay = self._current_pay(row["id"])
            if pay is None:
                return None
            if field == "payRate":
                return money_text(pay["rate_amount"], pay["rate_currency"])
            if field == "payPer":
                return pay["paidPer"]
            return pay["startDate"]
        if field == "photoUploaded":
            return False
        if field == "photoUrl":
            return "https://resources.bamboohr.com/images/photo_person_150x150.png"
        if field == "canUploadPhoto":
            return 0
        raise KeyError(field)

    def directory_supervisor(self, row: sqlite3.Row) -> str | None:
        """The directory shows the supervisor as 'First Last'."""
        boss = self._person(row["supervisorEId"])
        if boss is None:
            return None
        return f"{boss['preferredName'] or boss['firstName']} {boss['lastName']}"

    def fields(self, row: sqlite3.Row, names: Iterable[str]) -> dict[str, object]:
        """`id` plus each known field of `names` (unknown names are left out, as BambooHR does)."""
        out: dict[str, object] = {"id": str(row["id"])}
        for name in names:
            if name in KNOWN and name != "id":
                out[name] = self.value(row, name)
        return out
