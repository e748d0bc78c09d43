"""BambooHR client, row shaping and the models rows are validated against.

Vendor quirks handled here:
- Auth is HTTP Basic with the API key as user name and any password; BambooHR answers XML unless
  asked for JSON, so every request sends `Accept: application/json`.
- Repeated bad keys lock the whole API for the client address (403), so a refused key is
  remembered per instance and every later call fails at once without presenting it again.
- Throttling is 503 + Retry-After; the retrying session honours it (and retries 5xx).
- Every value arrives as a string (ids too) and money as "75000.00 USD"; rows are turned into
  typed, snake_case columns here, leaving unparseable values as they came so that validation
  quarantines the row with a reason instead of loading a wrong type.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import requests
from pydantic import BaseModel, model_validator

from dlt_sources.bamboohr import settings
from dlt_sources.common.config import Instance
from dlt_sources.common.http import retrying_session

MONEY = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([A-Za-z]{3})?\s*$")


class CredentialRefused(RuntimeError):
    """BambooHR refused an instance's API key (the message names the setting, never the key)."""


class BambooHRClient:
    """Calls one BambooHR instance; the HTTP session is opened on the first call, not before."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self._session: requests.Session | None = None
        self._refused: CredentialRefused | None = None

    @property
    def source_relation(self) -> str:
        return self.instance.source_relation

    def _open(self) -> requests.Session:
        if self._session is None:
            session = retrying_session()
            session.auth = (self.instance.secrets["api_key"], "x")
            session.headers["Accept"] = "application/json"
            self._session = session
        return self._session

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """One call to the instance's API; the parsed JSON answer.

        Raises:
            CredentialRefused: on 401/403; later calls raise it again without a request, since
                each further bad key counts towards BambooHR's lockout.
            requests.HTTPError: on any other final error status.
        """
        if self._refused is not None:
            raise self._refused
        response = self._open().request(method, self.instance.base_url + path, **kwargs)
        if response.status_code in (401, 403):
            name = self.instance.name
            self._refused = CredentialRefused(
                f"bamboohr/{name}: the API key was refused (HTTP {response.status_code}); check "
                f"the setting sources.bamboohr.{name}.api_key (env "
                f"SOURCES__BAMBOOHR__{name.upper()}__API_KEY or .dlt/secrets.toml)"
            )
            raise self._refused
        response.raise_for_status()
        return response.json()

    def changed(self, since: str, kind: str | None = None) -> dict[str, Any]:
        """`/employees/changed`: {"latest": ..., "employees": {id: {id, action, lastChanged}}}."""
        # requests encodes a '+' offset as %2B, as BambooHR requires.
        params = {"since": since} | ({"type": kind} if kind else {})
        return self.request("GET", settings.CHANGED_PATH, params=params)

    def changed_table(self, table: str, since: str) -> dict[str, Any]:
        """All rows of `table` of each employee changed at or after `since`."""
        path = settings.CHANGED_TABLE_PATH.format(table=table)
        return self.request("GET", path, params={"since": since})

    def report(self, fields: Iterable[str], since: str | None = None) -> list[dict[str, Any]]:
        """Employees of any status (the directory lists only active ones) via a custom report."""
        body: dict[str, Any] = {"title": "crosswalk", "fields": list(fields)}
        if since is not None:
            body["filters"] = {"lastChanged": {"includeNull": "no", "value": since}}
        answer = self.request("POST", settings.REPORT_PATH, params={"format": "JSON"}, json=body)
        return list(answer.get("employees") or [])

    def time_off(self, start: date, end: date) -> list[dict[str, Any]]:
        """Time off requests overlapping [start, end], every status."""
        params = {"start": start.isoformat(), "end": end.isoformat()}
        return list(self.request("GET", settings.TIME_OFF_PATH, params=params))


# --- shaping: strings in, typed columns out (unparseable values kept for the validator) ---


def as_int(value: Any) -> Any:
    if value is None or value == "":
        return None
    try:
        return int(str(value))
    except ValueError:
        return value


def changed_employees(answer: dict[str, Any]) -> dict[str, Any]:
    """The `employees` map of a change answer; an empty one may come as a JSON array."""
    employees = answer.get("employees")
    return employees if isinstance(employees, dict) else {}


def _manager(value: Any) -> dict[str, Any]:
    """The manager of a jobInfo row (`reportsTo`): an employee id, or else a name.

    The sandbox sends ids; a tenant may show the manager's name (unverified), which would
    otherwise fail the row. Staging finds the employee a name belongs to.
    """
    manager = as_int(value)
    if manager is None or isinstance(manager, int):
        return {"reports_to": manager, "reports_to_name": None}
    return {"reports_to": None, "reports_to_name": str(manager).strip() or None}


def as_date(value: Any) -> Any:
    if value is None or value == "" or value == "0000-00-00":
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return value


def as_datetime(value: Any) -> Any:
    if value is None or value == "":
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return value


def split_money(text: Any) -> tuple[Decimal | None, str | None]:
    """'75000.00 USD' -> (Decimal('75000.00'), 'USD'); (None, None) when it is no amount."""
    if text is None:
        return None, None
    match = MONEY.match(str(text))
    if not match:
        return None, None
    try:
        amount = Decimal(match.group(1))
    except InvalidOperation:
        return None, None
    return amount, (match.group(2) or "").upper() or None


def employee_row(raw: dict[str, Any], source_relation: str) -> dict[str, Any]:
    """A custom-report employee as a raw `employees` row."""
    row: dict[str, Any] = {"source_relation": source_relation, "id": as_int(raw.get("id"))}
    for field, column in settings.EMPLOYEE_COLUMNS.items():
        value = raw.get(field)
        if field == "supervisorEId":
            value = as_int(value)
        elif field in ("hireDate", "terminationDate"):
            value = as_date(value)
        elif field == "lastChanged":
            value = as_datetime(value)
        row[column] = value
    row["_deleted"] = False
    return row


def history_row(
    table: str, raw: dict[str, Any], source_relation: str, last_changed: Any
) -> dict[str, Any]:
    """A row of jobInfo, compensation or employmentStatus as a raw row."""
    row: dict[str, Any] = {
        "source_relation": source_relation,
        "id": as_int(raw.get("id")),
        "employee_id": as_int(raw.get("employeeId")),
    }
    if table == "job_info":
        row |= {
            "date": as_date(raw.get("date")),
            "location": raw.get("location"),
            "department": raw.get("department"),
            "division": raw.get("division"),
            "job_title": raw.get("jobTitle"),
            **_manager(raw.get("reportsTo")),
        }
    elif table == "compensation":
        amount, currency = split_money(raw.get("rate"))
        row |= {
            "start_date": as_date(raw.get("startDate")),
            "rate": raw.get("rate"),
            "rate_amount": amount,
            "rate_currency": currency,
            "type": raw.get("type"),
            "paid_per": raw.get("paidPer"),
            "reason": raw.get("reason"),
        }
    else:
        row |= {
            "date": as_date(raw.get("date")),
            "employment_status": raw.get("employmentStatus"),
            "termination_reason": raw.get("terminationReason"),
        }
    row["employee_last_changed"] = as_datetime(last_changed)
    row["_deleted"] = False
    return row


def time_off_row(raw: dict[str, Any], source_relation: str) -> dict[str, Any]:
    """A time off request with its nested status, type and amount flattened to columns."""
    status = raw.get("status") if isinstance(raw.get("status"), dict) else {}
    kind = raw.get("type") if isinstance(raw.get("type"), dict) else {}
    amount = raw.get("amount") if isinstance(raw.get("amount"), dict) else {}
    return {
        "source_relation": source_relation,
        "id": as_int(raw.get("id")),
        "employee_id": as_int(raw.get("employeeId")),
        "name": raw.get("name"),
        "status": status.get("status"),
        "status_last_changed": as_date(status.get("lastChanged")),
        "start": as_date(raw.get("start")),
        "end": as_date(raw.get("end")),
        "created": as_date(raw.get("created")),
        "type_id": as_int(kind.get("id")),
        "type_name": kind.get("name"),
        "amount_unit": amount.get("unit"),
        "amount": amount.get("amount"),
    }


def tombstone(source_relation: str, row_id: int) -> dict[str, Any]:
    """A row that deletes (source_relation, id) from its merge table (`_deleted` hard_delete)."""
    return {"source_relation": source_relation, "id": row_id, "_deleted": True}


# --- models of the fields the canonical layer needs; a row failing them is quarantined ---


class EmployeeModel(BaseModel):
    """The employee fields canonical workers are built from."""

    id: int
    first_name: str
    last_name: str
    work_email: str | None = None
    supervisor_eid: int | None = None
    hire_date: date | None = None
    termination_date: date | None = None
    status: Literal["Active", "Inactive"]
    last_changed: datetime


class JobInfoModel(BaseModel):
    """A dated job row (department, title, manager from a date on)."""

    id: int
    employee_id: int
    date: date
    reports_to: int | None = None
    reports_to_name: str | None = None


class CompensationModel(BaseModel):
    """A dated pay rate; the text must split into an amount and a currency."""

    id: int
    employee_id: int
    start_date: date
    rate: str | None = None
    rate_amount: Decimal | None = None
    rate_currency: str | None = None

    @model_validator(mode="after")
    def _money_parsed(self) -> CompensationModel:
        if self.rate is not None and (self.rate_amount is None or self.rate_currency is None):
            raise ValueError(f"rate {self.rate!r} is not an amount with a currency")
        return self


class EmploymentStatusModel(BaseModel):
    """A dated employment status (Full-Time, Terminated...)."""

    id: int
    employee_id: int
    date: date
    employment_status: str


class TimeOffModel(BaseModel):
    """A leave request: its dates must be in order and its type one the mapping knows."""

    id: int
    employee_id: int
    status: str
    start: date
    end: date
    type_name: str

    @model_validator(mode="after")
    def _dates_in_order(self) -> TimeOffModel:
        if self.end < self.start:
            raise ValueError(f"ends before it starts ({self.start} .. {self.end})")
        return self


def time_off_model(known_types: Iterable[str]) -> type[TimeOffModel]:
    """TimeOffModel that also refuses types outside `known_types` (configurable per instance)."""
    allowed = frozenset(known_types)

    class KnownTypeTimeOff(TimeOffModel):
        @model_validator(mode="after")
        def _known_type(self) -> KnownTypeTimeOff:
            if self.type_name not in allowed:
                raise ValueError(f"unknown time off type {self.type_name!r}")
            return self

    return KnownTypeTimeOff


HISTORY_MODELS: dict[str, type[BaseModel]] = {
    "job_info": JobInfoModel,
    "compensation": CompensationModel,
    "employment_status": EmploymentStatusModel,
}
